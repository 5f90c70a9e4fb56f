"""Let the process keep freed memory for reuse: every retrace allocates what the last one freed.

glibc serves each block over its mmap threshold (128 KiB at first, raised as blocks are freed)
with fresh pages from the kernel and hands them back on free, and trims the heap's top the
same way. A trace of 784-128-10 holds several W-sized (800 KB) arrays, so each retrace
page-faulted them all again: about 2 ms of a 3.4 ms trace build on the benchmark machine
(`python benchmarks/run.py`). Fixed thresholds keep those pages in the heap instead. Arrays are
bounded by the network-file limits, so the memory kept is at most a few traces' worth.
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD = -1  # from glibc's <malloc.h>
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 64 * 2**20  # blocks below this come from the heap and are reused
TRIM_THRESHOLD = 256 * 2**20  # free heap kept before any is handed back


def keep_freed_memory() -> bool:
    """Ask glibc to reuse freed blocks rather than return them (False where there is no glibc)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
    )
