"""Fixtures for gaitcheck serve's tests: a real uvicorn in a subprocess, short clips, polling."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gaitcheck.web.jobs import Job, JobStore

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: The sample the short test clips are cut from (a front-view squat).
SOURCE_CLIP = SAMPLES / "squat_front.mp4"
START_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cut_clip(source: Path, target: Path, seconds: float, scale: float = 1.0) -> Path:
    """The first `seconds` of `source`, scaled and re-encoded as H.264 (PyAV): a quick analysis for tests."""
    import av

    with av.open(str(source)) as reading, av.open(str(target), "w") as writing:
        stream = reading.streams.video[0]
        out = writing.add_stream("libx264", rate=stream.average_rate)
        out.width, out.height = 2 * round(stream.width * scale / 2), 2 * round(stream.height * scale / 2)
        out.pix_fmt = "yuv420p"
        for frame in reading.decode(stream):
            if frame.time is not None and frame.time >= seconds:
                break
            for packet in out.encode(frame.reformat(out.width, out.height, format="yuv420p")):
                writing.mux(packet)
        for packet in out.encode():
            writing.mux(packet)
    return target


@pytest.fixture(scope="session")
def short_clip(tmp_path_factory) -> Path:
    """A 1 s front-view squat clip (about 4 s of analysis on 2 cores)."""
    return cut_clip(SOURCE_CLIP, tmp_path_factory.mktemp("clips") / "squat_1s.mp4", 1.0)


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory) -> Path:
    """Half a second at half size: many of these go through the queue in the load test."""
    return cut_clip(SOURCE_CLIP, tmp_path_factory.mktemp("clips") / "squat_tiny.mp4", 0.5, scale=0.5)


class Server:
    """`python -m gaitcheck serve` on 127.0.0.1 and a free port, with an httpx client for it."""

    def __init__(self, data: Path, *flags: str, token: str | None = None) -> None:
        self.data, self.token, self.port = data, token, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gaitcheck", "serve", "--port", str(self.port), "--data", str(data), *flags]
        if token:
            command += ["--token", token]
        self.stderr_path = data.parent / f"server-{self.port}.err"
        data.parent.mkdir(parents=True, exist_ok=True)
        with open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = httpx.Client(base_url=self.base, headers=headers, timeout=30.0)
        self.wait_ready()

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.stderr()}")
            try:
                self.client.get("/api/jobs")
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start in {START_TIMEOUT_S} s: {self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop it as a user would; its exit code."""
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def upload(self, clip: Path, **fields: str) -> httpx.Response:
        with open(clip, "rb") as handle:
            return self.client.post("/api/jobs", files={"video": (clip.name, handle, "video/mp4")}, data=fields)

    def wait(self, job_id: str, statuses: tuple[str, ...] = ("done", "failed"), timeout_s: float = 120.0) -> dict:
        """Poll a job until its status is one of `statuses`."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            job = self.client.get(f"/api/jobs/{job_id}").json()
            if job["status"] in statuses:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} still {job['status']} after {timeout_s} s")

    def row(self, job_id: str) -> Job:
        """The job's row, read straight from the table (worker pid, claim)."""
        jobs = JobStore(self.data / "jobs.sqlite3")
        try:
            job = jobs.get(job_id)
        finally:
            jobs.close()
        assert job is not None
        return job


@pytest.fixture
def start_server(tmp_path) -> Iterator:
    """start_server(*flags, data=..., token=...) -> Server; every server started is stopped."""
    started: list[Server] = []

    def start(*flags: str, data: Path | None = None, token: str | None = None) -> Server:
        server = Server(data or tmp_path / "data", *flags, token=token)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        if server.process.returncode not in (0, None):
            print(server.stderr())


def result_folders(data: Path) -> dict[str, list[str]]:
    """Each job folder's entries (a job has exactly its upload and one result/ when done)."""
    return {p.name: sorted(e.name for e in p.iterdir()) for p in sorted((data / "jobs").iterdir())}


def kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
