"""Fewer glibc malloc arenas for a process that analyses video.

glibc gives each thread that allocates its own arena (up to 8 per core), and memory freed in one
is not returned to the others: with decoding, two pose landmarkers and encoding in threads of
their own, a minute of video left `analyze` at about 1 GB peak (10 minutes: the same) where two
arenas held it under 700 MB at no measured cost in speed (docs/performance.md, "Memory"). The
front-ends (CLI, batch workers, the web server's worker) call `limit_arenas` once at start; a
library user may too. Elsewhere than Linux with glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: glibc's M_ARENA_MAX option number (malloc.h).
M_ARENA_MAX = -8
DEFAULT_ARENAS = 2


def limit_arenas(arenas: int = DEFAULT_ARENAS) -> bool:
    """Cap the number of malloc arenas for threads started from now on; True if glibc took it."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):  # not glibc (e.g. musl has no mallopt)
        return False
