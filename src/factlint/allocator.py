"""The C allocator, set up for one short command-line run (glibc only).

A check of a million facts allocates and frees arrays of megabytes hundreds of
times: columns, masks, selections. By default glibc's malloc returns such
memory to the system as soon as it is freed (a private mapping for each large
block, and the top of the heap trimmed back), so the next array of the same
size is faulted in and zeroed by the kernel again. At a million facts that is
about 1.5 s of system time in a 7 s run. Keeping freed memory for reuse makes
the warm 1M check about half a second faster (system time 1.60 -> 1.11 s) for 2%
more peak memory (bench/RESULTS.md); a short process gives everything back when
it exits anyway.

Only the CLI calls :func:`tune_allocator`: a program that imports factlint as a
library keeps its own allocator settings.
"""

from __future__ import annotations

import ctypes
import sys

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3

#: blocks above this still get a mapping of their own; glibc accepts at most 32 MiB on
#: 64-bit systems (and setting it also stops glibc from moving it by itself)
MMAP_THRESHOLD = 32 * 2**20
#: free memory at the top of the heap is given back to the system only beyond this
TRIM_THRESHOLD = 2**30
#: extra memory asked for whenever the heap grows, so that it grows in few steps
TOP_PAD = 256 * 2**20


def tune_allocator() -> bool:
    """Keep freed memory for reuse (glibc); False, with nothing changed, elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # a C library without mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    settings = (
        (_M_MMAP_THRESHOLD, MMAP_THRESHOLD),
        (_M_TRIM_THRESHOLD, TRIM_THRESHOLD),
        (_M_TOP_PAD, TOP_PAD),
    )
    return all([mallopt(parameter, value) == 1 for parameter, value in settings])
