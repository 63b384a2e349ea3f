"""Keep library chatter off the terminal: a run prints only gaitcheck's own lines.

Two kinds of noise reach a user's terminal past Python's logging, and both are sent to the run's
log (run.log) instead:

- `native_stderr_to_log()`: what native code (MediaPipe's C++, TFLite, absl, LiteRT) writes
  straight to file descriptor 2, captured around the calls that print it;
- `warnings_to_log()`: Python warnings (numpy's RuntimeWarnings, say) raised during a run.

Both act on things the whole process shares (file descriptor 2, `warnings.showwarning`), so both
are re-entrant and thread-safe: two runs in two threads may use them at once. Neither changes
which warnings are shown (the filters stay as they are), only where a shown one goes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, TextIO

#: Where warnings go when `warnings_to_log()` is given no logger; under "gaitcheck", so a run's
#: log handler receives them.
WARNINGS_LOGGER = "gaitcheck.warnings"
#: Where native stderr lines go.
NATIVE_LOGGER = "gaitcheck.native"


# ------------------------------------------------------------------------------------------------
# native stderr
# ------------------------------------------------------------------------------------------------
def _flush_stderr() -> None:
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()


class NativeStderr:
    """Route what native code prints on file descriptor 2 into a logger, at DEBUG level.

    TFLite and absl write INFO/WARNING lines straight to fd 2, past Python's logging; a user
    should see one clear line on failure, not library chatter, so we keep it for run.log.
    File descriptor 2 belongs to the whole process, so there is one instance,
    `native_stderr_to_log`: re-entrant and thread-safe (two landmarkers may warm up at once),
    the first entry redirects fd 2, the last exit restores it and logs what was caught, in the
    context (run) of that first entry. Python's own `sys.stderr` output in that window (in any
    thread) is caught too.
    """

    def __init__(self, logger: logging.Logger) -> None:
        self._logger = logger
        self._lock = threading.RLock()  # re-entrant: a landmarker closed by __del__ inside may enter
        self._depth = 0
        self._saved: int | None = None
        self._sink: IO[bytes] | None = None
        self._context: contextvars.Context | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            if self._depth == 1:
                self._redirect()
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._restore()

    def _redirect(self) -> None:
        _flush_stderr()
        try:
            sink = tempfile.TemporaryFile(mode="w+b")
        except OSError:  # nowhere to keep it: leave stderr alone
            return
        try:
            saved = os.dup(2)
            os.dup2(sink.fileno(), 2)
        except OSError:  # no fd 2 at all (a windowed app): nothing to catch
            sink.close()
            return
        self._sink, self._saved, self._context = sink, saved, contextvars.copy_context()

    def _restore(self) -> None:
        sink, saved, context = self._sink, self._saved, self._context
        self._sink = self._saved = self._context = None
        if sink is None or saved is None:
            return
        _flush_stderr()
        os.dup2(saved, 2)
        os.close(saved)
        sink.seek(0)
        text = sink.read().decode(errors="replace")
        sink.close()
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines and context is not None:
            context.run(self._log, lines)

    def _log(self, lines: list[str]) -> None:
        for line in lines:
            self._logger.debug("stderr: %s", line)


native_stderr_to_log = NativeStderr(logging.getLogger(NATIVE_LOGGER))


# ------------------------------------------------------------------------------------------------
# Python warnings
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class _Route:
    logger: logging.Logger
    level: int


ShowWarning = Callable[..., None]

_lock = threading.Lock()
_route: contextvars.ContextVar[_Route | None] = contextvars.ContextVar("gaitcheck_warnings_route", default=None)
_active: list[_Route] = []  # every run now inside warnings_to_log, in any thread, newest last
_previous: ShowWarning | None = None  # the showwarning our hook stands in front of
_in_previous = threading.local()


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """The process-wide `warnings.showwarning` while gaitcheck runs.

    A warning shown in a run's context (its thread, or a worker that copied its context) goes to
    that run's logger; one shown in a thread outside any run while a run is active goes to the
    newest active run's logger; with no run active, or an explicit `file`, it is shown as before.
    """
    route = _route.get()
    if route is None:
        with _lock:
            route = _active[-1] if _active else None
    if route is not None and file is None:
        route.logger.log(route.level, "%s: %s (%s:%s)", category.__name__, message, filename, lineno)
        return
    previous = _previous
    if previous is None or getattr(_in_previous, "flag", False):  # no loop through another hook
        text = warnings.formatwarning(message, category, filename, lineno, line)
        with contextlib.suppress(OSError, ValueError, AttributeError):
            (file or sys.stderr).write(text)
        return
    _in_previous.flag = True
    try:
        previous(message, category, filename, lineno, file, line)
    finally:
        _in_previous.flag = False


def _install() -> None:
    """Put the hook in place (once; again if something, e.g. pytest, has put another back).

    It stays in place after the runs end (it then shows warnings as before), so a
    `warnings.catch_warnings()` block in another thread that restores the hook it saw never
    takes it away from a run still going.
    """
    global _previous
    current: Any = warnings.showwarning
    if current is not _show_warning:
        _previous = current
        warnings.showwarning = _show_warning


@contextlib.contextmanager
def warnings_to_log(logger: logging.Logger | None = None, level: int = logging.DEBUG) -> Iterator[None]:
    """While inside, Python warnings shown in this context go to `logger` (default:
    logging.getLogger("gaitcheck.warnings")) at `level`, not to the terminal.

    Thread-safe and re-entrant: concurrent runs in several threads each get their own
    warnings (a worker thread gets its run's when it runs in a copy of the run's context, e.g.
    through `contextvars.copy_context().run`). Warning filters are left as they are.
    """
    route = _Route(logger if logger is not None else logging.getLogger(WARNINGS_LOGGER), level)
    with _lock:
        _install()
        _active.append(route)
    token = _route.set(route)
    try:
        yield
    finally:
        _route.reset(token)
        with _lock:
            _active.remove(route)
