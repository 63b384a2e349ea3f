"""What the report says, section by section, as a Document (rendered to HTML and PDF alike).

Order: the recording's quality problems and how to film better come first (they qualify
everything after), then the answer per leg, key frames, curves, the per-repetition table, the
measures per leg, the recording and analysis facts, and method, definitions and sources.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from gaitcheck.assess import ASYMMETRY_ERROR, THRESHOLDS
from gaitcheck.report import wording
from gaitcheck.report.document import (
    Bullets,
    Callout,
    Card,
    Cards,
    Cell,
    Document,
    Image,
    ImageRow,
    KeyValues,
    Para,
    Section,
    Table,
    Viewer,
)
from gaitcheck.report.plots import REPORT_REP_MEASURES, SIGN_NOTE
from gaitcheck.report.results import Result
from gaitcheck.report.style import (
    MEASURE_LABEL,
    MEASURE_UNIT,
    MEASURES,
    MOVEMENT_LABEL,
    VERDICT_LABEL,
    VERDICT_SHORT,
    fmt,
    plus_minus,
)
from gaitcheck.version import __version__
from gaitcheck.vocabulary import SIDES

#: Section titles, shared by the HTML page, the PDF and the tests.
QUALITY = "Recording quality"
ANSWER = "Does the hip keep the knee in line?"
KEY_FRAMES = "Key frames"
CURVES = "Angle curves"
REPS = "Repetitions"
STEPS = "Steps"
MEASURES_TITLE = "Measures per leg"
SIDE_VIEW = "Side view"
RECORDING = "Recording and analysis"
METHOD = "Method, definitions and sources"


@dataclass
class KeyFrame:
    side: str
    png: bytes
    caption: str


def key_frame_caption(event: dict, side: str, fppa_deg: float, time_s: float) -> str:
    """A key frame's caption: the frame's FPPA and hip adduction, the graded measure when it is not
    FPPA, and, where the event allows for the camera's angle (assess.allow_for_camera), the value
    allowed for beside what the picture shows."""
    what = f"rep {event['number']}" if event["event"] == "rep" else f"{side} step {event['number']}"
    allowed = ""
    if event.get("fppa_deg_picture") is not None:
        allowed = f" ({fmt(event.get('fppa_deg'), 1, 'deg', signed=True)} allowing for the camera's angle)"
    extra = ""
    graded = event["graded_measure"]
    if graded != "fppa_deg":
        label = _lower_first(MEASURE_LABEL.get(graded, graded))
        picture = event.get(f"{graded}_picture")
        if picture is None:
            extra = f"; {label} {fmt(event['graded_value'], 2, signed=True)}"
        else:
            allowed_value = fmt(event["graded_value"], 2, signed=True)
            extra = f"; {label} {fmt(picture, 2, signed=True)} ({allowed_value} allowing for the camera's angle)"
    moment = "midstance" if event["event"] == "step" else "frame measured"
    return (
        f"{side.capitalize()} leg, {what} at {fmt(time_s, 2, 's')} ({moment}): FPPA "
        f"{fmt(fppa_deg, 1, 'deg', signed=True)}{allowed}, hip adduction "
        f"{fmt(event.get('hip_adduction_deg'), 1, 'deg', signed=True)}{extra}."
    )


def _lower_first(label: str) -> str:
    """'Knee FPPA' -> 'knee FPPA' (acronyms keep their capitals)."""
    return label[:1].lower() + label[1:] if label[1:2].islower() or label[1:2] == " " else label


def _n(value, digits=1, unit="", signed=False) -> Cell:
    return Cell(fmt(value, digits, unit, signed), numeric=True)


def build_report(
    result: Result,
    figures: dict[str, bytes],
    key_frames: list[KeyFrame],
    files: list[str],
    notes: list[str] | None = None,
    faces_blurred: bool = False,
    video_src: str | None = None,
) -> Document:
    """The report of one result; `video_src` (the annotated video's address relative to the page, when
    it is written beside it) adds the video with the interactive curves to the curves section."""
    s = result.summary
    video = s.get("video") or {}
    name = result.name
    created = s.get("created") or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    meta = [
        name,
        f"{video.get('width_px', '?')}×{video.get('height_px', '?')} px, {fmt(video.get('fps'), 1)} fps, "
        f"{fmt(video.get('duration_s'), 1, 's')}",
        f"analysed {created.replace('T', ' ').replace('+00:00', ' UTC')}",
        f"gaitcheck {s.get('gaitcheck_version', __version__)}",
    ]
    sections = []
    quality = s.get("quality") or {}
    warnings = list(quality.get("warnings") or [])
    notes = list(notes or [])
    if warnings or notes:
        sections.append(
            Section(
                QUALITY,
                [
                    Callout(
                        quality_heading(len(warnings), list(quality.get("issues") or [])),
                        warnings + notes,
                        wording.tips_for(list(quality.get("issues") or [])),
                    )
                ],
                "quality",
            )
        )
    sections.append(Section(ANSWER, _answer(result), "answer"))
    if s.get("side_view"):
        sections.append(Section(SIDE_VIEW, side_view_blocks(result), "sideview"))
    if key_frames:
        sections.append(Section(KEY_FRAMES, _key_frames(result, key_frames, faces_blurred), "keyframes"))
    sections.append(Section(CURVES, _curves(result, figures, video_src), "curves"))
    sections.append(Section(STEPS if result.running else REPS, _events(result), "events"))
    sections.append(Section(MEASURES_TITLE, _measures(result), "measures"))
    sections.append(Section(RECORDING, _recording(result, files), "recording"))
    sections.append(Section(METHOD, method_blocks(result), "method"))
    return Document(
        title=f"{MOVEMENT_LABEL.get(result.movement, result.movement or 'Movement').capitalize()}, "
        f"{result.view or 'unknown'} view",
        subtitle=wording.headline(result),
        meta=meta,
        sections=sections,
        footer=(
            f"Generated by gaitcheck {__version__}, which describes movement from video; it does not replace a "
            "clinical examination. Results folder files: " + ", ".join(files)
        ),
    )


# ------------------------------------------------------------------------------------------------
def quality_heading(n_warnings: int, issues: list[dict]) -> str:
    """'N problems with the recording' when one is major; 'N notes' when all are minor (a frame or
    two not shown is worth knowing, not a reason to doubt the results)."""
    plural = "s" if n_warnings != 1 else ""
    if not n_warnings:
        return "Notes on this report"
    if any(issue.get("severity") == "major" for issue in issues):
        return f"{n_warnings} problem{plural} with the recording: read the results with these in mind"
    return f"{n_warnings} note{plural} on the recording"


def _answer(result: Result) -> list:
    cards = []
    for side in SIDES:
        leg = result.leg(side)
        verdict = leg.get("verdict", "insufficient-data")
        sentences = wording.verdict_sentences(result, side)
        for extra in (wording.running_pelvis_sentence(result, side), wording.hand_adjusted_sentence(result, side)):
            if extra:
                sentences.append(extra)
        details = [r for r in leg.get("reasons") or [] if verdict != "insufficient-data"]
        reason = " ".join(leg.get("reasons") or [])
        allowance = wording.allowance_sentence(result, side)
        if verdict == "insufficient-data" and "not tested" in reason:
            sentences.append(f"To compare legs, record the same task on the {side} leg too.")
        cards.append(
            Card(
                side=side,
                verdict=verdict,
                badge=VERDICT_LABEL.get(verdict, verdict),
                sentences=sentences,
                confidence=wording.confidence_sentence(result, side),
                details=["Measured: " + d for d in details[:1]] + [a for a in [allowance] if a],
            )
        )
    blocks: list = [Cards(cards)]
    for sentence in wording.asymmetry_sentences(result):
        blocks.append(Para(sentence))
    blocks.append(Para(wording.NON_DIAGNOSTIC, "note"))
    return blocks


def _key_frames(result: Result, key_frames: list[KeyFrame], faces_blurred: bool) -> list:
    moment = "midstance" if result.running else "the deepest point"
    blurred = " Faces are blurred." if faces_blurred else ""
    return [
        Para(
            f"The {result.event} with the largest value per leg, at {moment}: thigh and shank in the verdict colour, "
            "the hip–ankle line dashed, the thigh's line continued past the knee, and the FPPA between them." + blurred,
            "note",
        ),
        ImageRow([Image(k.png, k.caption, alt=f"{k.side} leg key frame") for k in key_frames], "keyframes"),
    ]


def _banded(result: Result) -> bool:
    from gaitcheck.report.plots import available

    graded = any(v != "insufficient-data" for v in result.verdicts().values())
    return graded and result.graded == "fppa_deg" and available(result, "fppa_deg")


def _curves(result: Result, figures: dict[str, bytes], video_src: str | None = None) -> list:
    blocks: list = []
    if video_src is not None:
        from gaitcheck.report.viewer import viewer_data

        blocks.append(Viewer(video_src, viewer_data(result)))
    event = "stance phases" if result.running else "repetitions"
    if "overview" in figures:
        blocks.append(
            Image(
                figures["overview"],
                f"Left (blue) and right (orange) over the clip; shaded: {event}; dots: where each was measured"
                + ("; bands: borderline and valgus ranges." if _banded(result) else "."),
            )
        )
    if "bars" in figures:
        against = ", against the bands" if any(v != "insufficient-data" for v in result.verdicts().values()) else ""
        blocks.append(Image(figures["bars"], f"The graded measure of every {result.event}{against}."))
    reps = [figures[f"reps_{m}"] for m in REPORT_REP_MEASURES if f"reps_{m}" in figures]
    if reps:
        blocks.append(
            ImageRow(
                [Image(png, f"Each {result.event} time-normalised (thin) and the mean per leg (bold).") for png in reps]
            )
        )
    if not any(isinstance(b, Image | ImageRow) for b in blocks):
        blocks.append(Para("No angle could be computed for this clip.", "note"))
    where = (
        "These figures are also in plots/ as PNG (SVG with --svg-plots; each measure's own figures with "
        "--every-plot), and every measure is in angles.csv frame by frame."
    )
    blocks.append(Para(where, "small"))
    return blocks


EVENT_COLUMNS_REP = (
    ("fppa_deg", "FPPA", 1),
    ("fppa_peak_deg", "FPPA peak", 1),
    ("hip_adduction_deg", "Hip add.", 1),
    ("femoral_adduction_deg", "Femoral add.", 1),
    ("pelvic_drop_deg", "Pelvic drop", 1),
    ("trunk_lean_ipsilateral_deg", "Trunk lean", 1),
    ("knee_medial_shift", "Knee medial shift", 2),
    ("knee_over_foot", "Knee over foot", 2),
    ("knee_flexion_peak_deg", "Knee flex. peak", 0),
    ("depth", "Depth", 0),
    ("hip_internal_rotation_deg", "Hip IR*", 0),
)
EVENT_COLUMNS_STEP = (
    ("fppa_deg", "FPPA", 1),
    ("hip_adduction_deg", "Hip add.", 1),
    ("femoral_adduction_deg", "Femoral add.", 1),
    ("pelvic_drop_deg", "Pelvic drop", 1),
    ("trunk_lean_ipsilateral_deg", "Trunk lean", 1),
    ("knee_flexion_contact_deg", "Knee flex. contact", 0),
    ("knee_flexion_peak_deg", "Knee flex. peak", 0),
    ("overstride_shank", "Overstride", 2),
    ("shank_angle_contact_deg", "Shank angle", 0),
    ("foot_angle_contact_deg", "Foot angle", 0),
    ("foot_strike", "Strike", 0),
    ("trunk_forward_lean_deg", "Trunk fwd", 0),
    ("vertical_oscillation_leg", "Vert. osc.", 3),
    ("stance_s", "Stance", 2),
)


def _events(result: Result) -> list:
    rows = result.event_rows()
    if not rows:
        what = "steps" if result.running else "complete repetitions"
        return [Para(f"No {what} were found in this clip.", "note")]
    columns = EVENT_COLUMNS_STEP if result.running else EVENT_COLUMNS_REP
    present = [c for c in columns if any(r.get(c[0]) is not None for r in rows)]
    by_hand = any(r.get("hand_adjusted") for r in rows)
    # the grade next to the time: a wide table scrolls, and the answer must not be the part off screen;
    # none where nothing was graded (a side view)
    graded = any(r["verdict"] != "insufficient-data" for r in rows)
    header = ["#", "Leg", "Time", *(["Grade"] if graded else [])] + [label for _, label, _ in present]
    header += ["By hand"] if by_hand else []
    table_rows = [_event_cells(r, present, graded, by_hand, result.view == "side") for r in rows]
    return [Table(header, table_rows, _events_caption(result, rows, present, graded, by_hand))]


def _event_cells(r: dict, present: list, graded: bool, by_hand: bool, side_on: bool) -> list[Cell]:
    """One repetition's or step's row of the events table."""
    cells = [
        Cell(str(r["number"]), numeric=True, muted=not r["primary"]),
        Cell(r["leg"], leg=r["leg"]),
        _n(r.get("event_s"), 2, "s"),
        *([Cell(VERDICT_SHORT.get(r["verdict"], r["verdict"]), verdict=r["verdict"])] if graded else []),
    ]
    for key, _, digits in present:
        if isinstance(r.get(key), str):  # a word (side view: the step's foot strike)
            cells.append(Cell(r[key]))
            continue
        unit = MEASURE_UNIT.get(key, "")
        cell = _n(r.get(key), digits, unit, signed=unit in ("deg", "shank lengths") and "flex" not in key)
        cell.muted = key == "hip_internal_rotation_deg" or (key == "knee_flexion_peak_deg" and not side_on)
        cells.append(cell)
    if by_hand:
        cells.append(_hand_cell(r.get("hand_adjusted")))
    return cells


def _events_caption(result: Result, rows: list[dict], present: list, graded: bool, by_hand: bool) -> str:
    """What the events table's numbers are, and the notes its rows need."""
    keys = {k for k, _, _ in present}
    if result.summary.get("side_view"):
        caption = (
            "Side view: knee flexion at contact and its peak over stance; overstride in shank lengths (heel ahead "
            "of the pelvis); shank angle (+ ankle ahead of the knee) and foot angle (+ toes up) at contact; trunk "
            "forward lean over stance; vertical oscillation of the pelvis in leg lengths. Contact and stance are "
            f"re-timed from the foot's height (section '{SIDE_VIEW}'); a step left out as implausible shows no values."
        )
    else:
        moment = "at midstance (peaks over stance)" if result.running else "at the deepest point (peaks over the rep)"
        caption = f"Angles in degrees {moment}; knee over foot in shank lengths (+ inside)."
        if graded:
            caption += (
                f" Grade: this {result.event}'s {_lower_first(MEASURE_LABEL.get(result.graded, result.graded))} "
                "against the task's threshold (Inward = in the valgus range)."
            )
        if "hip_internal_rotation_deg" in keys:
            caption += " *Hip internal rotation: experimental, low-confidence estimate; do not use for decisions."
        if "depth" in keys:
            caption += " " + wording.DEPTH_NOTE
        if result.view != "side" and "knee_flexion_peak_deg" in keys:
            caption += (
                " Knee flexion (greyed) in a front, back or oblique view is inferred, not seen: in squat-like tasks "
                "from how much thigh and shank shorten in the picture (within about 6° at the bottom on renders), "
                "with the camera more than 35° off square from the picture stretched back by that angle (about 8° "
                "on renders), both untested against real people's truth; in running nearer square from the pose "
                "model's 3-D guess, which can read far too low. Film from the side for depth."
            )
    if any(not r["primary"] for r in rows):
        caption += " Greyed numbers: parts of the clip the verdicts do not rest on."
    if any(r.get("frontal_event") == "descent" for r in rows):
        caption += (
            " Where the thigh pointed at the camera at the bottom, frontal angles were read at the deepest frame "
            "of the descent where it was still seen well."
        )
    if by_hand:
        caption += " " + wording.HAND_ADJUSTED_NOTE
    return caption


def _hand_cell(edit: dict | None) -> Cell:
    """A key frame checked by hand: FPPA from the clinician's points and the grade it gives."""
    if not edit:
        return Cell("")
    verdict = edit.get("verdict") or "insufficient-data"
    grade = VERDICT_SHORT.get(verdict, verdict) if edit.get("graded_measure") == "fppa_deg" else "grade kept"
    return Cell(f"FPPA {fmt(edit.get('fppa_deg'), 1, 'deg', signed=True)} · {grade}", verdict=verdict)


def _measures(result: Result) -> list:
    keys = [m for m, *_ in MEASURES if m != "knee_flexion_deg"] + [
        "fppa_peak_deg",
        "knee_medial_shift",
        "knee_over_foot",
        "knee_flexion_peak_deg",
        "trunk_lean_ipsilateral_deg",
        "pelvic_drop_peak_deg",
        "hip_adduction_peak_deg",
        "knee_flexion_contact_deg",
        "stance_s",
    ]
    rows = []
    for key in keys:
        values = {side: result.mean(side, key) for side in SIDES}
        if all(v[0] is None for v in values.values()):
            continue
        unit = MEASURE_UNIT.get(key, "")
        digits = 2 if unit in ("shank lengths", "s") else 1
        cells = [Cell(MEASURE_LABEL.get(key, key), muted=key == "hip_internal_rotation_deg")]
        for side in SIDES:
            mean, sd, n = values[side]
            text = "–" if mean is None else fmt(mean, digits, unit) + plus_minus(sd, n, digits)
            cells.append(Cell(text, numeric=True))
        left, right = values["left"][0], values["right"][0]
        diff = None if left is None or right is None else left - right
        cells.append(_n(diff, digits, unit, signed=True))
        error = ASYMMETRY_ERROR.get(key) if key == "fppa_deg" or result.running else None
        if error and diff is not None:
            beyond = abs(diff) >= error[0]
            cells.append(Cell(f"{fmt(error[0], 1, 'deg')} — {'beyond' if beyond else 'within'}", numeric=True))
        else:
            cells.append(Cell("–", numeric=True, muted=True))
        rows.append(cells)
    if not rows:
        return [Para("No per-leg measures: no repetitions or steps with frontal-plane data.", "note")]
    event = "steps" if result.running else "repetitions"
    return [
        Table(
            ["Measure", "Left (mean ± SD)", "Right (mean ± SD)", "Left − right", "Measurement error"],
            rows,
            f"Over the {event} the verdicts rest on. Measurement error: smallest detectable difference between legs "
            "or sessions (FPPA 8°, Munro 2012; in running also hip adduction 3.8° and pelvic drop 2.8°, "
            "Dingenen 2018).",
        )
    ]


SIDE_VIEW_ROWS: tuple[tuple[str, int], ...] = (
    ("knee_flexion_contact_deg", 0),
    ("knee_flexion_peak_deg", 0),
    ("overstride_shank", 2),
    ("shank_angle_contact_deg", 0),
    ("foot_angle_contact_deg", 0),
    ("trunk_forward_lean_deg", 0),
    ("vertical_oscillation_leg", 3),
    ("stance_s", 2),
)


def side_view_rows(view: dict) -> list[list[Cell]]:
    """Per side-view measure: each leg's mean ± SD (n), left minus right, and that difference
    against the measurement error."""
    legs = view.get("legs") or {}
    diffs = view.get("left_minus_right") or {}
    unit_text = {"deg": "deg", "shank lengths": "shank lengths", "leg lengths": "leg lengths", "s": "s"}
    rows = []
    for key, digits in SIDE_VIEW_ROWS:
        stats = {side: ((legs.get(side) or {}).get("measures") or {}).get(key) or {} for side in SIDES}
        if not any(stats.values()):
            continue
        unit = MEASURE_UNIT.get(key, "")
        cells = [Cell(MEASURE_LABEL.get(key, key) + ("" if unit in ("deg", "s") else f" ({unit_text[unit]})"))]
        for side in SIDES:
            m = stats[side]
            if not m:
                cells.append(Cell("–", numeric=True, muted=True))
                continue
            sd = plus_minus(m.get("sd"), m.get("n") or 0, digits)
            cells.append(Cell(f"{fmt(m.get('mean'), digits, unit)}{sd} (n {m.get('n')})", numeric=True))
        diff = diffs.get(key) or {}
        cells.append(_n(diff.get("left_minus_right"), digits, unit, signed=True))
        error = diff.get("measurement_error")
        if error is not None and diff.get("left_minus_right") is not None:
            judged = diff.get("beyond_error")
            where = "too few steps" if judged is None else ("beyond" if judged else "within")
            if judged and view.get("near_leg"):  # near and far legs are not seen alike (the note below)
                where = "beyond, or the far leg misread"
            cells.append(Cell(f"{fmt(error, 1, 'deg')} — {where}", numeric=True))
        else:
            cells.append(Cell("–", numeric=True, muted=True))
        rows.append(cells)
    return rows


def side_view_blocks(result: Result) -> list:
    """The running measures read beside the runner (summary side_view, gaitcheck.sagittal): per leg
    mean ± SD over its plausible steps, left minus right, foot strike, cadence and what was left out.
    Described, never graded."""
    view = result.summary.get("side_view") or {}
    legs = view.get("legs") or {}
    rows = side_view_rows(view)
    strikes = []
    for side in SIDES:
        leg = legs.get(side) or {}
        counts = leg.get("foot_strikes") or {}
        total = sum(counts.values())
        if total:
            parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            pattern = leg.get("foot_strike")
            strikes.append(f"{side}: {'mostly ' if pattern != 'mixed' else ''}{pattern} ({parts} of {total} steps)")
    slow = result.summary.get("slow_motion_suspected")
    if slow:
        cadence = f"Cadence and stance time withheld: the clip looks slowed down about {fmt(slow.get('factor'), 0)}×."
    elif view.get("cadence_spm"):
        cadence = f"Cadence {fmt(view.get('cadence_spm'), 0)} steps/min."
    else:
        cadence = "Too few steps for a cadence."
    blocks: list = [
        Para(
            "Measured beside the runner: what the knee, shank, foot and trunk did at initial contact and over stance "
            "(the lateral-view measures of Souza 2016). No validated cut-offs exist for them, so they are described, "
            "not graded. " + cadence,
        ),
    ]
    near = view.get("near_leg")
    role = {side: ("near leg, " if side == near else "far leg, ") if near else "" for side in SIDES}
    if rows:
        blocks.append(
            Table(
                [
                    "Measure",
                    f"Left ({role['left']}mean ± SD)",
                    f"Right ({role['right']}mean ± SD)",
                    "Left − right",
                    "Measurement error",
                ],
                rows,
                "Over each leg's plausible steps. Knee flexion: 180° minus the hip–knee–ankle angle on the picture "
                "(0 = straight). Overstride: heel ahead of the pelvis (mid-hip) at contact in shank lengths. Shank "
                "angle: knee–ankle line against vertical, + ankle ahead of the knee. Foot angle: heel–toe line against "
                "the picture's horizontal, + toes up. Trunk lean: mid-hip–mid-shoulder line against vertical, + "
                "forward, mean over stance. Vertical oscillation: the pelvis's rise and fall from one contact to the "
                "next, in leg lengths (thigh + shank). Measurement error: smallest detectable difference of manual "
                "2-D running video (Dingenen 2018); pose estimation adds its own.",
            )
        )
    else:
        blocks.append(Para("No side-view step could be measured.", "note"))
    notes = []
    if strikes:
        notes.append(
            "Foot strike from the foot angle at contact (rearfoot above 7.4°, forefoot below −0.8°, Mo et al. 2021): "
            + "; ".join(strikes)
            + ". gaitcheck measures MediaPipe's heel and toe points against the picture's horizontal, without the "
            "standing trial the cut-offs were made with: near a cut-off the category is uncertain."
        )
    if near:
        far = "right" if near == "left" else "left"
        notes.append(
            f"The camera saw the runner's {near} side: the {far} leg was the far one, often partly hidden behind the "
            f"{near} leg, so its values are less reliable and a left–right difference may come from that alone."
        )
    dropped = []
    for side in SIDES:
        leg = legs.get(side) or {}
        if leg.get("dropped"):
            why = ", ".join(
                f"{_lower_first(MEASURE_LABEL.get(k, k))} ({v})" for k, v in (leg.get("dropped") or {}).items()
            )
            whole = f"; {leg['n_dropped']} of {leg.get('n_steps')} steps left out whole" if leg.get("n_dropped") else ""
            dropped.append(f"{side}: {why}{whole}")
    if dropped:
        notes.append(
            "Left out of the means as implausible (a landmark or timing error, not the runner), values per "
            "measure; a step whose knee, shank or timing is implausible is left out whole: " + "; ".join(dropped) + "."
        )
    few = [side for side in SIDES if 0 < _kept(legs.get(side) or {}) < (view.get("min_steps_per_leg") or 7)]
    if few:
        notes.append(
            f"Fewer than {view.get('min_steps_per_leg') or 7} steps on the {' and '.join(few)} "
            f"leg{'s' if len(few) > 1 else ''}: at least 7 per leg are needed for a stable mean (Dingenen 2018)."
        )
    notes.append(
        "Bramah et al. 2018 found that injured runners, as a group, landed with a straighter knee and leaned the trunk "
        "further forward at midstance than uninjured runners; a cross-sectional group finding, not a threshold."
    )
    blocks.append(Bullets(notes, "small"))
    blocks.append(
        Para(
            "Pelvic drop, hip adduction and whether the hip keeps the knee in line need a camera behind the runner: "
            "film from behind for those (and from the side, as here, for these).",
            "note",
        )
    )
    return blocks


def _kept(leg: dict) -> int:
    return int(leg.get("n_steps") or 0) - int(leg.get("n_dropped") or 0)


def _detected(d: dict) -> str:
    if not d:
        return "unknown"
    value = MOVEMENT_LABEL.get(d.get("value", ""), d.get("value", ""))
    if d.get("source") == "given":
        return f"{value} (given)"
    conf = d.get("confidence")
    extra = f", camera yaw {fmt(d.get('yaw_deg'), 0, 'deg')}" if d.get("yaw_deg") is not None else ""
    return f"{value} (detected, confidence {fmt(conf, 2)}{extra})"


def _recording(result: Result, files: list[str]) -> list:
    s = result.summary
    video, pose, cleaning = s.get("video") or {}, s.get("pose") or {}, s.get("cleaning") or {}
    settings = s.get("settings") or {}
    fps = fmt(video.get("fps"), 2)
    if (video.get("slow_motion_factor") or 1) > 1:
        fps += f" (slow motion ×{fmt(video.get('slow_motion_factor'), 1)})"
    if video.get("variable_frame_rate"):
        fps += ", variable frame rate"
    rotation = f", rotation tag {video.get('rotation_deg')}°" if video.get("rotation_deg") else ""
    pairs = [
        ("Clip", f"{result.name} ({video.get('container', '?')}, {video.get('codec', '?')})"),
        ("Picture", f"{video.get('width_px')}×{video.get('height_px')} px upright{rotation}"),
        ("Frames", f"{video.get('n_frames')} over {fmt(video.get('duration_s'), 2, 's')}, {fps} fps"),
        ("Movement", _detected(s.get("movement") or {})),
        ("View", _detected(s.get("view") or {})),
    ]
    segments = s.get("segments") or []
    if len(segments) > 1:
        parts = "; ".join(
            f"{fmt(g.get('start_s'), 1)}–{fmt(g.get('end_s'), 1, 's')} {g['view']['value']} "
            f"{MOVEMENT_LABEL.get(g['movement']['value'], g['movement']['value'])}"
            + (" (verdicts)" if g.get("index") in result.primary else "")
            for g in segments
        )
        pairs.append(("Parts", parts))
    slow = s.get("slow_motion_suspected")
    if result.running and slow:
        pairs.append(("Cadence", f"withheld: the clip looks slowed down about {fmt(slow.get('factor'), 0)}×"))
    elif result.running and s.get("cadence_spm"):
        pairs.append(("Cadence", f"{fmt(s.get('cadence_spm'), 0)} steps/min"))
    model = f"{pose.get('model', '?')} (MediaPipe Pose Landmarker), sha256 {str(pose.get('model_sha256') or '?')[:12]}…"
    found = (
        f"{pose.get('frames_with_person', '?')} of {pose.get('frames', '?')} frames "
        f"({fmt(100 * (pose.get('detection_rate') or 0), 0)} %)"
    )
    shown = ("movement", "view", "cutoff_hz", "flip_average", "calibrate", "blur_faces")
    pairs += [
        ("Pose model", model),
        ("Person found", found),
        ("Cleaning", _cleaning(cleaning)),
        ("Settings", ", ".join(f"{k} {v}" for k, v in settings.items() if k in shown)),
        ("Software", f"gaitcheck {s.get('gaitcheck_version', __version__)}"),
        ("Files", ", ".join(files)),
    ]
    return [KeyValues(pairs)]


def _cleaning(c: dict) -> str:
    swaps = c.get("swaps") or {}
    parts = [
        f"low-pass {fmt(c.get('lowpass_hz'), 1)} Hz (order {c.get('lowpass_order', '?')}, zero lag)",
        f"left/right swaps repaired: {swaps.get('body_frames', 0)} whole-body, {swaps.get('leg_frames', 0)} leg frames",
        f"{c.get('interpolated_values', 0)} values interpolated",
        f"{c.get('outliers_replaced', 0)} outliers replaced",
    ]
    gaps = c.get("long_gaps")
    n_gaps = sum(v for v in gaps.values() if isinstance(v, int | float)) if isinstance(gaps, dict) else gaps
    if n_gaps:
        parts.append(f"{n_gaps:g} long gaps left empty")
    return "; ".join(parts)


def method_blocks(result: Result | None) -> list:
    """Definitions, thresholds with source and population, measurement error, limitations, filming."""
    blocks: list = [
        Para(
            "gaitcheck finds 33 body landmarks in every frame with MediaPipe Pose (each frame also mirrored and "
            "averaged), repairs left/right label swaps, fills only short gaps, rejects outliers and low-pass filters "
            "the trajectories without lag. Repetitions are counted from the pelvis height (complete ones only); "
            "running foot contacts from the feet. Each measure is read per repetition at the deepest point "
            "(running: at midstance), then averaged per leg."
        ),
        Table(
            ["Measure", "Definition and sign"],
            [[Cell(MEASURE_LABEL.get(k, k)), Cell(text)] for k, text in _definitions(result).items()],
            "2-D angles on the upright picture; 'medial' is toward the other hip, so signs are the same for both legs "
            "and for front or back views. Full definitions: docs/definitions.md.",
            widths=[1, 3],
        ),
    ]
    if result is not None and (result.summary.get("cleaning") or {}).get("calibration"):
        blocks.insert(
            1,
            Para(
                "Frontal-plane angles were corrected for MediaPipe's systematic under-reading with gaitcheck's "
                "calibration, fitted on rendered people with known angles (setting: calibrate); on rendered "
                "people not used in the fit, FPPA was then within about 3° on average (docs/accuracy.md).",
                "note",
            ),
        )
    used = result.threshold if result is not None else None
    rows = []
    for t in THRESHOLDS:
        tasks = ", ".join(MOVEMENT_LABEL.get(x, x) for x in t.tasks)
        rows.append(
            [
                Cell(tasks + (" (this clip)" if t == used else "")),
                Cell(t.measure),
                Cell(
                    f"< {t.borderline_from:g} / {t.borderline_from:g}–{t.valgus_from:g} / ≥ {t.valgus_from:g} "
                    f"(± {t.margin:g} {t.unit}: within it of an edge is borderline)"
                ),
                Cell(t.source + (" " + t.note if t.note else "")),
                Cell(t.population),
            ]
        )
    blocks.append(
        Table(
            ["Task", "Graded on", "Aligned / borderline / valgus", "Source", "Population"],
            rows,
            "Thresholds (gaitcheck.assess.THRESHOLDS). A hip 'contributes' when the femur's inward tilt makes up at "
            "least half of the FPPA, or the pelvis drops at least 5° on the other side (weak source: clinician "
            "guidance; Nakagawa 2012 reports 7.4° in controls and 10.3° with patellofemoral pain in 3-D); asked only "
            "in tasks graded on FPPA.",
            widths=[1.1, 1.4, 1.1, 4.2, 1.6],
        )
    )
    blocks.append(Para("Measurement error", "subhead"))
    blocks.append(Para(wording.MEASUREMENT_ERROR))
    blocks.append(
        Bullets(
            [f"{MEASURE_LABEL.get(k, k)}: {v[0]:g}° — {v[1]}" for k, v in ASYMMETRY_ERROR.items()],
            "small",
        )
    )
    blocks.append(Para("Limitations", "subhead"))
    blocks.append(Bullets(list(wording.LIMITATIONS)))
    blocks.append(Para("How to film (capture protocol)", "subhead"))
    blocks.append(Bullets(list(wording.CAPTURE_PROTOCOL)))
    blocks.append(Para(wording.NON_DIAGNOSTIC, "note"))
    return blocks


def _definitions(result: Result | None) -> dict[str, str]:
    notes = dict((result.summary.get("measures") if result is not None else None) or {})
    out = {}
    for key in ("fppa_deg", "hip_adduction_deg", "femoral_adduction_deg", "pelvic_drop_deg",
                "knee_medial_displacement", "knee_medial_shift", "knee_over_foot", "knee_flexion_deg", "trunk_lean_deg",
                "hip_internal_rotation_deg"):  # fmt: skip
        out[key] = notes.get(key) or SIGN_NOTE.get(key, "")
    # summary.json's note says "2nd-toe point"; gaitcheck.assess.knee_over_foot uses the foot's midline
    out["knee_over_foot"] = (
        "knee offset from the foot's midline (halfway between heel and toe tip) along the medial direction, "
        "in shank lengths, at the bottom; + knee inside"
    )
    return out


def file_list(folder: Path) -> list[str]:
    return sorted(p.name + ("/" if p.is_dir() else "") for p in folder.iterdir())
