"""The Textual step-debugger: a view and a cursor over the engine's trace."""
