"""What every benchmark writes beside its numbers: the machine, and its own section of a shared
docs page (docs/performance.md holds the speed and the batch benchmarks; each rewrites only its
section, between markers, and leaves the others as they are)."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def machine() -> str:
    """'Linux x86_64, <CPU>, 2 cores, 24 GB RAM, Python 3.11.7, mediapipe 1.2.2'."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import mediapipe

    return (
        f"{platform.system()} {platform.machine()}, {cpu}, {os.cpu_count()} cores, {mem_gb:.0f} GB RAM, "
        f"Python {platform.python_version()}, mediapipe {mediapipe.__version__}"
    )


def replace_section(path: Path, title: str, body: str, page_title: str = "Performance") -> None:
    """Put `## title` with `body` into the page at `path`, replacing that section if it is there
    (between `<!-- section: title -->` markers), else appending it; the page is created if missing."""
    start, end = f"<!-- section: {title} -->", f"<!-- end of section: {title} -->"
    block = f"{start}\n## {title}\n\n{body.strip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.is_file() else f"# {page_title}\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
