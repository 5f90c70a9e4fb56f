"""Where the tests' shared files are: the repository, hostile and small network files."""

from pathlib import Path

TESTS = Path(__file__).parent
ROOT = TESTS.parent
BAD_NETS = TESTS / "bad_nets"
NETS = TESTS / "nets"
