"""Quality control: what about the recording limits what the numbers mean.

`quality_issues` runs the checks in CHECKS (one small function each, most important first) and
returns structured `Issue`s: a stable code, a severity, the leg it concerns, the problem in plain
words and a filming tip. Wording is front-end neutral (no command-line flags: a front-end adds its
own hint by code). `leg_caveats` gives the reasons that lower one leg's verdict confidence.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from gaitcheck.assess import MIN_REPS, MIN_STEPS, camera_allowances, nearer_square_deg, threshold_for
from gaitcheck.detect import HIDDEN_MARGIN_S
from gaitcheck.kinematics import view_artefact_fppa_deg, view_artefact_shift
from gaitcheck.landmarks import INDEX, PoseSeries
from gaitcheck.model import Analysis, Caveat, Issue, Segment, VideoInfo
from gaitcheck.vocabulary import SIDES, Severity, Side, event_word

LOW_DETECTION_RATE = 0.9
LOW_VISIBILITY = 0.6
OFF_SQUARE_SEVERE_DEG = 35.0  # beyond this, apparent varus and valgus can swap (Englander 2019)
CAMERA_ROLL_DEG = 3.0  # a few degrees of roll is as large as the pelvic drop being measured
RUN_MIN_FPS = 60.0  # below: contacts are poorly timed (stance is ~7 frames at 30 fps)
RUN_GOOD_FPS = 100.0  # Souza 2016 recommends 120-240 fps
MISSING_SHARE = 0.1
#: The knee bend the caveat uses: this percentile of the leg's knee flexion over its repetitions or
#: stance phases (about the deepest frames, where the frontal measures are read).
DEEP_BEND_PERCENTILE = 90


def _event_rows(frame: np.ndarray, segments: list[Segment], primary: list[int], side: Side) -> np.ndarray:
    """Rows inside this leg's repetitions or stance phases in the primary segments. `frame` is each
    row's video frame (not every frame is a row when a slow-motion clip was posed at a lower rate)."""
    spans: list[tuple[int, int]] = []
    for s in segments:
        if s.index not in primary:
            continue
        spans += [(r.start_frame, r.end_frame) for r in s.reps if r.stance_leg in (side, "both")]
        spans += [(p.contact_frame, p.toe_off_frame) for p in s.steps if p.leg == side]
    rows = [np.flatnonzero((frame >= first) & (frame <= last)) for first, last in spans]
    return np.concatenate(rows) if rows else np.zeros(0, dtype=int)


def missing_share(clean: PoseSeries, rows: np.ndarray, side: str) -> float:
    """Share of the given frames where this leg's knee or ankle is missing (hidden, off the picture)."""
    if rows.size == 0:
        return 0.0
    knee, ankle = clean.px(f"{side}_knee")[rows, 0], clean.px(f"{side}_ankle")[rows, 0]
    return float(np.mean(~np.isfinite(knee) | ~np.isfinite(ankle)))


def leg_visibility(clean: PoseSeries, rows: np.ndarray, side: str) -> float:
    """Mean MediaPipe visibility of this leg's knee and ankle over the given frames."""
    if rows.size == 0:
        return float("nan")
    idx = np.array([INDEX[f"{side}_knee"], INDEX[f"{side}_ankle"]])
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


def view_angle_caveat(side: Side, main: Segment, angles: pd.DataFrame, rows: np.ndarray) -> Caveat | None:
    """A caveat when the camera's angle off square, at this leg's knee bend, can by itself move the
    graded measure by more than its measurement margin (severe: by more than the borderline band,
    enough to carry a leg from one verdict to the next). Apparent valgus on one leg and varus on the
    other is the sign of it (kinematics.view_artefact_fppa_deg)."""
    if main.view.value == "side" or rows.size == 0:
        return None
    threshold = threshold_for(main.movement.value)  # every movement has one
    bends = angles[f"{side}_knee_flexion_deg"].to_numpy(float)[rows]
    if not np.isfinite(bends).any():
        return None
    bend = float(np.nanpercentile(bends, DEEP_BEND_PERCENTILE))
    off_square = nearer_square_deg(main.view.off_square_deg)
    in_degrees = threshold.unit == "deg"
    artefact = view_artefact_fppa_deg(off_square, bend) if in_degrees else view_artefact_shift(off_square, bend)
    if artefact <= threshold.margin:
        return None
    size = f"{artefact:.0f} deg" if in_degrees else f"{artefact:.2f} shank lengths"
    return Caveat(
        f"camera about {main.view.off_square_deg:.0f} deg off square with the knee bent about {bend:.0f} deg: "
        f"the camera angle alone can make the {side} knee look {size} further in or out (Englander 2019)",
        artefact > threshold.valgus_from - threshold.borderline_from,
    )


def leg_caveats(
    side: Side,
    segments: list[Segment],
    primary: list[int],
    clean: PoseSeries,
    info: VideoInfo,
    angles: pd.DataFrame,
) -> list[Caveat]:
    """Why this leg's verdict may be less certain."""
    main = segments[primary[0]]
    caveats: list[Caveat] = []
    if main.view.value == "oblique":
        yaw = main.view.off_square_deg
        caveats.append(Caveat(f"camera about {yaw:.0f} deg off square to the person", yaw > OFF_SQUARE_SEVERE_DEG))
    if main.view.source == "detected" and main.view.confidence < 0.6:
        caveats.append(Caveat("the camera view was uncertain"))
    if main.movement.source == "detected" and main.movement.confidence < 0.5:
        caveats.append(Caveat("the movement was uncertain (it can be set instead of detected)"))
    if main.movement.value == "run":
        if info.fps < RUN_MIN_FPS:
            caveats.append(Caveat(f"{info.fps:.0f} fps is low for running", True))
        elif info.fps < RUN_GOOD_FPS:
            caveats.append(Caveat(f"{info.fps:.0f} fps (120-240 recommended for running)"))
    rows = _event_rows(clean.frame, segments, primary, side)
    view_angle = view_angle_caveat(side, main, angles, rows)
    if view_angle is not None:
        caveats.append(view_angle)
    missing = missing_share(clean, rows, side)
    if missing > MISSING_SHARE:
        caveats.append(
            Caveat(f"the {side} knee or ankle was hidden or out of frame in {missing:.0%} of the frames", missing > 0.3)
        )
    visibility = leg_visibility(clean, rows, side)
    if np.isfinite(visibility) and visibility < LOW_VISIBILITY:
        caveats.append(Caveat(f"low landmark visibility on the {side} leg ({visibility:.2f})", visibility < 0.4))
    if several_people(clean.notes):
        caveats.append(Caveat("more than one person in the picture"))
    return caveats


def several_people(notes: dict) -> bool:
    """Whether more than one person was followed for more than a moment (the subject choice's
    count of people, tracking.MIN_TRACK_S); results saved before that count: more than one found at
    once. A detection that lasts a frame or two (a reflection, a poster) is no one to be confused
    with, and lowers nothing."""
    subject = notes.get("subject") or {}
    if "people" in subject:
        return int(subject["people"]) > 1
    return int((notes.get("people") or {}).get("max", 1)) > 1


#: Share of the frames with the head below the ankles that makes a picture upside down.
UPSIDE_DOWN_SHARE = 0.5

#: Filming advice per issue code (front-end neutral: a front-end may add its own hint).
TIPS: dict[str, str] = {
    "side-view": "Film from the front (squats, step-downs) or from behind (running) for frontal-plane angles.",
    "off-square": "Place the camera square to the person: the chest and pelvis should face the lens.",
    "run-front-view": "For running, add a clip filmed from behind at hip height.",
    "low-detection": "Keep the whole body in the picture for the whole clip, with even light.",
    "several-people": "Film one person at a time; keep others out of the picture.",
    "implausible-dropped": "Film with the whole body in view, one person, the legs unhidden; higher frame rates help.",
    "far-knee-hidden": "Film a second clip from the other side for the other knee, or film from the front.",
    "several-parts": "Film one continuous shot from one place, without edits.",
    "hidden-moment": "Keep the space between the camera and the person clear while filming.",
    "camera-tilted": "Level the phone (use a tripod and the camera's level or grid).",
    "few-events": "Record at least 5 repetitions per leg, or 7 or more steps per leg.",
    "leg-hidden": "Wear shorts or tight leggings, light the legs evenly and keep both feet in frame.",
    "leg-low-visibility": "Wear shorts or tight leggings, light the legs evenly and keep both feet in frame.",
    "run-low-fps": "For running, record in slow motion (120\u2013240 fps).",
    "slow-motion-suspected": "For a slowed-down file, give the recording's real frame rate (capture fps).",
    "upside-down": "Film with the phone upright (or rotate the video) so the person stands head up.",
    "video-damaged": "Send the original file from the phone, after the recording has finished (not a copy cut "
    "short by a transfer or a messenger app).",
    "view-uncertain": "Set the camera view yourself instead of leaving it to detection.",
    "movement-uncertain": "Set the movement yourself instead of leaving it to detection.",
}


def _issue(code: str, severity: Severity, text: str, leg: Side | None = None) -> Issue:
    return Issue(code, severity, text, TIPS[code], leg)


def _damaged(a: Analysis) -> list[Issue]:
    """The file was damaged but usable (gaitcheck.video says how): the numbers cover less, or their
    timing is approximate."""
    return [_issue("video-damaged", "major", text) for text in a.video.damage]


def _upside_down(a: Analysis) -> list[Issue]:
    """Head below the ankles in most frames: the picture is upside down (a rotation tag lost or wrong),
    so up, down, left and right of every angle are mixed up."""
    image = a.landmarks.raw.image_px
    head_y = image[:, INDEX["nose"], 1]
    ankles_y = np.fmax(image[:, INDEX["left_ankle"], 1], image[:, INDEX["right_ankle"], 1])  # NaN-aware, quiet
    seen = np.isfinite(head_y) & np.isfinite(ankles_y)
    if seen.sum() and (head_y[seen] > ankles_y[seen]).mean() > UPSIDE_DOWN_SHARE:
        text = "the person is upside down in the picture (head below the feet): the angles are not reliable"
        return [_issue("upside-down", "major", text)]
    return []


def _view(a: Analysis) -> list[Issue]:
    view = a.main.view
    if view.value == "side":
        text = (
            "side view: frontal-plane measures (FPPA, hip adduction, pelvic drop) need a camera in front "
            "(squats, step-downs) or behind (running)"
        )
        return [_issue("side-view", "major", text)]
    if view.value == "oblique":
        yaw = view.off_square_deg
        text = (
            f"the camera is about {yaw:.0f} deg off square to the person: frontal-plane angles are distorted "
            "(turn the camera or the person to face each other)"
        )
        return [_issue("off-square", "major" if yaw > OFF_SQUARE_SEVERE_DEG else "minor", text)]
    return _camera_angle(a)


def _camera_angle(a: Analysis) -> list[Issue]:
    """A front or back view a little off square, at knees bent deep enough that the camera's angle
    alone can carry a leg from one verdict to the next (view_angle_caveat, severe)."""
    frames = a.landmarks.clean.frame
    caveats = [
        view_angle_caveat(side, a.main, a.angles, _event_rows(frames, a.segments, a.primary, side)) for side in SIDES
    ]
    if not any(c is not None and c.severe for c in caveats):
        return []
    text = (
        f"the camera is about {a.main.view.off_square_deg:.0f} deg off square to the person: at a deep knee bend "
        "the camera's angle alone makes a knee look further in or out than it is (one leg in, the other out)"
    )
    if a.settings.camera_allowance:
        allowed = camera_allowances(a.main.movement.value, a.main.view)
        what = "FPPA and the knee's shift over the ankle allow" if "knee_medial_shift" in allowed else "FPPA allows"
        text += f"; gaitcheck's {what} for it, but only approximately"
    return [_issue("off-square", "minor", text)]


def _running_front(a: Analysis) -> list[Issue]:
    if a.main.movement.value == "run" and a.main.view.value == "front":
        text = "for running, film from behind for pelvic drop and hip adduction (Souza 2016)"
        return [_issue("run-front-view", "minor", text)]
    return []


def _detection(a: Analysis) -> list[Issue]:
    rate = a.landmarks.raw.detection_rate
    if rate < LOW_DETECTION_RATE:
        return [_issue("low-detection", "major", f"the person was found in only {rate:.0%} of frames")]
    return []


def _subject_words(a: Analysis) -> str:
    subject = a.landmarks.raw.notes.get("subject") or {}
    if subject.get("id") is None:
        return "the most prominent one"
    return f"person {subject['id']}, {subject.get('reason', '')}".rstrip(", ")


def _people(a: Analysis) -> list[Issue]:
    people = a.landmarks.clean.notes.get("people", {})
    if several_people(a.landmarks.clean.notes):
        text = (
            f"more than one person is in the picture (up to {people['max']} found at once): "
            f"gaitcheck followed {_subject_words(a)}; "
            "check the annotated video shows the right person (--subject chooses another)"
        )
        return [_issue("several-people", "minor", text + _subject_frames(a.landmarks.raw.notes.get("subject") or {}))]
    return []


#: What following the subject changed, per summary.json `subject` count, in words ({frames}: "n frames").
SUBJECT_FRAME_NOTES = (
    ("swapped_back", "in {frames} the one followed was taken back from another person's track "
     "(the two were swapped as someone crossed)"),
    ("jumps_left_out", "{frames} where the person followed jumped away and back (another detection) left out"),
    ("covered_no_angles", "no angles read in {frames} where another person covered most of the one followed "
     "(the model mixes the two bodies there)"),
    ("covered_kept", "another person covered most of the one followed in {frames}, too many to leave out: "
     "the two bodies' landmarks may mix there"),
)  # fmt: skip


def _subject_frames(subject: dict) -> str:
    """What following the subject left out or could not trust, in words ('' when nothing)."""
    return "".join(
        "; " + words.format(frames=_frames(subject[key])) for key, words in SUBJECT_FRAME_NOTES if subject.get(key, 0)
    )


def _frames(n: int) -> str:
    return "1 frame" if n == 1 else f"{n} frames"


def _parts(a: Analysis) -> list[Issue]:
    if len(a.segments) > 1:
        parts = ", ".join(f"{s.start_s:.1f}-{s.end_s:.1f} s {s.view.value} {s.movement.value}" for s in a.segments)
        text = (
            f"the clip has {len(a.segments)} parts (cuts, a change of view or the person out of sight), "
            f"analysed separately: {parts}"
        )
        return [_issue("several-parts", "minor", text)]
    return []


def _hidden(a: Analysis) -> list[Issue]:
    """Moments the person was out of sight inside a part (detect.MAX_HIDDEN_S): analysed across, with
    no angles read beside them (plausibility.gate_unclear)."""
    gates = a.landmarks.clean.notes.get("plausibility") or {}
    moments = gates.get("hidden_moments_s") or []
    if not moments:
        return []
    when = ", ".join(f"{length:.1f} s at {start:.1f} s" for start, length in moments[:3])
    more = f" and {len(moments) - 3} more" if len(moments) > 3 else ""
    text = (
        f"the person was out of sight for a moment ({when}{more}): the clip is analysed across it, with no angles "
        f"read within {HIDDEN_MARGIN_S:.1f} s either side, where they were partly hidden"
    )
    return [_issue("hidden-moment", "minor", text)]


def _roll(a: Analysis) -> list[Issue]:
    roll = camera_roll_deg(a.landmarks.clean, a.segments)
    if roll is not None and abs(roll) > CAMERA_ROLL_DEG:
        text = f"the camera may be tilted about {roll:+.0f} deg (feet line): pelvic drop and trunk lean are affected"
        return [_issue("camera-tilted", "minor", text)]
    return []


def _legs(a: Analysis) -> list[Issue]:
    """Per leg: too few repetitions or steps, and the knee or ankle hidden or poorly seen."""
    issues: list[Issue] = []
    event = event_word(a.main.movement.value)
    minimum = MIN_STEPS if event == "step" else MIN_REPS
    for side in SIDES:
        n = a.legs[side].n_events
        if 0 < n < minimum:
            text = f"only {n} {event}{'s' if n != 1 else ''} on the {side} leg (at least {minimum} advised)"
            issues.append(_issue("few-events", "minor", text, side))
        if a.main.view.value == "side":
            continue  # the far leg is always partly hidden side-on; no frontal verdicts anyway
        rows = _event_rows(a.landmarks.clean.frame, a.segments, a.primary, side)
        missing = missing_share(a.landmarks.clean, rows, side)
        if missing > MISSING_SHARE:
            text = f"the {side} knee or ankle is hidden or out of frame in {missing:.0%} of its {event} frames"
            issues.append(_issue("leg-hidden", "minor", text, side))
        visibility = leg_visibility(a.landmarks.clean, rows, side)
        if np.isfinite(visibility) and visibility < LOW_VISIBILITY:
            text = f"low visibility of the {side} knee and ankle ({visibility:.2f}): tight clothing and light help"
            issues.append(_issue("leg-low-visibility", "minor", text, side))
    return issues


def _frame_rate(a: Analysis) -> list[Issue]:
    """Running needs a high frame rate; a slowed-down file must not pass for real time."""
    if a.main.movement.value != "run":
        return []
    issues: list[Issue] = []
    slow = a.slow_motion_suspected  # decided once, by the flow (pipeline.slow_motion_suspected)
    fps = a.video.fps * (slow.factor if slow is not None else 1.0)  # a slowed file was filmed faster
    if fps < RUN_MIN_FPS:
        text = f"{fps:.0f} fps is low for running: foot contacts are timed to +- one frame; use 120-240 fps"
        issues.append(_issue("run-low-fps", "major", text))
    if slow is not None:
        text = (
            f"the running cadence looks like {slow.apparent_cadence_spm:.0f} steps/min: the clip looks slowed "
            f"down about {slow.factor:.0f}x; give the recording's real frame rate (cadence and stance time withheld)"
        )
        issues.append(_issue("slow-motion-suspected", "major", text))
    return issues


def _uncertain(a: Analysis) -> list[Issue]:
    issues: list[Issue] = []
    for label, detected in (("view", a.main.view), ("movement", a.main.movement)):
        if detected.source == "detected" and detected.confidence < 0.5:
            issues.append(_issue(f"{label}-uncertain", "minor", f"the {label} is uncertain; it can be set instead"))
    return issues


def _implausible(a: Analysis) -> list[Issue]:
    """What the plausibility gates dropped (gaitcheck.plausibility), in words."""
    gates = a.landmarks.clean.notes.get("plausibility") or {}
    parts = []
    steps = int(gates.get("stance_out_of_range", 0)) + int(gates.get("same_foot_twice", 0))
    if steps:
        parts.append(f"{steps} step{'s' if steps > 1 else ''} (a stance no runner has, or one foot landing twice)")
    frames = sum(int(v) for k, v in gates.items() if k.endswith(("_knee_jumps", "_knee_out_of_range")))
    if frames:
        plural = "s" if frames > 1 else ""
        parts.append(f"knee flexion in {frames} frame{plural} (faster than a knee moves, or beyond its range)")
    issues = []
    if parts:
        text = "not shown because no person moves like that (likely the legs confused): " + "; ".join(parts)
        issues.append(_issue("implausible-dropped", "minor", text))
    far = gates.get("far_knee_not_measured")
    if far:
        text = f"side view: the far ({far}) knee was hidden or misread in most frames, so its flexion is not shown"
        issues.append(_issue("far-knee-hidden", "minor", text, leg=far))
    return issues


#: Every check, most important first; each returns the issues it finds.
CHECKS: tuple[Callable[[Analysis], list[Issue]], ...] = (
    _damaged,
    _upside_down,
    _view,
    _running_front,
    _detection,
    _people,
    _parts,
    _hidden,
    _roll,
    _legs,
    _implausible,
    _frame_rate,
    _uncertain,
)


def quality_issues(analysis: Analysis) -> list[Issue]:
    """Plain-language problems with the recording, most important first."""
    return [issue for check in CHECKS for issue in check(analysis)]
