"""The household table's columns (model/engine/household_schema.py), as the docs show them."""

from __future__ import annotations

from model.engine.household_schema import schema_markdown
from tests.support.paths import REPO_ROOT


def test_docs_show_the_schema_as_the_code_defines_it():
    docs = (REPO_ROOT / "docs" / "household_table.md").read_text(encoding="utf-8")
    assert schema_markdown() in docs
