"""Silent behaviour changes show: the baseline at a fixed seed against its recorded summary.

The run is deterministic, so the tolerance only absorbs floating-point differences
between platforms and library versions (relative 1e-6); any change of the model
moves these figures by far more. After an intended change, regenerate with
`python tests/baseline_reference.py` and say why in the commit.
"""

from __future__ import annotations

import json

import pytest

from tests.support.baseline_reference import REFERENCE, baseline_summary_means


def test_baseline_summary_matches_the_recorded_reference():
    expected = json.loads(REFERENCE.read_text(encoding="utf-8"))
    actual = baseline_summary_means()
    assert sorted(actual) == sorted(expected), "headline figures were added or removed"
    for name, value in expected.items():
        if value is None:
            assert actual[name] is None, name
        else:
            assert actual[name] == pytest.approx(value, rel=1e-6, abs=1e-9), name
