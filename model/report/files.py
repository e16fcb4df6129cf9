"""Files a result is made of, written so that a crash never looks like a result.

Every file is written to a hidden temporary name in its own directory and renamed over
the final name (`os.replace` is atomic on POSIX and Windows), so no file is ever
half-written. A result directory as a whole is marked complete by `manifest.json`,
written last and removed first when the directory is overwritten: a directory without
`manifest.json` is incomplete, whatever else it holds. (A `DIR.partial` directory renamed
at the end was rejected because renaming over an existing result is not atomic either
and would mean deleting the user's directory.) Also here: the names of a run directory's
files, CSV/JSON/Parquet serialisation with fixed bytes, hashes and code/package versions.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from model.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MANIFEST_NAME = "manifest.json"
ANALYSIS_TABLES = ("relapse_curve.csv", "survival.csv", "efficiency.csv", "vulnerability.csv")
"""Optional tables of a run directory, written from RunRecord.tables when present."""
PANEL_NAME = "households.parquet"
REPORT_NAME = "report.html"
RUN_FILE_NAMES = frozenset(
    {
        "scenario.yaml",
        "yearly.csv",
        "summary.json",
        *ANALYSIS_TABLES,
        PANEL_NAME,
        "plots",
        REPORT_NAME,
        MANIFEST_NAME,
    }
)
"""Names a run directory may hold; any other entry means DIR is not a run directory."""

CSV_FLOAT_FORMAT = "%.12g"
"""12 significant digits: exact enough for any indicator, and the same bytes on every platform."""

PACKAGE_NAME = "poverty-exit-sim"
RECORDED_PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "mesa",
    "pydantic",
    "pyarrow",
    "matplotlib",
    "pyyaml",
    "tqdm",
)
REPO_ROOT = Path(__file__).resolve().parents[2]


# --- atomic files ----------------------------------------------------------------------


def current_umask() -> int:
    """The process umask (read by setting and restoring it; there is no getter)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same directory and a rename.

    The file gets the permissions an ordinary `open(path, "w")` would give (0666 less
    the umask), not the owner-only mode of `tempfile.mkstemp`.
    """
    path = Path(path)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temp_name, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write `text` as UTF-8 (newlines as given, never translated) atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


# --- file contents -----------------------------------------------------------------------


def csv_text(frame: pd.DataFrame) -> str:
    """A table as CSV text: no index, `\\n` line ends, floats to 12 significant digits."""
    return frame.to_csv(index=False, lineterminator="\n", float_format=CSV_FLOAT_FORMAT)


def read_csv_file(path: str | Path | IO[str]) -> pd.DataFrame:
    """A CSV of the formats, as `csv_text` writes them: only empty cells are missing (a
    scenario called "NA" stays)."""
    import pandas as pd

    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def parquet_bytes(table: pd.DataFrame) -> bytes:
    """`table` as Parquet (pyarrow, no index): the same table gives the same bytes."""
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def json_safe(value: Any) -> Any:
    """`value` with NaN and infinities replaced by None, so the JSON is strict (RFC 8259)."""
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return json_safe(value.item())
    return value


def json_text(data: Any) -> str:
    """Stable JSON: sorted keys, indent 2, strict numbers, a final newline."""
    return json.dumps(json_safe(data), sort_keys=True, indent=2, allow_nan=False) + "\n"


# --- provenance --------------------------------------------------------------------------


def code_version() -> str:
    """`git describe --always --dirty` of the checkout, else the installed package version."""
    try:
        result = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return metadata.version(PACKAGE_NAME)
    except metadata.PackageNotFoundError:
        return "unknown"


def package_versions(names: tuple[str, ...] = RECORDED_PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages a result depends on (None if not installed)."""
    return dict(installed_versions(names))


@functools.cache
def installed_versions(names: tuple[str, ...]) -> tuple[tuple[str, str | None], ...]:
    """(name, version) of `names`, read once per process: parsing the packages' metadata
    took 6 ms a manifest, and a comparison writes six. Read once, they are the versions
    this process imported, even if a package is upgraded while it runs."""
    versions = []
    for name in names:
        try:
            versions.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            versions.append((name, None))
    return tuple(versions)


def recorded_manifest(out_dir: Path) -> dict | None:
    """OUT/manifest.json of a finished result as a dict; None when there is none (an
    unfinished or interrupted result) or it cannot be read."""
    try:
        manifest = json.loads((out_dir / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def clear_result(out_dir: Path, belongs: Callable[[Path], bool]) -> None:
    """Remove every entry of `out_dir` that `belongs` to a result (files and whole folders
    such as plots/), the manifest first so the directory is never a stale 'complete'
    result; entries that are not a result's (hidden files, a user's own) are kept."""
    (out_dir / MANIFEST_NAME).unlink(missing_ok=True)
    for entry in sorted(out_dir.iterdir()):
        if entry.name.startswith(".") or not belongs(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def prepare_output_directory(
    out_dir: Path,
    belongs: Callable[[Path], bool],
    kind: str,
    identity: Callable[[dict], Any] | None = None,
    expected: Any = None,
    force: bool = False,
) -> Path:
    """Create `out_dir` with an empty plots/, clearing an earlier `kind` there completely
    (every entry of which `belongs`), so that nothing of it can be shown as this result's.

    Refused with a UserError: a path that is a file; a directory holding entries that do not
    belong to a `kind` (never deleted, even with `force`); and a finished `kind` that is
    another result -- `identity(its manifest)` differs from `expected`, e.g. a run of
    another scenario file -- unless `force`. A directory without a manifest holds no
    finished result (an interrupted one) and is cleared and reused.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"--out {out_dir}: exists and is not a directory; choose another path")
    if out_dir.is_dir():
        foreign = sorted(
            entry.name for entry in out_dir.iterdir()
            if not entry.name.startswith(".") and not belongs(entry)
        )  # fmt: skip
        if foreign:
            listed = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise UserError(
                f"--out {out_dir}: directory exists and is not a {kind} (it holds {listed}); "
                f"choose a new or empty directory, or an earlier {kind}"
            )
        earlier = recorded_manifest(out_dir)
        if identity is not None and earlier is not None and not force:
            found = identity(earlier)
            if found != expected:
                raise UserError(
                    f"--out {out_dir}: holds another result, a {kind} of {found or 'unknown'} "
                    f"(this one is of {expected}); add --force to replace it completely, or "
                    "choose another --out"
                )
    try:
        if out_dir.is_dir():
            clear_result(out_dir, belongs)
        (out_dir / "plots").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"--out {out_dir}: cannot create the {kind}: {exc}") from None
    return out_dir


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file, so an analyst can check a result was not altered."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
