"""The records a batch passes around: an input video, a job for a worker, and what came back.

Plain frozen dataclasses (picklable: a job crosses into a worker process or a Ray task, a record
comes back) and nothing else, so every module of the batch can use them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from gaitcheck.settings import OutputOptions, Settings

Status = Literal["ok", "failed"]


@dataclass(frozen=True)
class Item:
    """One video of the input, with what the manifest says about it (nothing for a folder input).

    `label` is the path as the user knows it (relative to the input folder, or as written in the
    manifest); `columns` holds the manifest's other columns (subject_id, session, date and any
    extra), in the manifest's order; `movement`, `view` and `leg` are None when not given."""

    video: Path
    label: str
    columns: dict[str, str] = field(default_factory=dict)
    movement: str | None = None
    view: str | None = None
    leg: str | None = None


@dataclass(frozen=True)
class VideoJob:
    """What a worker needs to turn one video into `out_dir / name`."""

    video: Path
    label: str
    name: str
    key: str
    out_dir: Path
    settings: Settings
    outputs: OutputOptions


@dataclass(frozen=True)
class VideoRecord:
    """What a worker returns (and writes as batch.json in the result folder): small, no frames."""

    name: str
    key: str
    video: str
    status: Status
    error: str = ""
    seconds: float = 0.0
    frames: int = 0
    peak_rss_mb: float = 0.0
    worker_pid: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoRecord:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in names})


#: What a backend calls in the batch's process with each record, as its video finishes.
OnRecord = Callable[[VideoRecord], None]
