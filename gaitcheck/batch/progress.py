"""Progress of a batch: one line rewritten in place on a terminal (counts, failures, ETA), plain
log lines otherwise. No dependency: a clinic's install has neither tqdm nor rich.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TextIO

from gaitcheck.batch.model import VideoRecord


class Progress:
    """Counts finished videos; every record is logged (batch.log), and shown on `stream` as a
    rewritten line when it is a terminal."""

    def __init__(self, total: int, log: logging.Logger, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total, self.log = total, log
        self.stream = stream if stream is not None else sys.stderr
        self.live = enabled and self.stream.isatty()
        self.done = self.failed = 0
        self.started = time.monotonic()
        self.show()  # "0/40 videos" at once: the first video can take a minute

    def show(self) -> None:
        if self.live:
            self.stream.write("\r" + self.line() + "\033[K")
            self.stream.flush()

    def __call__(self, record: VideoRecord) -> None:
        self.done += 1
        self.failed += record.status != "ok"
        outcome = "ok" if record.status == "ok" else f"failed: {record.error}"
        self.log.info("[%d/%d] %s (%.1f s): %s", self.done, self.total, record.video, record.seconds, outcome)
        self.show()

    def line(self) -> str:
        """`12/40 videos, 1 failed, 3.2 videos/min, ETA 9 min`."""
        elapsed_s = time.monotonic() - self.started
        rate_per_min = 60 * self.done / elapsed_s if elapsed_s > 0 else 0.0
        left = self.total - self.done
        eta = f"{left / rate_per_min:.0f} min" if rate_per_min > 0 else "?"
        return f"{self.done}/{self.total} videos, {self.failed} failed, {rate_per_min:.1f} videos/min, ETA {eta}"

    def close(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()
