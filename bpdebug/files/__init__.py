"""Files in and out: network files and their one validator, samples, answers, logs, recovery
files, imports from PyTorch, and the atomic writer every output goes through. No Textual."""
