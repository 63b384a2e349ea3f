"""`gaitcheck serve`'s options: the one place their defaults live (the command line reads them here)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

#: Where jobs live when --data is not given: a folder in the current directory.
DEFAULT_DATA_DIR = Path("gaitcheck-data")
#: Job ids are random (secrets.token_urlsafe(12)): checked against this before any use as a path.
JOB_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16}$")
MIB = 1024 * 1024


@dataclass(frozen=True)
class ServeOptions:
    """How the server and its workers run. Times in seconds, sizes in MiB."""

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = DEFAULT_DATA_DIR
    workers: int = 1  # one analysis already keeps a core busy (pose inference); 1 is right on 2 cores
    max_upload_mb: float = 1024.0
    token: str | None = None
    #: A running job is re-queued when its worker has not renewed the lease for this long.
    lease_s: float = 30.0
    #: A job whose worker died this many times is failed rather than retried forever.
    max_attempts: int = 3
    #: How often an idle worker looks for work, and the server for expired leases.
    poll_s: float = 0.5

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * MIB)

    @property
    def heartbeat_s(self) -> float:
        """Renew the lease three times per lease: one late beat does not lose the job."""
        return self.lease_s / 3

    @property
    def db_path(self) -> Path:
        return self.data_dir / "jobs.sqlite3"

    @property
    def jobs_dir(self) -> Path:
        return self.data_dir / "jobs"

    @property
    def incoming_dir(self) -> Path:
        """Uploads being received; moved into jobs/ whole once checked."""
        return self.data_dir / "incoming"

    def job_dir(self, job_id: str) -> Path:
        """The folder of one job; refuses anything that is not a job id (never a user path)."""
        if not JOB_ID_PATTERN.fullmatch(job_id):
            raise ValueError(f"not a job id: {job_id!r}")
        return self.jobs_dir / job_id
