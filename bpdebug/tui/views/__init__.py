"""What the panels show, computed from the session and the trace: text and pictures the
widgets only draw."""
