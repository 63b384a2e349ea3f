"""`gaitcheck serve`: uvicorn runs the app; worker processes of our own run the analyses.

The server starts `options.workers` processes (`python -m gaitcheck.web.worker`), restarts any
that dies (a SIGKILL, an OOM kill), and re-queues jobs whose lease ran out. Ctrl-C or SIGTERM
stops uvicorn, then the workers (SIGTERM: each gives its running job back to the queue), so a
restart loses nothing.
"""

from __future__ import annotations

import logging
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType

from gaitcheck.web.jobs import JobStore
from gaitcheck.web.options import ServeOptions
from gaitcheck.web.worker import options_to_json

log = logging.getLogger(__name__)

#: How long stopping workers may take before they are killed (their jobs then resume by lease).
STOP_WAIT_S = 15.0
LOG_DIR = "logs"


class WorkerPool:
    """The worker processes: started, watched and restarted by a thread; stopped on shutdown."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        self.processes: list[subprocess.Popen | None] = [None] * options.workers
        self.stopping = threading.Event()
        self.watcher = threading.Thread(target=self.watch, name="gaitcheck-workers", daemon=True)
        (options.data_dir / LOG_DIR).mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        for slot in range(len(self.processes)):
            self.spawn(slot)
        self.watcher.start()

    def spawn(self, slot: int) -> None:
        """Start worker `slot`; its output (MediaPipe's chatter included) goes to logs/worker-N.log."""
        path = self.options.data_dir / LOG_DIR / f"worker-{slot + 1}.log"
        with open(path, "ab") as output:
            self.processes[slot] = subprocess.Popen(
                [sys.executable, "-m", "gaitcheck.web.worker", options_to_json(self.options)],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the server only; it stops the workers in order
            )
        log.info("worker %d started (pid %d)", slot + 1, self.processes[slot].pid)  # type: ignore[union-attr]

    def watch(self) -> None:
        """Every poll: restart dead workers, re-queue jobs whose lease expired."""
        jobs = JobStore(self.options.db_path, self.options.lease_s, self.options.max_attempts)
        try:
            while not self.stopping.wait(self.options.poll_s):
                for slot, process in enumerate(self.processes):
                    if process is not None and process.poll() is not None and not self.stopping.is_set():
                        log.warning(
                            "worker %d (pid %d) exited with code %s; starting another",
                            slot + 1,
                            process.pid,
                            process.returncode,
                        )
                        self.spawn(slot)
                if jobs.requeue_expired():
                    log.info("re-queued jobs whose worker stopped answering")
        finally:
            jobs.close()

    def stop(self) -> None:
        """SIGTERM every worker, wait for them to hand back their jobs, kill stragglers."""
        self.stopping.set()
        running = [p for p in self.processes if p is not None and p.poll() is None]
        for process in running:
            process.terminate()
        for process in running:
            try:
                process.wait(STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self.watcher.is_alive():
            self.watcher.join(timeout=STOP_WAIT_S)


def prepare(options: ServeOptions) -> None:
    """Create the data folder; drop uploads a previous server left half-received."""
    options.jobs_dir.mkdir(parents=True, exist_ok=True)
    if options.incoming_dir.is_dir():
        shutil.rmtree(options.incoming_dir)
    options.incoming_dir.mkdir()
    jobs = JobStore(options.db_path, options.lease_s, options.max_attempts)
    jobs.requeue_expired()
    jobs.close()


def show_log() -> None:
    """gaitcheck.web's own lines (jobs queued, workers restarted) on stderr, beside uvicorn's."""
    logger = logging.getLogger("gaitcheck.web")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def serve(options: ServeOptions) -> int:
    """Run until Ctrl-C or SIGTERM; 0 after a clean stop."""
    import uvicorn

    from gaitcheck.web.app import create_app

    show_log()
    prepare(options)
    app = create_app(options)
    stopped: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        stopped.append(signum)  # uvicorn re-raises the signal it handled once it has stopped

    previous = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    pool = WorkerPool(options)
    pool.start()
    try:
        server = uvicorn.Server(uvicorn.Config(app, host=options.host, port=options.port, log_level="info"))
        print(
            f"gaitcheck: serving http://{options.host}:{options.port}/ (data in {Path(options.data_dir)})",
            file=sys.stderr,
            flush=True,
        )
        server.run()
    finally:
        pool.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("gaitcheck: stopped", file=sys.stderr, flush=True)
    return 0 if server.started else 1
