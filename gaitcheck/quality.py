"""Quality control: what about the recording limits what the numbers mean.

`quality_warnings` gives the plain-language lines for summary.json, the log and the report;
`leg_caveats` gives the reasons that lower one leg's verdict confidence. Each check is small and
separate so a new one is easy to add.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gaitcheck.assess import MIN_REPS, MIN_STEPS, Caveat
from gaitcheck.landmarks import PoseSeries

if TYPE_CHECKING:
    from gaitcheck.analysis import Analysis, Segment
    from gaitcheck.settings import Settings
    from gaitcheck.video import VideoInfo

LOW_DETECTION_RATE = 0.9
LOW_VISIBILITY = 0.6
OFF_SQUARE_SEVERE_DEG = 35.0  # beyond this, apparent varus and valgus can swap (Englander 2019)
CAMERA_ROLL_DEG = 3.0  # a few degrees of roll is as large as the pelvic drop being measured
RUN_MIN_FPS = 60.0  # below: contacts are poorly timed (stance is ~7 frames at 30 fps)
RUN_GOOD_FPS = 100.0  # Souza 2016 recommends 120-240 fps
MISSING_SHARE = 0.1


def _event_rows(segments: list[Segment], primary: list[int], side: str) -> np.ndarray:
    """Rows inside this leg's repetitions or stance phases in the primary segments (every decoded
    frame is a row, so a frame index is a row index)."""
    rows: list[np.ndarray] = []
    for s in segments:
        if s.index not in primary:
            continue
        rows += [np.arange(r.start_frame, r.end_frame + 1) for r in s.reps if r.stance_leg in (side, "both")]
        rows += [np.arange(p.contact_frame, p.toe_off_frame + 1) for p in s.steps if p.leg == side]
    return np.concatenate(rows) if rows else np.zeros(0, dtype=int)


def missing_share(clean: PoseSeries, rows: np.ndarray, side: str) -> float:
    """Share of the given frames where this leg's knee or ankle is missing (hidden, off the picture)."""
    if rows.size == 0:
        return 0.0
    knee, ankle = clean.px(f"{side}_knee")[rows, 0], clean.px(f"{side}_ankle")[rows, 0]
    return float(np.mean(~np.isfinite(knee) | ~np.isfinite(ankle)))


def leg_visibility(clean: PoseSeries, rows: np.ndarray, side: str) -> float:
    """Mean MediaPipe visibility of this leg's knee and ankle over the given frames."""
    from gaitcheck.landmarks import INDEX

    if rows.size == 0:
        return float("nan")
    idx = [INDEX[f"{side}_knee"], INDEX[f"{side}_ankle"]]
    return float(np.mean(clean.visibility[np.ix_(rows, idx)]))


def camera_roll_deg(clean: PoseSeries, segments: list[Segment]) -> float | None:
    """Tilt of the line through both ankles while both feet are on the floor (bilateral tasks in a
    frontal view); a level phone and floor give ~0. None when it cannot be measured."""
    angles = []
    for s in segments:
        if not s.frontal or s.movement.value not in ("squat",):
            continue
        rows = slice(s.start_row, s.stop_row)
        left, right = clean.px("left_ankle")[rows], clean.px("right_ankle")[rows]
        d = left - right
        with np.errstate(invalid="ignore"):
            tilt = np.degrees(np.arctan2(d[:, 1], np.abs(d[:, 0]))) * np.sign(d[:, 0])
        angles.append(tilt[np.isfinite(tilt)])
    values = np.concatenate(angles) if angles else np.zeros(0)
    return float(np.median(values)) if values.size > 10 else None


def leg_caveats(
    side: str,
    segments: list[Segment],
    primary: list[int],
    clean: PoseSeries,
    info: VideoInfo,
    settings: Settings,
) -> list[Caveat]:
    """Why this leg's verdict may be less certain."""
    main = segments[primary[0]]
    caveats: list[Caveat] = []
    if main.view.value == "oblique":
        yaw = abs(main.view.details.get("yaw_deg", 45.0))
        caveats.append(Caveat(f"camera about {yaw:.0f} deg off square to the person", yaw > OFF_SQUARE_SEVERE_DEG))
    if main.view.source == "detected" and main.view.confidence < 0.6:
        caveats.append(Caveat("the camera view was uncertain"))
    if main.movement.source == "detected" and main.movement.confidence < 0.5:
        caveats.append(Caveat("the movement was uncertain (set it with --movement)"))
    if main.movement.value == "run":
        if info.fps < RUN_MIN_FPS:
            caveats.append(Caveat(f"{info.fps:.0f} fps is low for running", True))
        elif info.fps < RUN_GOOD_FPS:
            caveats.append(Caveat(f"{info.fps:.0f} fps (120-240 recommended for running)"))
    rows = _event_rows(segments, primary, side)
    missing = missing_share(clean, rows, side)
    if missing > MISSING_SHARE:
        caveats.append(
            Caveat(f"the {side} knee or ankle was hidden or out of frame in {missing:.0%} of the frames", missing > 0.3)
        )
    visibility = leg_visibility(clean, rows, side)
    if np.isfinite(visibility) and visibility < LOW_VISIBILITY:
        caveats.append(Caveat(f"low landmark visibility on the {side} leg ({visibility:.2f})", visibility < 0.4))
    people = clean.notes.get("people", {})
    if people.get("max", 1) > 1:
        caveats.append(Caveat("more than one person in the picture"))
    return caveats


def quality_warnings(analysis: Analysis) -> list[str]:
    """Plain-language problems with the recording, most important first."""
    warnings: list[str] = []
    raw, clean, info = analysis.landmarks.raw, analysis.landmarks.clean, analysis.video
    segments, primary = analysis.segments, analysis.primary
    main = segments[primary[0]]
    view, movement = main.view.value, main.movement.value
    if view == "side":
        warnings.append(
            "side view: frontal-plane measures (FPPA, hip adduction, pelvic drop) need a camera in front "
            "(squats, step-downs) or behind (running)"
        )
    elif view == "oblique":
        yaw = main.view.details.get("yaw_deg")
        warnings.append(
            f"the camera is about {abs(yaw):.0f} deg off square to the person: frontal-plane angles are distorted "
            "(turn the camera or the person to face each other)"
        )
    if movement == "run" and view == "front":
        warnings.append("for running, film from behind for pelvic drop and hip adduction (Souza 2016)")
    rate = raw.detection_rate
    if rate < LOW_DETECTION_RATE:
        warnings.append(f"the person was found in only {rate:.0%} of frames")
    people = clean.notes.get("people", {})
    if people.get("max", 1) > 1:
        warnings.append(
            f"up to {people['max']} people are in the picture: gaitcheck follows the most prominent one; "
            "film one person at a time"
        )
    if len(segments) > 1:
        parts = ", ".join(f"{s.start_s:.1f}-{s.end_s:.1f} s {s.view.value} {s.movement.value}" for s in segments)
        warnings.append(f"the clip has {len(segments)} parts (cuts or a change of view), analysed separately: {parts}")
    roll = camera_roll_deg(clean, segments)
    if roll is not None and abs(roll) > CAMERA_ROLL_DEG:
        warnings.append(
            f"the camera may be tilted about {roll:+.0f} deg (feet line): pelvic drop and trunk lean are affected"
        )
    event = "step" if movement == "run" else "rep"
    minimum = MIN_STEPS if event == "step" else MIN_REPS
    for side, leg in analysis.legs.items():
        n = leg.n_events
        if 0 < n < minimum:
            warnings.append(f"only {n} {event}{'s' if n != 1 else ''} on the {side} leg (at least {minimum} advised)")
        if view == "side":
            continue  # the far leg is always partly hidden side-on; no frontal verdicts anyway
        rows = _event_rows(segments, primary, side)
        missing = missing_share(clean, rows, side)
        if missing > MISSING_SHARE:
            warnings.append(
                f"the {side} knee or ankle is hidden or out of frame in {missing:.0%} of its {event} frames"
            )
        visibility = leg_visibility(clean, rows, side)
        if np.isfinite(visibility) and visibility < LOW_VISIBILITY:
            warnings.append(
                f"low visibility of the {side} knee and ankle ({visibility:.2f}): tight clothing and light help"
            )
    if movement == "run":
        if info.fps < RUN_MIN_FPS:
            warnings.append(
                f"{info.fps:.0f} fps is low for running: foot contacts are timed to +- one frame; use 120-240 fps"
            )
        stride_hz = main.movement.details.get("stride_hz") or 0
        if 0 < stride_hz < 1.0 and info.slow_motion_factor == 1.0:
            warnings.append(
                f"the running cadence looks like {stride_hz * 120:.0f} steps/min: if the clip is slowed down, "
                "pass --capture-fps with the recording's real frame rate"
            )
    for label, detected in (("view", main.view), ("movement", main.movement)):
        if detected.source == "detected" and detected.confidence < 0.5:
            warnings.append(f"the {label} is uncertain; set it with --{label}")
    return warnings
