"""Where the repository's files are, for tests anywhere under tests/."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = REPO_ROOT / "scenarios"
TEST_DATA = REPO_ROOT / "tests" / "data"
