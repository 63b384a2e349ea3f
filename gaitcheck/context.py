"""The run context: what a front-end hands `pipeline.analyze` besides the video and settings.

It carries three things, none of them global (and, opted into by a long-lived worker, a fourth):
- this run's log: every record any gaitcheck module logs while the run is active *in this
  thread (context)* lands in `lines`, so two analyses in two threads never mix their run.log;
- progress events per stage (`decode/pose`, `clean`, `assess`, `report`, `video`), done/total;
- a cancel switch a front-end can trip from any thread; the run checks it at least once per
  frame and stops with `Cancelled`;
- `landmarkers`: the worker process's `pose.LandmarkerCache`, which the run's pose stage borrows
  from instead of loading the model afresh (None, the default: each run builds its own).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gaitcheck.errors import Cancelled, TimedOut
from gaitcheck.noise import warnings_to_log

if TYPE_CHECKING:
    from gaitcheck.pose import LandmarkerCache

#: The stages a run reports progress for, in the order they run.
STAGES = ("decode/pose", "clean", "assess", "report", "video")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_active: contextvars.ContextVar[RunContext | None] = contextvars.ContextVar("gaitcheck_run", default=None)
_level_lock = threading.Lock()
_level_users = 0
_level_before = logging.NOTSET


@dataclass(frozen=True)
class ProgressEvent:
    stage: str
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total > 0 else 0.0


class _RunHandler(logging.Handler):
    """Keeps the records of one run: those logged while that run is the active one."""

    def __init__(self, run: RunContext) -> None:
        super().__init__(level=logging.DEBUG)
        self.run = run
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def filter(self, record: logging.LogRecord) -> bool:
        return _active.get() is self.run

    def emit(self, record: logging.LogRecord) -> None:
        self.run.lines.append(self.format(record))


class RunContext:
    """One run's log, progress and cancel switch (see the module docstring)."""

    def __init__(
        self,
        on_progress: Callable[[ProgressEvent], None] | None = None,
        cancel_event: threading.Event | None = None,
        landmarkers: LandmarkerCache | None = None,
    ) -> None:
        self.lines: list[str] = []
        self.landmarkers = landmarkers
        self.on_progress = on_progress
        self.cancel_event = cancel_event if cancel_event is not None else threading.Event()
        self.timeout_s = 0.0
        self.deadline: float | None = None  # time.monotonic() past which check() raises TimedOut

    # --- cancel -----------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the run to stop (safe from any thread)."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def start_clock(self, timeout_s: float) -> None:
        """Bound the run to `timeout_s` seconds from now (0: unbounded); a clock already running is kept,
        so one bound covers the analysis and the report written after it."""
        if timeout_s > 0 and self.deadline is None:
            self.timeout_s = timeout_s
            self.deadline = time.monotonic() + timeout_s

    def check(self) -> None:
        """Raise `Cancelled` when the run was asked to stop, `TimedOut` when its time is up."""
        if self.cancel_event.is_set():
            raise Cancelled("the analysis was cancelled")
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TimedOut(
                f"the analysis took longer than {self.timeout_s:g} s (the timeout_s setting) and was stopped; "
                "trim the clip to the movement or raise the setting"
            )

    # --- progress ---------------------------------------------------------------------------------
    def progress(self, stage: str, done: int, total: int) -> None:
        """Report progress of a stage; also the place a long loop notices a cancel."""
        self.check()
        if self.on_progress is not None:
            self.on_progress(ProgressEvent(stage, done, total))

    def stage_progress(self, stage: str) -> Callable[[int, int], None]:
        """A (done, total) callback for a stage function that knows nothing of contexts."""
        return lambda done, total: self.progress(stage, done, total)

    # --- log --------------------------------------------------------------------------------------
    @contextmanager
    def active(self) -> Iterator[RunContext]:
        """Make this the run whose log receives gaitcheck's records in this thread (re-entrant)."""
        if _active.get() is self:
            yield self
            return
        token = _active.set(self)
        handler = _RunHandler(self)
        root = logging.getLogger("gaitcheck")
        root.addHandler(handler)
        _hold_debug_level(root)
        try:
            with warnings_to_log(), self._lending():
                yield self
        finally:
            root.removeHandler(handler)
            _release_debug_level(root)
            _active.reset(token)

    def _lending(self) -> contextlib.AbstractContextManager[object]:
        """While active, the pose stage borrows from this run's landmarker cache (if it has one)."""
        if self.landmarkers is None:
            return contextlib.nullcontext()
        from gaitcheck.pose import shared_landmarkers  # only here: numpy and the stages are not needed before

        return shared_landmarkers(self.landmarkers)

    def run_in_thread(self, function: Callable[..., object]) -> Callable[..., object]:
        """Wrap `function` so that, called in a worker thread, it logs into this run."""
        context = contextvars.copy_context()
        return lambda *args, **kwargs: context.run(function, *args, **kwargs)


def _hold_debug_level(root: logging.Logger) -> None:
    """While any run is active, the gaitcheck logger passes DEBUG records to the run handlers."""
    global _level_users, _level_before
    with _level_lock:
        if _level_users == 0:
            _level_before = root.level
            if root.level == logging.NOTSET or root.level > logging.DEBUG:
                root.setLevel(logging.DEBUG)
        _level_users += 1


def _release_debug_level(root: logging.Logger) -> None:
    global _level_users
    with _level_lock:
        _level_users -= 1
        if _level_users == 0:
            root.setLevel(_level_before)
