"""How much memory a run will need, estimated before it starts, and how much there is.

A county of 50 million households (the schema's maximum) used to simulate for a minute
and end in a MemoryError traceback; the command line now compares this estimate with the
memory available (or `--max-memory`) first and refuses with the figures.

The coefficients are measured peaks of `run.py run` (GNU time's maximum resident set,
one replicate of 7 years, 20,000 and 300,000 households; docs/reliability.md gives the
commands): the interpreter with NumPy, pandas, numba and matplotlib loaded takes about
280 MB; the baseline adds about 1,180 bytes per household and five_batches (16
instruments) about 1,570, i.e. about 25 bytes per household and instrument; every further
replicate keeps about 80 bytes per household of results (the panels the relapse analysis
reads). Since issue 16 a year's draws are made ahead and the process keeps the memory it
frees (model/engine/heap.py): faster, and about 400 bytes per household more at the peak.
The estimate rounds these up, so it errs on the side of refusing slightly early rather
than of a MemoryError after minutes.
"""

from __future__ import annotations

from pathlib import Path

INTERPRETER_BYTES = 400 * 2**20
"""Python with the model's libraries loaded, and drawing the figures (measured ~350 MB)."""
BYTES_PER_HOUSEHOLD = 1300
"""A run's peak per household without instruments (measured ~1,180, persons included)."""
BYTES_PER_HOUSEHOLD_AND_INSTRUMENT = 30
"""Added per household by each instrument (measured ~25: its state and proposals)."""
BYTES_PER_HOUSEHOLD_AND_REPLICATE = 350
"""Results kept per household for every replicate after the first (measured ~80 since
issue 16, ~320 before: kept at the older figure, the safe side)."""
PANEL_BYTES_PER_HOUSEHOLD_YEAR = 40
"""--panel: the household panel kept per household, year and replicate (20 on disk)."""

MEMINFO = Path("/proc/meminfo")
CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")
CGROUP_USAGE = Path("/sys/fs/cgroup/memory.current")


def run_bytes(
    households: int, instruments: int, replicates: int = 1, years: int = 7,
    panel: bool = False,
) -> int:
    """Estimated peak memory of simulating one scenario's replicates (one process)."""
    per_household = (
        BYTES_PER_HOUSEHOLD
        + BYTES_PER_HOUSEHOLD_AND_INSTRUMENT * instruments
        + BYTES_PER_HOUSEHOLD_AND_REPLICATE * max(0, replicates - 1)
        + (PANEL_BYTES_PER_HOUSEHOLD_YEAR * (years + 1) * replicates if panel else 0)
    )
    return INTERPRETER_BYTES + households * per_household


def kept_results_bytes(households: int, replicates: int) -> int:
    """What a finished run keeps while the next one of a comparison runs."""
    return households * BYTES_PER_HOUSEHOLD_AND_REPLICATE * replicates


def available_bytes() -> int | None:
    """Memory this process may still use: MemAvailable of /proc/meminfo, lowered to the
    room left under a cgroup (container) limit; None where neither can be read."""
    found: list[int] = []
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = CGROUP_LIMIT.read_text().strip()
        if limit != "max":
            found.append(int(limit) - int(CGROUP_USAGE.read_text().strip()))
    except (OSError, ValueError):
        pass
    return min(found) if found else None


def size_text(size: int) -> str:
    """Bytes as a short human figure: `1.5 GB`, `420 MB` (binary units)."""
    for unit, scale in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
