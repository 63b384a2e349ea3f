"""The one flow every front-end calls:
video -> pose -> clean -> segments (view, movement) -> angles -> events -> assessment.

`analyze()` chains the public stage functions below and returns an `Analysis` (gaitcheck.model);
it writes nothing. A front-end re-enters where it needs to: `analyze_landmarks` after pose (saved
landmarks, other cleaning settings), `assess` to re-grade (other thresholds), `edit_reps` after a
user moved a repetition boundary. Writing is `gaitcheck.store.save` and `gaitcheck.report.write`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gaitcheck.assess import (
    THRESHOLDS,
    assess_events,
    assess_legs,
    foreshortening_off_square_deg,
    frame_stats,
    unprojection_off_square_deg,
)
from gaitcheck.calibration import default_calibration
from gaitcheck.cleaning import clean_before_filter, cutoff_for, lowpass
from gaitcheck.context import RunContext
from gaitcheck.detect import detect_movement, detect_view, hidden_moments, seen_clearly, split_segments
from gaitcheck.errors import InputError, NoPersonError
from gaitcheck.events import apparent_cadence_spm, find_reps, find_steps, slow_motion_estimate
from gaitcheck.kinematics import angle_columns, compute_angles, measure_columns
from gaitcheck.landmarks import Landmarks, PoseSeries
from gaitcheck.model import Analysis, Detected, Rep, Segment, SlowMotion, Threshold, VideoInfo, given
from gaitcheck.plausibility import (
    gate_covered,
    gate_far_knee,
    gate_foreshortened_thigh,
    gate_knee_flexion,
    gate_unclear,
    plausible_steps,
)
from gaitcheck.pose import Sightings, look, pose_series
from gaitcheck.quality import leg_caveats, quality_issues
from gaitcheck.sagittal import sagittal_running
from gaitcheck.settings import Settings
from gaitcheck.summary import primary_cadence_spm
from gaitcheck.version import __version__
from gaitcheck.video import iter_frames, prefetch, probe_video
from gaitcheck.vocabulary import SIDES, other_side

log = logging.getLogger(__name__)

MIN_FRAMES_WITH_PERSON = 10


def settings_with(settings: Settings | None, overrides: dict[str, Any]) -> Settings:
    """`settings` (or the defaults) with keyword overrides applied and checked."""
    base = settings if settings is not None else Settings()
    return base.replace(**overrides) if overrides else base


# ------------------------------------------------------------------------------------------------
# the whole flow
# ------------------------------------------------------------------------------------------------
def analyze(
    video: str | Path,
    settings: Settings | None = None,
    *,
    context: RunContext | None = None,
    **overrides: Any,
) -> Analysis:
    """Analyse one clip. Keyword overrides are Settings fields, e.g. analyze(p, movement="squat")."""
    settings = settings_with(settings, overrides)
    context = context if context is not None else RunContext()
    context.start_clock(settings.timeout_s)
    with context.active():
        log.info("gaitcheck %s analysing %s", __version__, video)
        started = time.perf_counter()
        raw, info = estimate(video, settings, context)
        pose_s = time.perf_counter() - started
        log.info("pose: person found in %d of %d frames (%.1f s)", raw.detected.sum(), raw.n_frames, pose_s)
        analysis = analyze_landmarks(raw, info, settings, context=context)
    analysis.timings_s = {"pose": round(pose_s, 2), **analysis.timings_s}
    return analysis


def estimate(video: str | Path, settings: Settings, context: RunContext) -> tuple[PoseSeries, VideoInfo]:
    """Decode the clip and run the pose model: the raw landmarks and the video's facts.

    A slow-motion clip of a squat-like task is posed at `settings.max_pose_fps` (every k-th frame);
    when the movement is not given and the first pass finds running, the frames in between are
    posed too, so running always has every frame (contact timing needs them).
    """
    info = probe_video(video, settings.capture_fps, settings.max_frames)
    log.info(
        "video: %dx%d px, %.2f fps, %d frames, rotation %d deg, codec %s",
        info.width_px, info.height_px, info.fps, info.n_frames, info.rotation_deg, info.codec,
    )  # fmt: skip
    stride = pose_stride(info, settings)
    damage: list[str] = []
    times_s: list[float] = []
    seen = _look(info, settings, context, (lambda i: i % stride == 0) if stride > 1 else None, damage, times_s)
    size = (info.width_px, info.height_px)
    if stride > 1 and settings.movement == "auto" and finds_running(pose_series(seen, settings, size), settings):
        log.info("running at %.0f fps: posing the frames in between too", info.fps)
        seen = seen.merged(_look(info, settings, context, lambda i: i % stride != 0, [], []))
        stride = 1
    elif stride > 1:
        log.info("pose inferred on every %d. frame (%.0f of %.0f fps; squat-like tasks need no more)",
                 stride, info.fps / stride, info.fps)  # fmt: skip
    raw = pose_series(seen, settings, size)
    raw.notes["pose_every_nth_frame"] = stride
    for text in info.damage + tuple(damage):
        log.warning(text)
    decoded = info.with_timestamps(np.asarray(times_s, dtype=float))
    return raw, dataclasses.replace(decoded, damage=info.damage + tuple(damage))


def pose_stride(info: VideoInfo, settings: Settings) -> int:
    """Pose every k-th frame: k > 1 only for clips faster than `max_pose_fps` whose movement may be
    squat-like (running, given or not yet known, keeps every frame unless the first pass rules it out)."""
    if not settings.max_pose_fps or settings.movement == "run" or info.fps <= settings.max_pose_fps:
        return 1
    return max(1, math.ceil(info.fps / settings.max_pose_fps - 0.05))  # 239.76 fps counts as 240


def finds_running(raw: PoseSeries, settings: Settings) -> bool:
    """Whether any segment of a first pass at a reduced rate reads as running."""
    if raw.detected.sum() < MIN_FRAMES_WITH_PERSON:
        return False  # nothing to decide on; check_person will say so
    pre = clean_before_filter(raw, settings, settings.view)
    return any(
        view_and_movement(pre.select(slice(start, stop)), settings)[1].value == "run"
        for start, stop in split_segments(pre)
    )


def view_and_movement(sub: PoseSeries, settings: Settings) -> tuple[Detected, Detected]:
    """A segment's view and movement: as given in `settings`, or detected from its landmarks."""
    view = given(settings.view) if settings.view != "auto" else detect_view(sub)
    movement = given(settings.movement) if settings.movement != "auto" else detect_movement(sub, view.value)
    return view, movement


def _look(
    info: VideoInfo,
    settings: Settings,
    context: RunContext,
    keep: Callable[[int], bool] | None,
    damage: list[str],
    times_s: list[float],
) -> Sightings:
    """One decoding pass, posing the frames `keep` accepts (all when None)."""
    frames = iter_frames(info, settings.max_inference_side_px, damage, keep=keep, times=times_s)
    expected = info.n_frames if keep is None else sum(1 for i in range(info.n_frames) if keep(i))
    progress = context.stage_progress("decode/pose")
    return look(prefetch(frames, waiting=context.check), info, settings, progress, expected)


def analyze_landmarks(
    raw: PoseSeries, info: VideoInfo, settings: Settings, *, context: RunContext | None = None
) -> Analysis:
    """Everything after pose inference: cleaning, segments, angles, events, assessment."""
    context = context if context is not None else RunContext()
    with context.active():
        started = time.perf_counter()
        check_times(raw, info)
        check_person(raw, info)
        context.progress("clean", 0, 1)
        pre = clean_before_filter(raw, settings, settings.view)
        clean, angles, segments = analyse_segments(pre, settings)
        context.progress("clean", 1, 1)
        analysis = Analysis(
            video=info,
            settings=settings,
            landmarks=Landmarks(raw=raw, clean=clean),
            angles=angles,
            segments=segments,
            primary=choose_primary(segments),
            legs={},
            frame_stats=frame_stats(angles, measure_columns(angle_columns())),
            model_sha256=model_sha256(settings.model_path),
            created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        )
        analysis = assess(analysis, context=context)
        analysis.timings_s = {"analysis": round(time.perf_counter() - started, 2)}
    analysis.log_lines = list(context.lines)
    return analysis


# ------------------------------------------------------------------------------------------------
# the stages, each re-enterable
# ------------------------------------------------------------------------------------------------
def check_times(raw: PoseSeries, info: VideoInfo) -> None:
    """Every later stage divides by time steps: stop with a sentence on times that are not finite and
    strictly increasing (decoded video always gives such times; saved landmarks edited by hand may not)."""
    times = np.asarray(raw.time_s, dtype=float)
    good = np.isfinite(times) & np.r_[True, np.diff(times) > 0]
    if not good.all():
        raise InputError(
            f"the landmarks of {info.path} have times that are missing or not increasing "
            f"(row {int(np.flatnonzero(~good)[0])}): re-run the analysis from the video"
        )


def check_person(raw: PoseSeries, info: VideoInfo) -> None:
    """Stop with one clear sentence when the model found nobody, or too little of anybody."""
    n_found = int(raw.detected.sum())
    if n_found == 0:
        raise NoPersonError(f"no person found in any of the {raw.n_frames} frames of {info.path}")
    if n_found < MIN_FRAMES_WITH_PERSON:
        raise NoPersonError(
            f"a person was found in only {n_found} of {raw.n_frames} frames of {info.path}: too few to analyse"
        )


def analyse_segments(pre: PoseSeries, settings: Settings) -> tuple[PoseSeries, pd.DataFrame, list[Segment]]:
    """Split at cuts and view changes; per segment: view, movement, filter, angles, events."""
    image, world, z = pre.image_px.copy(), pre.world_m.copy(), pre.image_z_px.copy()
    angles = pd.DataFrame({c: np.full(pre.n_frames, np.nan) for c in angle_columns()})
    angles["frame"], angles["time_s"] = pre.frame, pre.time_s
    segments: list[Segment] = []
    notes: dict[str, Any] = {}
    for index, (start, stop) in enumerate(split_segments(pre)):
        rows = slice(start, stop)
        first_rep = sum(len(s.reps) for s in segments)
        segment, sub, table, segment_notes = _analyse_segment(pre, index, start, stop, settings, first_rep)
        gates = segment_notes.pop("plausibility")
        notes = {**notes, **segment_notes, "plausibility": add_counts(notes.get("plausibility", {}), gates)}
        image[rows], world[rows], z[rows] = sub.image_px, sub.world_m, sub.image_z_px
        angles.iloc[start:stop] = table.to_numpy()
        segments.append(segment)
    angles["frame"] = angles["frame"].astype(int)
    clean = pre.replace(image_px=image, world_m=world, image_z_px=z, notes={**pre.notes, **notes})
    return clean, angles, segments


def add_counts(total: dict[str, Any], more: dict[str, Any]) -> dict[str, Any]:
    """Per-segment gate counts summed over a clip, lists joined (other values: the last segment's
    that has one)."""
    out = dict(total)
    for key, value in more.items():
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = int(out.get(key, 0)) + value
        elif isinstance(value, list):
            out[key] = [*out.get(key, []), *value]
        elif value is not None or key not in out:
            out[key] = value
    return out


def _analyse_segment(
    pre: PoseSeries, index: int, start: int, stop: int, settings: Settings, first_rep: int
) -> tuple[Segment, PoseSeries, pd.DataFrame, dict[str, Any]]:
    """One segment: its view and movement, filtered landmarks, angles and events."""
    sub = pre.select(slice(start, stop))
    view, movement = view_and_movement(sub, settings)
    clear, hidden_s = seen_clearly(sub), hidden_moments(sub)
    sub = lowpass(sub, cutoff_for(movement.value, settings), settings.filter_order)
    notes = dict(sub.notes)
    reps = [] if movement.value == "run" else find_reps(sub, movement.value, segment=index, first_index=first_rep)
    table = compute_angles(
        sub,
        view.value,
        settings.min_knee_flexion_for_rotation_deg,
        movement.value,
        foreshortening_off_square_deg(view),
        free_leg_rows(reps, sub.frame),
        unprojection_off_square_deg(view),
    )
    calibration = default_calibration() if settings.calibrate and view.value != "side" else None
    if calibration is not None:
        table = calibration.apply(table)
        notes["calibration"] = calibration.to_json()
    table, dropped = gate_knee_flexion(table, sub.time_s)
    table, far_knee = gate_far_knee(table, view.value, movement.value)
    repetitions = [(*np.searchsorted(sub.frame, (r.start_frame, r.end_frame)), r.legs) for r in reps]
    table, dropped["thigh_at_camera_leg_frames"] = gate_foreshortened_thigh(table, sub, view.value, repetitions)
    table, dropped["covered_frames_no_angles"] = gate_covered(
        table, sub.frame, (sub.notes.get("subject") or {}).get("covered_frames", ())
    )
    table, dropped["beside_hidden_frames_no_angles"] = gate_unclear(table, clear)
    segment = Segment(index, start, stop, float(pre.time_s[start]), float(pre.time_s[stop - 1]), view, movement)
    if movement.value == "run":
        steps = find_steps(sub, view.value, segment=index)
        factor = (
            1.0 if settings.capture_fps is not None else slow_motion_estimate(apparent_cadence_spm(sub, steps)) or 1.0
        )
        segment.steps, dropped_steps = plausible_steps(steps, factor)
        dropped = {**dropped, **dropped_steps}
    else:
        segment.reps = reps
    notes["plausibility"] = {**dropped, "far_knee_not_measured": far_knee, "hidden_moments_s": hidden_s}
    log.info(
        "segment %d (%.1f-%.1f s): %s view, %s, %d reps, %d steps",
        index, segment.start_s, segment.end_s, view.value, movement.value, len(segment.reps), len(segment.steps),
    )  # fmt: skip
    return segment, sub, table, notes


def free_leg_rows(reps: list[Rep], frames: np.ndarray) -> dict[str, np.ndarray]:
    """Per leg, the rows where it is the free leg of a single-leg task (lifted, not loaded): each
    row belongs to the nearest single-leg repetition, whose other leg is free in it and, before and
    after, may be (the free foot goes up before the pelvis starts down, and comes down after it is
    back up). Reading that leg one way throughout keeps its knee flexion from jumping where a
    repetition starts: the loaded reading of a lifted leg is a bend that is not there."""
    free: dict[str, np.ndarray] = {side: np.zeros(len(frames), dtype=bool) for side in SIDES}
    single = [(rep, other_side(rep.stance_leg)) for rep in reps if rep.stance_leg != "both"]
    if not single or not len(frames):
        return free
    starts = np.array([rep.start_frame for rep, _ in single])[None, :]
    ends = np.array([rep.end_frame for rep, _ in single])[None, :]
    column = np.asarray(frames)[:, None]
    nearest = np.argmin(np.maximum(starts - column, 0) + np.maximum(column - ends, 0), axis=1)
    for i, (_, side) in enumerate(single):
        free[side] |= nearest == i
    return free


def choose_primary(segments: list[Segment]) -> list[int]:
    """The segments the verdicts come from: frontal views of the movement with the most events; of
    movements with as many, one found from what the person did rather than gaitcheck's fallback (no
    repetition read: Detected.guessed), then the longest."""
    frontal = [s for s in segments if s.frontal] or segments
    counts: dict[str, int] = {}
    for s in frontal:
        counts[s.movement.value] = counts.get(s.movement.value, 0) + s.n_events

    def rank(movement: str) -> tuple[int, bool, int]:
        mine = [s for s in frontal if s.movement.value == movement]
        seen = any(not s.movement.guessed for s in mine)
        return counts[movement], seen, sum(s.stop_row - s.start_row for s in mine)

    best = max(counts, key=rank)
    return [s.index for s in frontal if s.movement.value == best]


def assess(
    analysis: Analysis, thresholds: tuple[Threshold, ...] = THRESHOLDS, *, context: RunContext | None = None
) -> Analysis:
    """Grade every repetition and step, give each leg its verdict and check the recording's quality.
    Re-run it (no pose, no cleaning) to re-grade against other thresholds."""
    context = context if context is not None else RunContext()
    with context.active():
        context.progress("assess", 0, 1)
        clean, segments, primary = analysis.landmarks.clean, analysis.segments, analysis.primary
        reps, steps = assess_events(segments, analysis.angles, clean, thresholds, analysis.settings.camera_allowance)
        caveats = {side: leg_caveats(side, segments, primary, clean, analysis.video, analysis.angles) for side in SIDES}
        legs = assess_legs(segments, primary, reps, steps, caveats, thresholds)
        movement = analysis.segments[primary[0]].movement.value
        out = dataclasses.replace(
            analysis,
            rep_results=reps,
            step_results=steps,
            legs=legs,
            threshold=next((t for t in thresholds if movement in t.tasks), None),
        )
        out.slow_motion_suspected = slow_motion_suspected(out)
        out.sagittal = sagittal_running(clean, segments, out.slow_motion_suspected is None, analysis.angles)
        out.issues = quality_issues(out)
        for issue in out.issues:
            log.warning(issue.text)
        for side, leg in legs.items():
            log.info("%s leg: %s (confidence %s)", side, leg.verdict, leg.confidence)
        context.progress("assess", 1, 1)
    return out


def slow_motion_suspected(analysis: Analysis) -> SlowMotion | None:
    """A running clip whose cadence, in the file's own time, is below anyone's running looks slowed
    down. Its real-time figures (cadence, stance time) are withheld unless the real frame rate is
    known: from the file's slow-motion metadata, or the capture fps the user gave (`probe_video`
    turns that into real timestamps; on landmarks alone, giving it says the timestamps are real)."""
    main = analysis.main
    if main.movement.value != "run" or analysis.video.slow_motion_factor != 1.0:
        return None
    if analysis.settings.capture_fps is not None:
        return None
    cadence = primary_cadence_spm(analysis)
    if cadence is None:  # too few steps: how fast the feet swap places
        cadence = apparent_cadence_spm(analysis.landmarks.clean.select(slice(main.start_row, main.stop_row)), [])
    factor = slow_motion_estimate(cadence)
    return None if factor is None or cadence is None else SlowMotion(factor, round(cadence, 1))


def edit_reps(analysis: Analysis, reps: list[Rep], *, context: RunContext | None = None) -> Analysis:
    """The analysis re-assessed with these repetitions (e.g. a boundary a user moved by hand) in
    place of the detected ones of the segments they name."""
    edited = {r.segment for r in reps}
    segments = [
        dataclasses.replace(s, reps=[r for r in reps if r.segment == s.index]) if s.index in edited else s
        for s in analysis.segments
    ]
    return assess(dataclasses.replace(analysis, segments=segments), context=context)


def model_sha256(path: Path) -> str | None:
    """The pose model's fingerprint, recorded with every result (None when the file is gone)."""
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
