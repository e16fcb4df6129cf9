"""Uploaded scenario files: size limit, safe loading, library `extends:`, CLI messages."""

from __future__ import annotations

import pytest

from model.app import uploads
from model.app.sweep_page import factor_columns, finished_sweeps, indicator_by_factor
from model.errors import ScenarioError, UserError
from tests.support.cli import run_cli


@pytest.fixture
def in_scratch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the app writes under outputs/app/ of its working directory
    return tmp_path


def test_an_upload_extending_a_library_file_loads(in_scratch):
    path, scenario = uploads.load_upload(
        "my mix.yaml", b"extends: five_batches.yaml\nname: my_mix\n"
    )
    assert scenario.name == "my_mix" and scenario.interventions
    assert path.parent == in_scratch / "outputs" / "app" / "uploads"
    assert path.name.startswith("my_mix-")


def test_a_bad_upload_gives_the_message_of_run_py_validate(in_scratch):
    with pytest.raises(ScenarioError) as caught:
        uploads.load_upload("bad.yaml", b"extends: baseline.yaml\nyears: 0\n")
    saved = next((in_scratch / "outputs" / "app" / "uploads").glob("bad-*.yaml"))
    result = run_cli("validate", saved)
    assert result.stderr.strip() == f"error: {caught.value}"
    assert "years: Input should be greater than or equal to 1" in str(caught.value)


def test_yaml_that_would_build_python_objects_is_refused(in_scratch):
    with pytest.raises(ScenarioError, match="malformed YAML"):
        uploads.load_upload("evil.yaml", b"name: !!python/object/apply:os.system ['true']\n")


def test_an_oversized_or_binary_upload_is_refused_before_it_is_saved(in_scratch):
    with pytest.raises(UserError, match="at most 262,144 bytes"):
        uploads.load_upload("big.yaml", b"#" * (uploads.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(UserError, match="not a UTF-8 text file"):
        uploads.load_upload("binary.yaml", b"\xff\xfe\x00")
    assert not (in_scratch / "outputs").exists()


def test_a_file_name_never_becomes_a_path():
    assert uploads.safe_stem("../../etc/passwd.yaml") == "passwd"
    assert uploads.safe_stem("..yaml") == "upload"


def test_the_sweep_viewer_finds_a_finished_sweep_and_groups_by_factor(in_scratch):
    out = in_scratch / "outputs" / "sweep"
    result = run_cli("sweep", "sweeps/example.yaml", "--out", out, "--quiet")
    assert result.returncode == 0, result.stderr
    assert finished_sweeps(in_scratch / "outputs") == [out]
    factors = factor_columns(out)
    assert factors == ["funds.civil_affairs.yearly_per_household",
                       "funds.special.yearly_per_household"]  # fmt: skip
    import pandas as pd

    results = pd.read_parquet(out / "results.parquet")
    table = indicator_by_factor(results, factors[0], "incidence_persons", 2017)
    assert list(table[factors[0]]) == [200, 500]
    assert (table["runs"] == 4).all()  # 2 points of the other factor x 2 replicates
    assert (table["low"] <= table["mean"]).all() and (table["mean"] <= table["high"]).all()
