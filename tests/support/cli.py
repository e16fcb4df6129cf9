"""Running `python run.py ...` as a user types it, and what a user error must look like."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO_ROOT


def run_cli(*args: str | Path) -> subprocess.CompletedProcess:
    """`python run.py ARGS` from the repository root, as a user types it."""
    return subprocess.run(
        [sys.executable, "run.py", *map(str, args)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_user_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit code 2, `error: ` first, every fragment named, and no traceback."""
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in:\n{result.stderr}"


def run_cli_in_process(capsys, *arguments: str | Path) -> tuple[int, str, str]:
    """The command line in this process: (exit code, stdout, stderr)."""
    from model import cli

    code = cli.main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_user_error_exit(code: int, stderr: str, *fragments: str) -> None:
    """Exit code 2, `error: ` first, every fragment named, no traceback (in process)."""
    assert code == 2, stderr
    assert stderr.startswith("error: "), stderr
    assert "Traceback" not in stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"
