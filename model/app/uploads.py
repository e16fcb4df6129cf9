"""A scenario file uploaded in the browser: size-limited, saved, then loaded exactly as the
command line loads a file, so a problem shows the message `run.py validate` prints.

The upload is saved as outputs/app/uploads/<name>-<random>.yaml and read by
model.config.scenario.load_scenario (PyYAML's safe loader: no Python objects). An upload
that `extends:` a bare file name of the library (e.g. `extends: baseline.yaml`) has that
line pointed at the library file, since the upload no longer sits next to it.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from model.app.paths import LIBRARY, uploads_dir
from model.config.scenario import Scenario, load_scenario
from model.errors import UserError

MAX_UPLOAD_BYTES = 256 * 1024
"""Largest scenario file accepted (the library's largest is about 10 KB)."""

EXTENDS_LINE = re.compile(r"^extends:[ \t]*['\"]?([^'\"\n#]+?)['\"]?[ \t]*(#.*)?$", re.MULTILINE)


def safe_stem(file_name: str) -> str:
    """The uploaded file's name reduced to letters, digits, '_' and '-' (never a path)."""
    stem = Path(file_name).stem
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", stem).strip("_")
    return cleaned[:60] or "upload"


def point_extends_at_library(text: str) -> str:
    """`extends: NAME.yaml` names a library file: point it at the library's absolute path.
    Other `extends:` values are left alone (and fail as they would on the command line)."""

    def replace(match: re.Match) -> str:
        name = match.group(1).strip()
        target = (LIBRARY / name).resolve()
        if "/" in name or target.parent != LIBRARY or not target.is_file():
            return match.group(0)
        return f"extends: {target}"

    return EXTENDS_LINE.sub(replace, text)


def save_upload(file_name: str, data: bytes) -> Path:
    """Check the upload's size and encoding and save it under outputs/app/uploads/."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UserError(
            f"{file_name}: {len(data):,} bytes; a scenario file may have at most "
            f"{MAX_UPLOAD_BYTES:,} bytes"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise UserError(f"{file_name}: not a UTF-8 text file") from None
    folder = uploads_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{safe_stem(file_name)}-{secrets.token_hex(3)}.yaml"
    path.write_text(point_extends_at_library(text), encoding="utf-8")
    return path


def load_upload(file_name: str, data: bytes) -> tuple[Path, Scenario]:
    """Save the upload and load it as a scenario; a UserError (ScenarioError) says what is
    wrong, naming the saved file, the key path and what is allowed."""
    path = save_upload(file_name, data)
    return path, load_scenario(path)
