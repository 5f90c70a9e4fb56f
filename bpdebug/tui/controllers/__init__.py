"""The App's controllers: editing, stopping, saving, quizzing, training and crashes, each a
part of the App (a mixin) for one job."""
