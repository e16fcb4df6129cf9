"""Where the web app reads and writes: the scenario library, its uploads and its runs.

The app reads only the scenario library (scenarios/*.yaml of this repository), the files a
planner uploads and the directories it or the command line writes under outputs/ of the
directory it was started in; every comparison it runs writes one new directory under
outputs/app/.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from pathlib import Path

LIBRARY = Path(__file__).resolve().parents[2] / "scenarios"
"""The scenario library: every scenario file of the repository."""


def outputs_root() -> Path:
    """outputs/ of the working directory the app was started in (as the command line)."""
    return Path.cwd() / "outputs"


def app_root() -> Path:
    """outputs/app/: everything the app writes."""
    return outputs_root() / "app"


def uploads_dir() -> Path:
    """outputs/app/uploads/: each uploaded scenario file, as it was checked."""
    return app_root() / "uploads"


def library_scenarios() -> dict[str, Path]:
    """The library's scenario files by name (file stem), in alphabetical order."""
    return {path.stem: path for path in sorted(LIBRARY.glob("*.yaml"))}


def new_run_directory(kind: str = "compare") -> Path:
    """A fresh directory outputs/app/<kind>-<time>-<random>/ for one run of the app."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = app_root() / f"{kind}-{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True, exist_ok=False)
    return path
