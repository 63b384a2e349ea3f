"""The words of the report: describe the movement, never diagnose.

Sentences follow ../shared/clinical.md section 6: what the knee did relative to the hip-ankle
line, the mean +- SD over the repetitions, the other leg for comparison, reference values with their
source and population, and measurement error. FORBIDDEN lists the words a report must not use;
tests check every generated text against it.
"""

from __future__ import annotations

import math

from gaitcheck.assess import ASYMMETRY_ERROR, MIN_REPS, MIN_STEPS
from gaitcheck.report.results import Result
from gaitcheck.report.style import MOVEMENT_LABEL, fmt, plus_minus
from gaitcheck.vocabulary import SIDES

#: Words that diagnose, alarm or blame; the report describes movement instead (clinical.md 6).
FORBIDDEN = (
    "abnormal",
    "pathological",
    "weak glute",
    "injury risk",
    "risk of injury",
    "diagnosis",
    "diagnose",
    "causes your",
    "dangerous",
)

NON_DIAGNOSTIC = (
    "These are movement observations for a clinician to interpret together with the history and physical "
    "examination. On their own they do not indicate hip muscle weakness and do not predict injury."
)

MEASUREMENT_ERROR = (
    "Differences smaller than about 8° between legs or sessions are within the typical measurement error of "
    "2-D FPPA (smallest detectable difference 7.5–9°, Munro et al. 2012). In running, pelvic drop differences "
    "below about 3° and hip adduction differences below about 4° are within error (Dingenen et al. 2018)."
)

LIMITATIONS = (
    "2-D projection: every frontal-plane angle is the projection of a 3-D movement onto the picture. FPPA is not "
    "3-D knee abduction; it combines hip adduction, hip and knee rotation and knee flexion (Straub & Powers 2022).",
    "Camera angle: a camera turned about 15° from square can turn an apparent varus into valgus, and the effect "
    "grows with knee flexion, so deep squats are the most sensitive (Englander et al. 2019). gaitcheck allows for "
    "the angle it estimates in each repetition's and step's FPPA, and in a squat filmed from the front in the knee's "
    "shift over the ankle (the picture's own value is kept beside it); the "
    "allowance is approximate (both the camera's angle and the knee's bend are estimated), so filming square is "
    "still what makes FPPA reliable.",
    "Landmarks, not skin markers: published norms used markers on the ASIS, femoral condyles and malleoli; "
    "MediaPipe's hip point is a learned joint-centre estimate 3–5 cm away from them (Needham et al. 2021), which "
    "shifts FPPA by several degrees. Compare legs and sessions first; treat absolute cut-offs with care.",
    "Hip internal rotation cannot be seen in one 2-D picture. gaitcheck's estimate from MediaPipe's 3-D landmarks "
    "did not follow the true rotation on test renders, so it is not reported.",
    "Knee flexion from a front, back or oblique view is inferred, not seen: from how much thigh and shank shorten "
    "in the picture in squats, single-leg squats and step-downs; from the picture stretched back by the camera's "
    "angle when that is more than 35° off square; and from MediaPipe's 3-D landmarks otherwise (lower "
    "confidence); film from the side for knee flexion.",
    "No validated cut-offs exist for running; the single-leg-task values are used as a guide only (Souza 2016).",
)

CAPTURE_PROTOCOL = (
    "Phone on a tripod, level (no tilt), about 3 m away at mid-thigh height; the whole body, head to feet, in frame.",
    "Square to the person: in front (or behind) for squats, single-leg squats and step-downs; behind and beside for "
    "running.",
    "Shorts or tight leggings, knees and ankles visible, even light, plain background, one person in the picture.",
    "At least 5 repetitions per leg (3 is the minimum analysed), or 7+ steps per leg on a treadmill after a "
    "6–10 min warm-up.",
    "30 fps is fine for squats and step-downs (60 better); for running use 120–240 fps (slow motion).",
)


def tips_for(issues: list[dict]) -> list[str]:
    """The filming tips of the recording's quality issues, each once, in order (keyed by code
    in gaitcheck.quality: the report has no wording rules of its own for them)."""
    out: list[str] = []
    for issue in issues:
        tip = issue.get("tip")
        if tip and tip not in out:
            out.append(tip)
    return out


def check_wording(text: str) -> list[str]:
    """The forbidden words in a text (empty when it is fine)."""
    lowered = text.lower()
    return [word for word in FORBIDDEN if word in lowered]


# ------------------------------------------------------------------------------------------------
def _deg(value: float | None) -> str:
    return fmt(value, 0, "deg")


def _mean_sd(mean: float | None, sd: float | None, n: int, unit: str = "deg", digits: int = 0) -> str:
    if mean is None:
        return "–"
    return fmt(mean, digits, unit) + plus_minus(sd, n, digits, unit)


DEPTH_NOTE = (
    "Depth (side views only): from the knees' peak flexion in the repetition, partial below 70°, half 70–100°, "
    "deep beyond 100° (after Schoenfeld 2010); on gaitcheck's side-view squat render knee flexion read about 10° "
    "low (docs/accuracy.md), so a depth near a boundary may be named one step shallower."
)


def depth_phrase(result: Result, side: str) -> str:
    """', half depth' when this leg's graded repetitions mostly share one depth name; '' otherwise."""
    names = [r.get("depth") for r in result.event_rows() if r["leg"] == side and r["primary"] and r.get("depth")]
    if not names:
        return ""
    common = max(set(names), key=names.count)
    return f", {common} depth" if names.count(common) * 2 > len(names) else ", mixed depth"


def task_phrase(result: Result, side: str) -> str:
    """'During the right single-leg squat (5 reps, half depth, front view)'."""
    movement = MOVEMENT_LABEL.get(result.movement, result.movement or "movement")
    leg = result.leg(side)
    n = int(leg.get("n_steps") or leg.get("n_reps") or 0)
    view = result.view or "unknown"
    if result.running:
        return f"During running ({n} {side} stance phase{'s' if n != 1 else ''}, {view} view)"
    count = f"{n} rep{'s' if n != 1 else ''}" + depth_phrase(result, side)
    if result.movement == "squat":
        return f"During the squat ({count}, {view} view), the {side} knee"
    return f"During the {side} {movement} ({count}, {view} view)"


def _moment(result: Result) -> str:
    if result.running:
        return "at midstance"
    descents = [
        (r.get("legs") or {}).get(s, {}).get("frontal_event") == "descent"
        for r in result.summary.get("reps") or []
        for s in SIDES
    ]
    if any(descents):
        return "at the deepest point (or just before it, where the thigh pointed at the camera)"
    return "at the deepest point"


def verdict_sentences(result: Result, side: str) -> list[str]:
    """The answer for one leg in plain sentences (the first one answers the question)."""
    leg = result.leg(side)
    verdict = leg.get("verdict", "insufficient-data")
    reasons = leg.get("reasons") or []
    if verdict == "insufficient-data":
        reason = reasons[0] if reasons else "not enough data"
        return [f"No verdict for the {side} leg: {reason}."]
    other = "right" if side == "left" else "left"
    sentences: list[str] = []
    mean, sd, n = result.mean(side, "fppa_deg")
    other_mean, other_sd, other_n = result.mean(other, "fppa_deg")
    other_text = f" ({other}: {_mean_sd(other_mean, other_sd, other_n)})" if other_mean is not None else ""
    lead = task_phrase(result, side)
    if result.graded in ("knee_over_foot", "knee_medial_shift"):
        kof, kof_sd, kof_n = result.mean(side, result.graded)
        amount = _mean_sd(kof, kof_sd, kof_n, unit="", digits=2)
        if result.graded == "knee_medial_shift":
            where, inward = "over the ankle from standing to the bottom", "moved inward"
        else:
            where, inward = "the foot's midline at the bottom", "moved inside"
        if verdict == "valgus":
            what = f"{inward} ({where}), by {amount} shank lengths on average"
        elif verdict == "borderline":
            what = _borderline_shift(result, kof, inward, f"{where}; {amount} shank lengths on average")
        else:
            what = f"stayed in line or moved out ({where}; {amount} shank lengths on average)"
        subject = lead if result.movement == "squat" else f"{lead}, the knee"
        sentences.append(f"{subject} {what}.")
        if mean is not None:
            sentences.append(
                "FPPA is not graded in this task: with both feet planted and the thighs pointing at the camera, "
                "it mostly shows stance width, foot turn-out and depth "
                f"(here {_mean_sd(mean, sd, n)}{other_text}, read where the thigh was still seen)."
            )
    else:
        moment = _moment(result)
        average = f"the knee frontal plane projection angle (FPPA) {moment} averaged {_mean_sd(mean, sd, n)}"
        t = result.threshold
        low, high, error = (t.borderline_from, t.valgus_from, t.margin) if t else (10.0, 15.0, 0.0)
        margin = fmt(error, 0 if float(error).is_integer() else 1, "deg")  # as the Measured line gives it
        if verdict == "valgus":
            what = f"the knee moved medially relative to the hip–ankle line: {average}{other_text}"
        elif verdict == "borderline":
            what = (
                f"the knee moved slightly medially relative to the hip–ankle line: {average}{other_text}, "
                + _borderline_where(mean, low, high, error)
            )
        else:
            what = (
                f"the knee stayed close to the hip–ankle line: {average}{other_text}, "
                f"below {_deg(low)} by more than the measurement error (± {margin})"
            )
        sentences.append(f"{lead}, {what}.")
        sentences.append(_reference_sentence(result, verdict))
    sentences.extend(_hip_sentences(result, side, verdict))
    return [s for s in sentences if s]


def _borderline_where(mean: float | None, low: float, high: float, error: float, digits: int = 0) -> str:
    """Where a borderline leg's mean lies: in the band, or outside it within the measurement error
    (compared as shown, rounded to `digits`; degrees when 0 digits, else shank lengths)."""
    unit = "deg" if digits == 0 else ""
    edge_low, edge_high = fmt(low, digits, unit), fmt(high, digits, unit)
    margin = fmt(error, digits if digits or float(error).is_integer() else 1, unit)  # as the Measured line
    shown = None if mean is None else round(mean, digits)
    if shown is not None and low - error <= shown < low:
        return f"below {edge_low} but within the measurement error (± {margin}) of it"
    if shown is not None and high <= shown <= high + error:
        return f"from {edge_high} on, but within the measurement error (± {margin}) of it"
    if shown is not None and low <= shown < high:
        return f"between {edge_low} and {edge_high}"
    return f"between {edge_low} and {edge_high} or within the measurement error (± {margin}) of either"


def _borderline_shift(result: Result, mean: float | None, inward: str, facts: str) -> str:
    """'moved inward slightly (...)' for a borderline knee shift, saying where its mean lies."""
    t = result.threshold
    if mean is None or t is None or not t.measure.startswith(result.graded):
        return f"{inward} slightly, or within measurement error of it ({facts})"
    band = _borderline_where(mean, t.borderline_from, t.valgus_from, t.margin, digits=2)
    shown = round(mean, 2)
    how = " little if at all" if shown < t.borderline_from else ("" if shown >= t.valgus_from else " slightly")
    return f"{inward}{how} ({facts}, {band})"


def _reference_sentence(result: Result, verdict: str) -> str:
    if result.running:
        return (
            "No validated cut-offs exist for running (Souza 2016); 10° and 15° from the single-leg tasks are a guide."
        )
    reference = "healthy adults in single-leg squats (about 7–8° ± 5°; Herrington 2014, women; Ghulam 2021, men)"
    if verdict == "valgus":
        return (
            f"This is above the range reported for {reference} and similar to values reported in people with "
            "patellofemoral pain (15–17°)."
        )
    if verdict == "borderline":
        return f"This is at the upper end of the range reported for {reference}."
    return f"This is within the range reported for {reference}."


def _hip_sentences(result: Result, side: str, verdict: str) -> list[str]:
    """Does the hip keep the knee in line? From the femur's tilt and the pelvis."""
    leg = result.leg(side)
    contributes = leg.get("hip_contributes")
    femoral, femoral_sd, femoral_n = result.mean(side, "femoral_adduction_deg")
    drop, _, drop_n = result.mean(side, "pelvic_drop_deg")
    fppa, _, _ = result.mean(side, "fppa_deg")
    event = "steps" if result.running else "reps"
    if verdict == "aligned":
        return ["The hip kept the knee in line in this task."]
    if result.graded != "fppa_deg":  # gaitcheck.assess.assess_leg asks only where FPPA is graded
        return [
            "Whether the hip drives it is not judged in this task: that is read from the thigh's tilt in the "
            "picture, and here the thighs point at the camera."
        ]
    if contributes:
        parts = []
        if femoral is not None and fppa and fppa > 3 and femoral >= fppa:
            parts.append(
                f"all of the inward angle came from the thigh tilting inward (femoral adduction "
                f"{_mean_sd(femoral, femoral_sd, femoral_n)}, as much as the FPPA or more)"
            )
        elif femoral is not None and fppa and fppa > 3 and femoral / fppa >= 0.5:
            parts.append(
                f"most of the inward angle came from the thigh tilting inward (femoral adduction "
                f"{_mean_sd(femoral, femoral_sd, femoral_n)}, {femoral / fppa:.0%} of the FPPA)"
            )
        if drop is not None and drop >= 5.0 and result.running:  # how far: running_pelvis_sentence
            parts.append("the pelvis dropped on the opposite side")
        elif drop is not None and drop >= 5.0:
            parts.append(f"the pelvis dropped on the opposite side by about {_deg(drop)} (mean of {drop_n} {event})")
        text = " and ".join(parts) if parts else "the hip contributed to the inward angle"
        return [
            text[0].upper() + text[1:] + ".",
            "This pattern is consistent with reduced frontal-plane control of the hip and knee "
            "('dynamic knee valgus').",
        ]
    if contributes is False:
        sentences = [
            "The thigh's inward tilt and the pelvis explain little of it; the shank and foot may be worth assessing."
        ]
        low = next((r for r in leg.get("reasons") or [] if "reads about" in r and "low" in r), None)
        if low:  # on one leg MediaPipe under-reads the pelvic drop (gaitcheck.assess)
            sentences.append(f"Note: {low}.")
        return sentences
    return []


def confidence_sentence(result: Result, side: str) -> str:
    leg = result.leg(side)
    level = leg.get("confidence", "low")
    reasons = [r for r in leg.get("confidence_reasons") or [] if r not in (leg.get("reasons") or [])]
    if leg.get("verdict") == "insufficient-data":
        return ""
    return f"Confidence {level}" + (": " + "; ".join(reasons) + "." if reasons else ".")


def allowance_sentence(result: Result, side: str) -> str:
    """The leg's reason saying its graded measure allows for the camera's angle, and what the picture
    itself showed (assess.assess_leg), as a sentence; '' when nothing was allowed for."""
    leg = result.leg(side)
    if leg.get("verdict", "insufficient-data") == "insufficient-data":
        return ""
    allowed = [r for r in leg.get("reasons") or [] if r.startswith("allowing for the camera")]
    return (allowed[0][0].upper() + allowed[0][1:] + ".") if allowed else ""


def asymmetry_sentences(result: Result) -> list[str]:
    out = []
    for measure, facts in (result.summary.get("asymmetry") or {}).items():
        diff, error = facts.get("left_minus_right"), facts.get("measurement_error")
        if diff is None or error is None:
            continue
        if measure != "fppa_deg" and not result.running:
            continue  # the running SDDs (Dingenen 2018) do not apply to squats
        name = {"fppa_deg": "FPPA", "hip_adduction_deg": "hip adduction", "pelvic_drop_deg": "pelvic drop"}[measure]
        size = abs(diff)
        if size >= error + 1:
            where = "beyond"
        elif size >= error - 1:
            where = "at the limit of"
        else:
            where = "within"
        source = ASYMMETRY_ERROR.get(measure, (error, ""))[1].split(":")[0].split(" (")[0]
        out.append(
            f"The left–right difference in {name} ({_deg(size)}) is {where} typical 2-D measurement error "
            f"(about {_deg(error)}, {source})."
        )
    return out


def running_pelvis_sentence(result: Result, side: str) -> str:
    if not result.running or result.leg(side).get("verdict") == "insufficient-data":
        return ""
    drop, _, n = result.mean(side, "pelvic_drop_deg")
    femoral, _, _ = result.mean(side, "femoral_adduction_deg")
    if drop is None:
        return ""
    if drop >= 1.0:
        moved = f"the pelvis dropped on the opposite side by about {_deg(drop)}"
    elif drop <= -1.0:
        moved = f"the pelvis rose on the opposite side by about {_deg(-drop)} instead of dropping"
    else:
        moved = "the pelvis stayed about level"
    text = f"On the {side} stance leg {moved} (mean of {n} steps)"
    if femoral is not None:
        text += f", with femoral adduction of {_deg(femoral)}"
    return (
        text + ". Greater pelvic drop has been associated with running injuries in cross-sectional studies; "
        "a causal link has not been established."
    )


HAND_ADJUSTED_NOTE = (
    "By hand: the key frame's hip, knee and ankle placed by a clinician on the result page; FPPA re-measured "
    "from those points and graded against the same threshold (a repetition graded on knee shift keeps its grade). "
    "The automatic values beside it are unchanged."
)


def hand_adjusted_sentence(result: Result, side: str) -> str:
    """What the clinician's key-frame edits make of this leg, beside (never instead of) the automatic verdict."""
    hand = result.leg(side).get("hand_adjusted")
    if not hand:
        return ""
    adjusted, events = hand.get("events_adjusted", 0), hand.get("events", 0)
    what = f"{adjusted} of {events} key frame{'s' if events != 1 else ''} on this leg adjusted by hand"
    if hand.get("verdict") is None:
        return f"{what.capitalize()}; the grade rests on knee shift, which one frame cannot give, so it stands."
    word = {"valgus": "inward (valgus range)", "borderline": "borderline", "aligned": "aligned"}
    grade = word.get(hand["verdict"], hand["verdict"])
    fppa = _mean_sd(hand.get("mean"), hand.get("sd"), hand.get("n", 0))
    return (
        f"{what.capitalize()}: with them, FPPA averages {fppa}, "
        f"which grades {grade}. The verdict above is gaitcheck's automatic one."
    )


def headline(result: Result) -> str:
    """One line under the title: the task, the view and how many events."""
    movement = MOVEMENT_LABEL.get(result.movement, result.movement or "movement")
    m, v = result.summary.get("movement") or {}, result.summary.get("view") or {}

    def how(d: dict) -> str:
        if d.get("source") == "given":
            return "given"
        conf = d.get("confidence")
        return f"detected, confidence {conf:.2f}" if isinstance(conf, float | int) else "detected"

    if result.running:
        steps = result.summary.get("steps") or []
        cadence = result.summary.get("cadence_spm")
        events = f"{len(steps)} steps" + (f", cadence {cadence:.0f} steps/min" if cadence else "")
    else:
        reps = result.summary.get("reps") or []
        events = f"{len(reps)} repetition{'s' if len(reps) != 1 else ''}"
    return f"{movement.capitalize()} ({how(m)}) · {result.view or 'unknown'} view ({how(v)}) · {events}"


def minimum_events(result: Result) -> int:
    return MIN_STEPS if result.running else MIN_REPS


def is_finite(value) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
