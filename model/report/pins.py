"""Pinned results: a scenario's headline figures recorded beside it, to notice when they move.

`python run.py pin SCENARIO` writes `<name>.pinned.json` next to the scenario file: the
mean over replicates of every headline figure (as summary.json states it), how they were
run (seed, replicates, households and years when overridden), the resolved scenario's
hash, the code version and the versions of the packages the numbers depend on.
`python run.py test` runs the same again and compares:

- same packages: every figure must be reproduced exactly (the model is deterministic given
  seed and replicate, so any difference is a change: in the code, the scenario or what it
  extends, or a registry table it reads);
- a package version differs: floating-point results may differ in the last digits, so a
  figure within the pin's `drift_tolerance` (relative) is reported as drift and passes; a
  larger difference fails.

Either way the check names every figure that moved, by how much, and what changed since
the pin (code version, packages, the resolved scenario). `--update` re-pins deliberately.
This module reads and writes the file and compares figures; it runs nothing (the command
line supplies the figures).
"""

from __future__ import annotations

import json
import math
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from model.errors import UserError
from model.report.files import (
    RECORDED_PACKAGES,
    atomic_write_text,
    code_version,
    json_text,
    package_versions,
)

PIN_SUFFIX = ".pinned.json"
PIN_FORMAT = 1
PINNED_PACKAGES = (*RECORDED_PACKAGES, "numba")
"""Packages whose version decides whether figures must match exactly (numba compiles the
engine's kernels)."""
DRIFT_TOLERANCE = 1e-6
"""Relative difference allowed when a package version differs: far above floating-point
noise of reordered sums (about 1e-12 for these figures), far below any change of the
model, which moves headline figures by 1e-3 or more."""


def pin_path(scenario_file: Path) -> Path:
    """`<folder>/<stem>.pinned.json` beside the scenario file."""
    return scenario_file.with_name(scenario_file.stem + PIN_SUFFIX)


def scenario_of_pin(pin_file: Path) -> Path:
    """The scenario file a pin file belongs to (`x.pinned.json` -> `x.yaml`)."""
    return pin_file.with_name(pin_file.name.removesuffix(PIN_SUFFIX) + ".yaml")


def environment() -> dict[str, Any]:
    """What the figures' exactness depends on: the code and the package versions."""
    return {
        "code_version": code_version(),
        "packages": {"python": platform.python_version(), **package_versions(PINNED_PACKAGES)},
    }


@dataclass
class Pin:
    """The content of a `.pinned.json` file."""

    scenario: str  # the scenario file's name
    seed: int
    replicates: int
    households: int | None  # the --households override, None for the file's own
    years: int | None
    scenario_sha256: str  # of the resolved scenario (Scenario.to_yaml)
    figures: dict[str, float | None]  # headline figure -> mean over replicates
    code_version: str
    packages: dict[str, str | None]
    drift_tolerance: float = DRIFT_TOLERANCE
    pinned_at: str = ""
    format: int = PIN_FORMAT
    note: str = field(
        default="written by `python run.py pin`; checked by `python run.py test` (README, "
        "Scenario tests); re-pin deliberately with --update"
    )

    @property
    def settings(self) -> tuple[int, int, int | None, int | None]:
        """(seed, replicates, households, years): what a run must use to reproduce it."""
        return self.seed, self.replicates, self.households, self.years


def write_pin(path: Path, pin: Pin) -> Path:
    """Write the pin atomically (a crash never leaves half a pin)."""
    pin.pinned_at = pin.pinned_at or datetime.now(UTC).isoformat(timespec="seconds")
    try:
        return atomic_write_text(path, json_text(asdict(pin)))
    except OSError as exc:
        raise UserError(f"{path}: could not write the pin: {exc}") from None


def read_pin(path: Path) -> Pin:
    """A pin file, checked; a UserError naming the file and key when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: pin file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(f"{path}: not a readable pin file ({exc}); re-pin with --update") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: (top level): a pin is a JSON object; re-pin with --update")
    expected = {
        "scenario": str, "seed": int, "replicates": int, "households": (int, type(None)),
        "years": (int, type(None)), "scenario_sha256": str, "figures": dict,
        "code_version": str, "packages": dict, "drift_tolerance": (int, float),
    }  # fmt: skip
    for key, kind in expected.items():
        if key not in data:
            raise UserError(f"{path}: {key}: missing; re-pin with `python run.py pin --update`")
        if not isinstance(data[key], kind) or isinstance(data[key], bool):
            raise UserError(f"{path}: {key}: wrong type ({type(data[key]).__name__})")
    if data.get("format", PIN_FORMAT) != PIN_FORMAT:
        raise UserError(f"{path}: format: {data.get('format')!r}; allowed: {PIN_FORMAT}")
    known = {name for name in Pin.__dataclass_fields__}
    return Pin(**{key: value for key, value in data.items() if key in known})


@dataclass(frozen=True)
class MovedFigure:
    """A pinned figure that the new run does not reproduce exactly."""

    name: str
    pinned: float | None
    now: float | None
    within_tolerance: bool

    def text(self) -> str:
        if self.pinned is None or self.now is None:
            return f"{self.name} {_number(self.pinned)} -> {_number(self.now)}"
        change = self.now - self.pinned
        relative = f", {change / abs(self.pinned):+.2e} relative" if self.pinned else ""
        return (
            f"{self.name} {_number(self.pinned)} -> {_number(self.now)} "
            f"({change:+.6g}{relative})"
        )


def _number(value: float | None) -> str:
    return "none" if value is None else f"{value:.10g}"


def _finite(value: Any) -> float | None:
    return float(value) if value is not None and math.isfinite(float(value)) else None


@dataclass(frozen=True)
class PinCheck:
    """The new run against the pin: exact, drifted within tolerance, or moved."""

    pin: Pin
    exact: bool  # whether every figure must match exactly (same packages)
    moved: list[MovedFigure]
    changes: list[str]  # what differs since the pin: code, packages, the scenario

    @property
    def holds(self) -> bool:
        return all(m.within_tolerance for m in self.moved)

    @property
    def drifted(self) -> list[MovedFigure]:
        return [m for m in self.moved if m.within_tolerance]

    @property
    def failed(self) -> list[MovedFigure]:
        return [m for m in self.moved if not m.within_tolerance]

    def summary(self) -> str:
        """One sentence: reproduced, drifted, or how many figures moved and since what."""
        since = f" (since the pin: {'; '.join(self.changes)})" if self.changes else ""
        count = len(self.pin.figures)
        if not self.moved:
            return f"reproduces all {count} pinned figures exactly{since}"
        if self.holds:
            return (
                f"{len(self.drifted)} of {count} figures drifted within the relative tolerance "
                f"{self.pin.drift_tolerance:g} (a package version differs){since}"
            )
        rule = "exactly" if self.exact else f"within {self.pin.drift_tolerance:g} relative"
        return f"{len(self.failed)} of {count} figures moved (must reproduce {rule}){since}"

    def details(self) -> list[str]:
        """Each figure that moved or drifted: pinned -> now (difference, relative)."""
        return [m.text() for m in (self.failed if not self.holds else self.drifted)]


def check_pin(pin: Pin, figures: dict[str, float | None], scenario_sha256: str) -> PinCheck:
    """Compare a new run's headline means with the pin's: exactly when the packages are
    the pinned ones, else within the pin's relative drift tolerance."""
    now_env = environment()
    changes = []
    if now_env["code_version"] != pin.code_version:
        changes.append(f"code {pin.code_version} -> {now_env['code_version']}")
    differing = sorted(
        name for name in set(pin.packages) | set(now_env["packages"])
        if pin.packages.get(name) != now_env["packages"].get(name)
    )  # fmt: skip
    changes += [
        f"{name} {pin.packages.get(name)} -> {now_env['packages'].get(name)}" for name in differing
    ]
    if scenario_sha256 != pin.scenario_sha256:
        changes.append("the resolved scenario changed")
    exact = not differing
    moved = []
    for name in sorted(set(pin.figures) | set(figures)):
        pinned, now = _finite(pin.figures.get(name)), _finite(figures.get(name))
        if pinned == now:
            continue
        within = (
            not exact
            and pinned is not None
            and now is not None
            and abs(now - pinned) <= pin.drift_tolerance * max(abs(pinned), abs(now))
        )
        moved.append(MovedFigure(name, pinned, now, within))
    moved.sort(key=_largest_first)
    return PinCheck(pin=pin, exact=exact, moved=moved, changes=changes)


def _largest_first(moved: MovedFigure) -> tuple[float, str]:
    """Order moved figures by relative change, largest first (appearing or vanishing
    figures first of all), then by name."""
    if moved.pinned is None or moved.now is None:
        return (-math.inf, moved.name)
    scale = max(abs(moved.pinned), abs(moved.now))
    return (-abs(moved.now - moved.pinned) / scale, moved.name)


def new_pin(
    scenario_file: Path,
    settings: tuple[int, int, int | None, int | None],
    figures: dict[str, float | None],
    scenario_sha256: str,
) -> Pin:
    """A pin of `figures` (headline means) run with `settings`, in this environment."""
    seed, replicates, households, years = settings
    env = environment()
    return Pin(
        scenario=scenario_file.name, seed=seed, replicates=replicates, households=households,
        years=years, scenario_sha256=scenario_sha256,
        figures={name: _finite(value) for name, value in sorted(figures.items())},
        code_version=env["code_version"], packages=env["packages"],
    )  # fmt: skip
