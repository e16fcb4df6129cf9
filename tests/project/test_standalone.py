"""The repository stands alone: nothing in it cites documents a clone does not have.

Every figure the project takes from its sources is stated, with the original source,
in docs/sources.md; code, YAML, README and docs point there (or to docs/model.md).
"""

from __future__ import annotations

import re
import subprocess

from tests.support.paths import REPO_ROOT

# Built from pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join([r"\.\./" + "shared", r"\b" + "S" + r"F\b", "SEED" + "_FACTS", "DESIGN" + r"\.md"])
)


def tracked_text_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    return [name for name in listed if (REPO_ROOT / name).is_file()]


def test_no_file_cites_documents_outside_the_repository():
    offending = []
    for name in tracked_text_files():
        try:
            text = (REPO_ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files (figures) cite nothing
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offending.append(f"{name}:{number}: {line.strip()[:100]}")
    assert not offending, "cite docs/sources.md instead:\n" + "\n".join(offending)


def test_sources_page_exists_and_names_every_target_source():
    sources = (REPO_ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    for heading in ("The source documents", "Causes of poverty", "The national record"):
        assert heading in sources
    for targets_file in sorted((REPO_ROOT / "calibration").glob("*targets.yaml")):
        targets = targets_file.read_text(encoding="utf-8")
        names = re.findall(r"^  - \{?name:\s*(\w+)", targets, flags=re.M)
        assert names, targets_file
        for name in names:
            assert f"`{name}`" in sources, f"{targets_file.name}: {name} not in docs/sources.md"
