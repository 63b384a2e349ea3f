"""gaitcheck's data model: one vocabulary and the typed results that every layer speaks.

The lowest layer: it imports no stage, flow or presentation code. The pipeline fills these
types, `gaitcheck.store` writes and reads them, the report and every front-end only read them.

Sign convention (one, for both legs and every view; ../shared/clinical.md section 1): knee
valgus, hip adduction and contralateral pelvic drop are positive on the leg they belong to;
angles are in degrees (`_deg`), times in seconds (`_s`), image positions in pixels (`_px`).
"""

from __future__ import annotations

import typing
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from gaitcheck.landmarks import Landmarks, PoseSeries
from gaitcheck.settings import Settings
from gaitcheck.vocabulary import (
    MOVEMENTS,
    SIDES,
    VERDICTS,
    VIEWS,
    Confidence,
    Movement,
    Severity,
    Side,
    StanceLeg,
    Verdict,
    View,
    event_word,
    other_side,
)


def _rounded(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (round(v, 3) if isinstance(v, float) else v) for k, v in values.items()}


# ------------------------------------------------------------------------------------------------
# the recording
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoInfo:
    """What we know about a clip. Sizes are of the upright (displayed) picture."""

    path: str
    container: str
    codec: str
    width_px: int
    height_px: int
    rotation_deg: int  # display rotation tag, counter-clockwise as FFmpeg reports it
    fps: float  # frames per second of real time (after any slow-motion correction)
    n_frames: int  # from the header until decoded; then the number actually decoded
    duration_s: float
    header_frames: int = 0  # frame count the container's index promises (0: not stated)
    slow_motion_factor: float = 1.0  # capture fps / stored fps for slowed-down files
    variable_frame_rate: bool = False
    decoded: bool = False  # True once n_frames, fps and duration come from decoded timestamps
    #: What was wrong with the file but worked around (truncated, frames lost, timestamps re-spaced),
    #: one sentence each for the user; the quality check turns them into warnings.
    damage: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoInfo:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if "damage" in fields:
            fields["damage"] = tuple(fields["damage"])
        return cls(**fields)

    def with_timestamps(self, time_s: np.ndarray) -> VideoInfo:
        """The same clip described by what decoding actually produced."""
        n = len(time_s)
        if n >= 2:
            steps = np.diff(time_s)
            median_step = float(np.median(steps))
            fps = 1.0 / median_step if median_step > 0 else self.fps
            vfr = bool(np.any(np.abs(steps - median_step) > 0.25 * median_step))
            duration = float(time_s[-1] - time_s[0] + median_step)
        else:
            fps, vfr, duration = self.fps, False, (1.0 / self.fps if self.fps else 0.0)
        return replace(self, n_frames=n, fps=fps, duration_s=duration, variable_frame_rate=vfr, decoded=True)


@dataclass
class Detected:
    """A label with how sure we are and where it came from ('given' by the user or 'detected')."""

    value: str
    confidence: float
    source: str = "detected"
    details: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "confidence": round(self.confidence, 2), "source": self.source, **self.details}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Detected:
        details = {k: v for k, v in data.items() if k not in ("value", "confidence", "source")}
        return cls(data["value"], float(data["confidence"]), data.get("source", "detected"), details)

    @property
    def guessed(self) -> bool:
        """Detection's fallback: nothing to read it from (gaitcheck.detect then gives its reason)."""
        return "reason" in self.details

    @property
    def yaw_deg(self) -> float:
        """The body's yaw to the camera a view was detected with (0 facing it, 180 facing away;
        0 when not measured)."""
        return float(self.details.get("yaw_deg", 0.0) or 0.0)

    @property
    def turned_away_deg(self) -> float:
        """The body's yaw folded to 0-180: 0 facing the camera, 180 its back to it (0 when not measured)."""
        yaw = abs(self.yaw_deg) % 360.0
        return min(yaw, 360.0 - yaw)

    @property
    def facing_camera(self) -> bool:
        """Whether the person faces the camera rather than turning their back to it (yaw within 90 deg
        of facing it; true when not measured)."""
        return self.turned_away_deg <= 90.0

    @property
    def turn_deg(self) -> float:
        """The camera's signed angle off square (detect.turn_deg; 0 when not measured)."""
        return float(self.details.get("turn_deg", 0.0) or 0.0)

    @property
    def off_square_deg(self) -> float:
        """How far the camera is from square to the person, from the front or from behind (0-90)."""
        return min(self.turned_away_deg, 180.0 - self.turned_away_deg)


def given(value: str) -> Detected:
    return Detected(value=value, confidence=1.0, source="given")


# ------------------------------------------------------------------------------------------------
# events: repetitions and steps
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rep:
    """One repetition of a squat-like task."""

    index: int
    start_frame: int
    bottom_frame: int
    end_frame: int
    start_s: float
    bottom_s: float
    end_s: float
    stance_leg: StanceLeg
    depth_torso: float  # how far the pelvis went down, in torso lengths
    segment: int = 0

    @property
    def legs(self) -> tuple[Side, ...]:
        return SIDES if self.stance_leg == "both" else (self.stance_leg,)

    def to_json(self) -> dict[str, Any]:
        return _rounded(asdict(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Rep:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Step:
    """One stance phase of one foot while running."""

    leg: Side
    contact_frame: int
    midstance_frame: int
    toe_off_frame: int
    contact_s: float
    midstance_s: float
    toe_off_s: float
    segment: int = 0

    @property
    def stance_s(self) -> float:
        return self.toe_off_s - self.contact_s

    def to_json(self) -> dict[str, Any]:
        # from the written (rounded) times, so a result folder loaded back writes the same stance
        return {**_rounded(asdict(self)), "stance_s": round(round(self.toe_off_s, 3) - round(self.contact_s, 3), 3)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Step:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class Graded:
    """One leg's measures in one repetition or step, and that event's own grade."""

    measures: dict[str, float]
    graded_measure: str  # the measure the grade rests on (e.g. fppa_deg)
    verdict: Verdict
    frontal_event: str | None = None  # reps: where frontal angles were read (bottom, descent, ...)

    @property
    def graded_value(self) -> float | None:
        value = self.measures.get(self.graded_measure)
        return None if value is None or not np.isfinite(value) else float(value)

    def to_json(self) -> dict[str, Any]:
        where = {} if self.frontal_event is None else {"frontal_event": self.frontal_event}
        return {**self.measures, **where, "graded_measure": self.graded_measure, "verdict": self.verdict}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Graded:
        measures = {
            k: (float("nan") if v is None else float(v))
            for k, v in data.items()
            if k not in ("frontal_event", "graded_measure", "verdict")
        }
        return cls(measures, data["graded_measure"], data["verdict"], data.get("frontal_event"))


@dataclass(frozen=True)
class RepResult:
    """A repetition with, per stance leg, its measures and grade (no legs outside frontal views)."""

    rep: Rep
    legs: dict[Side, Graded]

    def to_json(self) -> dict[str, Any]:
        return {**self.rep.to_json(), "legs": {side: g.to_json() for side, g in self.legs.items()}}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepResult:
        legs = {typing.cast(Side, side): Graded.from_json(g) for side, g in (data.get("legs") or {}).items()}
        return cls(Rep.from_json(data), legs)


@dataclass(frozen=True)
class StepResult:
    """A stance phase with its measures (frontal views only) and its grade."""

    step: Step
    graded: Graded

    def to_json(self) -> dict[str, Any]:
        g = self.graded
        return {**self.step.to_json(), "measures": g.measures, "graded_measure": g.graded_measure, "verdict": g.verdict}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StepResult:
        graded = Graded.from_json(
            {**(data.get("measures") or {}), "graded_measure": data["graded_measure"], "verdict": data["verdict"]}
        )
        return cls(Step.from_json(data), graded)


# ------------------------------------------------------------------------------------------------
# segments, verdicts, quality
# ------------------------------------------------------------------------------------------------
@dataclass
class Segment:
    """A stretch of the clip with one shot, one view and one movement, analysed on its own."""

    index: int
    start_row: int
    stop_row: int  # exclusive
    start_s: float
    end_s: float
    view: Detected
    movement: Detected
    reps: list[Rep] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def frontal(self) -> bool:
        return self.view.value != "side"

    @property
    def n_events(self) -> int:
        return len(self.steps) if self.movement.value == "run" else len(self.reps)


@dataclass(frozen=True)
class Threshold:
    """Where 'aligned' ends and 'valgus' begins for one measure in one task, and why."""

    measure: str
    tasks: tuple[str, ...]
    borderline_from: float
    valgus_from: float
    unit: str
    source: str
    population: str
    note: str = ""
    #: The graded value's measurement error (same unit): a value closer than this to a band edge
    #: cannot be placed on either side of it, so it grades 'borderline' (assess.grade).
    margin: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"tasks": list(self.tasks)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Threshold:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data} | {"tasks": tuple(data["tasks"])})


@dataclass(frozen=True)
class Caveat:
    """Something that limits how far a verdict can be trusted; severe ones make it 'low'."""

    text: str
    severe: bool = False


@dataclass
class LegAssessment:
    """The answer for one leg, with the measures it rests on."""

    verdict: Verdict
    hip_contributes: bool | None
    reasons: list[str]
    confidence: Confidence
    confidence_reasons: list[str]
    measures: dict[str, dict[str, float]] = field(default_factory=dict)
    n_events: int = 0
    event: Literal["rep", "step"] = "rep"

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "hip_contributes": self.hip_contributes,
            "reasons": self.reasons,
            "confidence": self.confidence,
            "confidence_reasons": self.confidence_reasons,
            f"n_{self.event}s": self.n_events,
            "measures": self.measures,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LegAssessment:
        event: Literal["rep", "step"] = "step" if "n_steps" in data else "rep"
        return cls(
            data["verdict"],
            data.get("hip_contributes"),
            list(data.get("reasons") or []),
            data["confidence"],
            list(data.get("confidence_reasons") or []),
            dict(data.get("measures") or {}),
            int(data.get(f"n_{event}s") or 0),
            event,
        )


@dataclass(frozen=True)
class Issue:
    """One problem with the recording. `code` is stable (wording and tips are keyed by it);
    `text` says what is wrong in plain words; `tip` says how to film better, front-end neutral."""

    code: str
    severity: Severity
    text: str
    tip: str = ""
    leg: Side | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "leg": self.leg, "text": self.text, "tip": self.tip}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Issue:
        return cls(data["code"], data["severity"], data["text"], data.get("tip", ""), data.get("leg"))


@dataclass(frozen=True)
class SlowMotion:
    """A running clip whose motion is far slower than anyone runs, with no real frame rate known:
    the clip looks slowed down, so its real-time figures (cadence, stance time) are withheld."""

    factor: float  # the likely slow-motion factor (2, 4, 8 or 16)
    apparent_cadence_spm: float  # steps per minute of the file's own time

    def to_json(self) -> dict[str, Any]:
        return {"factor": self.factor, "apparent_cadence_spm": round(self.apparent_cadence_spm, 1)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SlowMotion:
        return cls(float(data["factor"]), float(data["apparent_cadence_spm"]))


# ------------------------------------------------------------------------------------------------
# one analysis
# ------------------------------------------------------------------------------------------------
@dataclass
class Analysis:
    """Everything one run produced. `angles` has one row per frame (the columns of angles.csv)."""

    video: VideoInfo
    settings: Settings
    landmarks: Landmarks
    angles: pd.DataFrame
    segments: list[Segment]
    primary: list[int]  # segments the leg verdicts come from (same movement, frontal view)
    legs: dict[Side, LegAssessment]
    rep_results: list[RepResult] = field(default_factory=list)
    step_results: list[StepResult] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    threshold: Threshold | None = None  # what the primary movement's verdicts were graded against
    #: set when the clip looks slowed down and no real frame rate is known: time figures are withheld
    slow_motion_suspected: SlowMotion | None = None
    #: side-view running measures (gaitcheck.sagittal); None unless a segment is running seen side-on
    sagittal: SagittalRunning | None = None
    #: distribution of every angle column over the frames, computed once from full-precision angles
    frame_stats: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_sha256: str | None = None
    created: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)
    log_lines: list[str] = field(default_factory=list)

    @property
    def main(self) -> Segment:
        return self.segments[self.primary[0]]

    @property
    def view(self) -> Detected:
        return self.main.view

    @property
    def movement(self) -> Detected:
        return self.main.movement

    @property
    def reps(self) -> list[Rep]:
        return [r for s in self.segments for r in s.reps]

    @property
    def steps(self) -> list[Step]:
        return [p for s in self.segments for p in s.steps]

    @property
    def warnings(self) -> list[str]:
        """The quality issues' texts, most important first."""
        return [issue.text for issue in self.issues]


__all__ = [
    "MOVEMENTS",
    "SIDES",
    "VERDICTS",
    "VIEWS",
    "Analysis",
    "Caveat",
    "Confidence",
    "Detected",
    "Graded",
    "Issue",
    "LegAssessment",
    "Movement",
    "PoseSeries",
    "Rep",
    "RepResult",
    "Segment",
    "Severity",
    "Side",
    "SlowMotion",
    "StanceLeg",
    "Step",
    "StepResult",
    "Threshold",
    "Verdict",
    "VideoInfo",
    "View",
    "event_word",
    "given",
    "other_side",
]


# ------------------------------------------------------------------------------------------------
# side-view running (gaitcheck.sagittal): what a clinician reads from beside the runner
# ------------------------------------------------------------------------------------------------
FootStrike = Literal["rearfoot", "midfoot", "forefoot"]
FOOT_STRIKES: tuple[FootStrike, ...] = typing.get_args(FootStrike)


def _nan_measures(data: dict[str, Any] | None) -> dict[str, float]:
    return {k: (float("nan") if v is None else float(v)) for k, v in (data or {}).items()}


@dataclass(frozen=True)
class SagittalStep:
    """One stance phase seen from the side: its sagittal measures (NaN where not measurable), its
    foot strike, and the measures that were outside their plausible range (`dropped`): those are
    NaN; when one of them defines the step (its leg or timing, gaitcheck.sagittal.WHOLE_STEP_MEASURES)
    every measure is, and the step is left out of every mean)."""

    step: Step
    measures: dict[str, float]
    foot_strike: FootStrike | None = None
    dropped: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            **self.step.to_json(),
            "measures": _rounded(self.measures),
            "foot_strike": self.foot_strike,
            "dropped": list(self.dropped),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SagittalStep:
        return cls(
            Step.from_json(data),
            _nan_measures(data.get("measures")),
            data.get("foot_strike"),
            tuple(data.get("dropped") or ()),
        )


@dataclass(frozen=True)
class SagittalLeg:
    """One leg's side-view measures over its plausible steps: `measures[name]` = mean, sd, n;
    `foot_strikes` counts each pattern; `dropped` counts the steps left out per implausible measure
    (a step can count under several)."""

    measures: dict[str, dict[str, float]]
    foot_strikes: dict[str, int]
    n_steps: int  # stance phases found on this leg
    n_dropped: int  # of them, left out of the means
    dropped: dict[str, int] = field(default_factory=dict)

    @property
    def foot_strike(self) -> str | None:
        """The most common pattern ('mixed' on a tie), None without any."""
        if not any(self.foot_strikes.values()):
            return None
        top = max(self.foot_strikes.values())
        leaders = [k for k, v in self.foot_strikes.items() if v == top]
        return leaders[0] if len(leaders) == 1 else "mixed"

    def to_json(self) -> dict[str, Any]:
        return {
            "n_steps": self.n_steps,
            "n_dropped": self.n_dropped,
            "dropped": dict(self.dropped),
            "measures": {k: dict(v) for k, v in self.measures.items()},
            "foot_strike": self.foot_strike,
            "foot_strikes": dict(self.foot_strikes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SagittalLeg:
        return cls(
            {k: dict(v) for k, v in (data.get("measures") or {}).items()},
            {k: int(v) for k, v in (data.get("foot_strikes") or {}).items()},
            int(data.get("n_steps") or 0),
            int(data.get("n_dropped") or 0),
            {k: int(v) for k, v in (data.get("dropped") or {}).items()},
        )


@dataclass
class SagittalRunning:
    """Side-view running measures of the side-view running segments: per step, per leg (mean, SD,
    n), left minus right, cadence. Times are the file's own (like `Step`): a consumer withholds
    cadence and stance time when `Analysis.slow_motion_suspected` is set (summary.json does)."""

    segments: list[int]
    direction: str  # which way the runner faces in the picture: 'right', 'left' or 'unknown'
    steps: list[SagittalStep]
    legs: dict[Side, SagittalLeg]
    left_minus_right: dict[str, dict[str, Any]] = field(default_factory=dict)
    cadence_spm: float | None = None
    near_leg: Side | None = None  # the leg nearer the camera (the other is partly hidden behind it)

    def to_json(self) -> dict[str, Any]:
        return {
            "segments": list(self.segments),
            "direction": self.direction,
            "near_leg": self.near_leg,
            "cadence_spm": None if self.cadence_spm is None else round(self.cadence_spm, 1),
            "legs": {side: leg.to_json() for side, leg in self.legs.items()},
            "left_minus_right": {k: dict(v) for k, v in self.left_minus_right.items()},
            "steps": [s.to_json() for s in self.steps],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SagittalRunning:
        cadence = data.get("cadence_spm")
        return cls(
            segments=[int(i) for i in data.get("segments") or []],
            direction=str(data.get("direction") or "unknown"),
            steps=[SagittalStep.from_json(s) for s in data.get("steps") or []],
            legs={
                typing.cast(Side, side): SagittalLeg.from_json(leg) for side, leg in (data.get("legs") or {}).items()
            },
            left_minus_right={k: dict(v) for k, v in (data.get("left_minus_right") or {}).items()},
            cadence_spm=None if cadence is None else float(cadence),
            near_leg=data.get("near_leg"),
        )


__all__ += ["FOOT_STRIKES", "FootStrike", "SagittalLeg", "SagittalRunning", "SagittalStep"]
