"""A simulation process keeps the memory it frees, to use it again the next year.

A year allocates and frees hundreds of large temporary arrays. With glibc's defaults,
arrays above its mmap threshold (at most 32 MiB) are mapped from the kernel and handed
back when freed, and the top of the heap is handed back above its trim threshold, so
every year touches fresh pages again. Fresh pages cost about 0.25 us each on a plain
machine and about 2.5 ms per MB on the virtual machines this project runs on
(benchmarks/RESULTS.md): at a million households that was two seconds of a run.
`keep_freed_memory` tells glibc to serve every allocation from its heap and to keep up to
1 GiB of freed memory for reuse. The price is a somewhat higher peak, as freed blocks are
not always reused whole (about 250 bytes per household for `run.py run`; the memory
estimate, model/simulation/memory.py, counts it); memory goes back when the process ends.

Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers, which made every large
temporary a fresh mapping (tasks ran 20-25% slower); this overrides that too.

Nothing happens where the C library is not glibc (macOS, Windows, musl), or when the
environment sets POVERTY_SIM_KEEP_FREED_MEMORY=0.
"""

from __future__ import annotations

import os
import sys

GLIBC_M_TRIM_THRESHOLD, GLIBC_M_MMAP_MAX = -1, -4  # mallopt parameters (malloc.h)
KEPT_FREED_BYTES = 1 << 30  # freed memory glibc keeps before handing the heap's top back

_done = False


def keep_freed_memory() -> bool:
    """Once per process: no fresh mappings for large arrays, and freed memory kept for
    reuse (see the module's docstring). True if glibc took the settings."""
    global _done
    if _done:
        return False
    _done = True
    if not sys.platform.startswith("linux"):
        return False
    if os.environ.get("POVERTY_SIM_KEEP_FREED_MEMORY", "1") == "0":
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        return bool(
            libc.mallopt(GLIBC_M_MMAP_MAX, 0)
            and libc.mallopt(GLIBC_M_TRIM_THRESHOLD, KEPT_FREED_BYTES)
        )
    except (OSError, AttributeError):  # not glibc: nothing to set
        return False
