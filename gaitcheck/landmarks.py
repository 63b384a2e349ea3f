"""PoseSeries: the typed landmark time series that passes between pipeline stages.

Arrays are indexed (frame, landmark, coordinate) with MediaPipe's 33-landmark order. Image
landmarks are in pixels of the upright picture (x right, y down); world landmarks in metres
(MediaPipe's hip-centred frame: x right, y down, z away from the camera). A missing value is NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
    "left_wrist", "right_wrist", "left_pinky", "right_pinky",
    "left_index", "right_index", "left_thumb", "right_thumb",
    "left_hip", "right_hip", "left_knee", "right_knee",
    "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip
N_LANDMARKS = len(LANDMARK_NAMES)
INDEX: dict[str, int] = {name: i for i, name in enumerate(LANDMARK_NAMES)}


def _mirror_name(name: str) -> str:
    for a, b in (("left", "right"), ("right", "left")):
        if a in name:
            return name.replace(a, b)
    return name


#: MIRROR[i] is the landmark that plays landmark i's role on the other side of the body.
MIRROR = np.array([INDEX[_mirror_name(n)] for n in LANDMARK_NAMES])
#: (left, right) index pairs, from head to toe.
PAIRS: tuple[tuple[int, int], ...] = tuple(
    (INDEX[n], INDEX[_mirror_name(n)]) for n in LANDMARK_NAMES if n.startswith("left") or "_left" in n
)
LEG_NAMES = ("knee", "ankle", "heel", "foot_index")
#: Leg landmarks below the hips, which MediaPipe may swap on their own (near and far leg).
LEG_PAIRS: tuple[tuple[int, int], ...] = tuple((INDEX[f"left_{n}"], INDEX[f"right_{n}"]) for n in LEG_NAMES)
#: Everything else: these reveal a whole-body flip (which way the model thinks the person faces).
UPPER_PAIRS: tuple[tuple[int, int], ...] = tuple(p for p in PAIRS if p not in LEG_PAIRS)


def swap_labels(values: np.ndarray, pairs: tuple[tuple[int, int], ...], axis: int = -2) -> np.ndarray:
    """Exchange the left and right landmarks of `pairs` along the landmark axis (a copy)."""
    out = np.array(values, copy=True)
    moved = np.moveaxis(out, axis, 0)
    source = np.moveaxis(np.asarray(values), axis, 0)
    for left, right in pairs:
        moved[left], moved[right] = source[right], source[left]
    return out


def side_index(side: str, joint: str) -> int:
    """Index of e.g. ('left', 'knee')."""
    return INDEX[f"{side}_{joint}"]


#: Frames written to a landmarks CSV at a time: bounds the memory a long clip's table takes.
CSV_BLOCK_ROWS = 2000


def _nan(shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, np.nan)


@dataclass(frozen=True)
class PoseSeries:
    """Landmarks of one person over a clip. All arrays share the first axis (frames)."""

    time_s: np.ndarray  # (T,) seconds from the first frame
    frame: np.ndarray  # (T,) index of the frame in the video
    image_px: np.ndarray  # (T, 33, 2) x, y in upright pixels
    image_z_px: np.ndarray  # (T, 33) MediaPipe's relative depth, on the x pixel scale
    world_m: np.ndarray  # (T, 33, 3) metres, hip-centred
    visibility: np.ndarray  # (T, 33) 0..1
    presence: np.ndarray  # (T, 33) 0..1
    detected: np.ndarray  # (T,) bool: the model found a person in this frame
    picture_change: np.ndarray  # (T,) mean abs. grey-level change from the previous frame (cuts)
    width_px: int
    height_px: int
    notes: dict = field(default_factory=dict, compare=False)  # what each cleaning step did

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def empty(cls, time_s: np.ndarray, width_px: int, height_px: int) -> PoseSeries:
        """A series with the given timestamps and no landmarks yet (all NaN)."""
        t = len(time_s)
        return cls(
            time_s=np.asarray(time_s, dtype=float),
            frame=np.arange(t),
            image_px=_nan((t, N_LANDMARKS, 2)),
            image_z_px=_nan((t, N_LANDMARKS)),
            world_m=_nan((t, N_LANDMARKS, 3)),
            visibility=np.zeros((t, N_LANDMARKS)),
            presence=np.zeros((t, N_LANDMARKS)),
            detected=np.zeros(t, dtype=bool),
            picture_change=np.zeros(t),
            width_px=width_px,
            height_px=height_px,
        )

    def replace(self, **changes) -> PoseSeries:
        return replace(self, **changes)

    # --- access ------------------------------------------------------------------------------
    @property
    def n_frames(self) -> int:
        return len(self.time_s)

    @property
    def frame_step_s(self) -> float:
        """The typical time between frames (median, s); 0 with fewer than two frames."""
        return float(np.median(np.diff(self.time_s))) if self.n_frames > 1 else 0.0

    @property
    def detection_rate(self) -> float:
        return float(self.detected.mean()) if self.n_frames else 0.0

    def px(self, name: str) -> np.ndarray:
        """(T, 2) pixel positions of one landmark, e.g. px('left_knee')."""
        return self.image_px[:, INDEX[name]]

    def world(self, name: str) -> np.ndarray:
        """(T, 3) world positions (m) of one landmark."""
        return self.world_m[:, INDEX[name]]

    def body_scale_px(self) -> float:
        """Median hip-to-shoulder length in pixels: a size that does not depend on the pose."""
        mid_hip = (self.px("left_hip") + self.px("right_hip")) / 2
        mid_shoulder = (self.px("left_shoulder") + self.px("right_shoulder")) / 2
        lengths = np.linalg.norm(mid_shoulder - mid_hip, axis=1)
        lengths = lengths[np.isfinite(lengths)]
        return float(np.median(lengths)) if lengths.size else float("nan")

    # --- transforms --------------------------------------------------------------------------
    def mirrored(self) -> PoseSeries:
        """What a horizontally flipped video would give: x reflected and left/right labels exchanged."""
        image = self.image_px[:, MIRROR].copy()
        image[..., 0] = self.width_px - image[..., 0]  # continuous coordinates: 0 is the left edge
        world = self.world_m[:, MIRROR].copy()
        world[..., 0] = -world[..., 0]
        return self.replace(
            image_px=image,
            image_z_px=self.image_z_px[:, MIRROR].copy(),
            world_m=world,
            visibility=self.visibility[:, MIRROR].copy(),
            presence=self.presence[:, MIRROR].copy(),
        )

    def select(self, rows: np.ndarray | slice) -> PoseSeries:
        """A subset of frames (for segments of a clip)."""
        arrays = {
            f.name: getattr(self, f.name)[rows] for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray)
        }
        return self.replace(**arrays)

    # --- files -------------------------------------------------------------------------------
    def to_dataframe(self) -> pd.DataFrame:
        """Wide table: one row per frame, columns like `left_knee_x_px`, `left_knee_visibility`."""
        columns: dict[str, np.ndarray] = {
            "frame": self.frame,
            "time_s": self.time_s,
            "detected": self.detected.astype(int),
            "picture_change": self.picture_change,
        }
        for i, name in enumerate(LANDMARK_NAMES):
            columns[f"{name}_x_px"] = self.image_px[:, i, 0]
            columns[f"{name}_y_px"] = self.image_px[:, i, 1]
            columns[f"{name}_z_px"] = self.image_z_px[:, i]
            for k, axis in enumerate("xyz"):
                columns[f"{name}_{axis}_m"] = self.world_m[:, i, k]
            columns[f"{name}_visibility"] = self.visibility[:, i]
            columns[f"{name}_presence"] = self.presence[:, i]
        return pd.DataFrame(columns)

    @classmethod
    def from_dataframe(cls, table: pd.DataFrame, width_px: int, height_px: int) -> PoseSeries:
        missing = [c for c in ("frame", "time_s", "detected", "nose_x_px") if c not in table.columns]
        if missing:
            raise ValueError(f"not a gaitcheck landmarks table (missing {', '.join(missing)})")

        def stack(suffixes: tuple[str, ...]) -> np.ndarray:
            return np.stack(
                [np.stack([table[f"{n}_{s}"].to_numpy(float) for s in suffixes], axis=-1) for n in LANDMARK_NAMES],
                axis=1,
            )

        return cls(
            time_s=table["time_s"].to_numpy(float),
            frame=table["frame"].to_numpy(int),
            image_px=stack(("x_px", "y_px")),
            image_z_px=stack(("z_px",))[..., 0],
            world_m=stack(("x_m", "y_m", "z_m")),
            visibility=stack(("visibility",))[..., 0],
            presence=stack(("presence",))[..., 0],
            detected=table["detected"].to_numpy().astype(bool),
            picture_change=table["picture_change"].to_numpy(float)
            if "picture_change" in table
            else np.zeros(len(table)),
            width_px=int(width_px),
            height_px=int(height_px),
        )

    def save_csv(self, path: str | Path) -> None:
        """Write the wide table a block of CSV_BLOCK_ROWS frames at a time (the whole table at once
        would hold several kB a frame in memory while it is formatted)."""
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for start in range(0, max(self.n_frames, 1), CSV_BLOCK_ROWS):
                block = self.select(slice(start, start + CSV_BLOCK_ROWS)).to_dataframe()
                block.to_csv(handle, index=False, header=start == 0, float_format="%.6g")

    @classmethod
    def load_csv(cls, path: str | Path, width_px: int, height_px: int) -> PoseSeries:
        return cls.from_dataframe(pd.read_csv(path), width_px, height_px)


@dataclass(frozen=True)
class Landmarks:
    """The raw landmarks as the model gave them and the cleaned ones the angles come from."""

    raw: PoseSeries
    clean: PoseSeries
