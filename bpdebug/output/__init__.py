"""What a trace becomes on paper: reports, hand-outs (explain), exam sheets, the graph in DOT
and the plots. No Textual."""
