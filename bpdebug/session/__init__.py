"""One debugging session without Textual: the trace and its network, the cursor, the
selection, conditions, the quiz model and where outputs go (the served folder, downloads).
The app (tui) is a view over it; the command line drives it headless."""
