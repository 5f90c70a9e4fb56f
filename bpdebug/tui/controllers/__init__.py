"""The App's controllers: editing, stopping, saving, quizzing, training and crashes, each a
part of the App (a mixin) for one job, type-checked against what the debugger offers them
(tui/debugger.py: Debugger) and nothing else of the App."""
