"""The moments a clinician reads the angles at: repetitions and foot contacts.

* Squat-like tasks: each repetition's start, bottom and end from the height of the pelvis
  (bottom = lowest pelvis, the usual event for FPPA: Willson & Davis 2008, Munro 2012), and the
  stance leg: the foot that stays put.
* Running: each foot's initial contact, midstance and toe-off from the foot's height above the
  floor line; cadence from the contact times.

Everything works on cleaned landmarks of one segment (one shot, one view); times are the video's
real timestamps.
"""

from __future__ import annotations

import itertools

import numpy as np

from gaitcheck.landmarks import INDEX, PoseSeries
from gaitcheck.model import Rep, Step
from gaitcheck.signals import detrend, find_peaks
from gaitcheck.vocabulary import SIDES, SINGLE_LEG_MOVEMENTS, Side, StanceLeg

REP_MIN_DEPTH_TORSO = 0.08  # the pelvis must go down at least this far (torso lengths) to count
REP_MIN_SHARE_OF_RANGE = 0.3  # ... and by at least this share of the clip's largest excursion
REP_RETURN_SHARE = 0.25  # a repetition starts/ends where the pelvis is within this share of standing
REP_MIN_GAP_S = 0.6  # two bottoms closer than this are one repetition
MIN_CONTACT_S = 0.07  # shorter "contacts" are landmark noise (stance lasts ~0.2 s)
LANDING_SPEED_LEG_S = 0.8  # a foot coming down at least this fast (leg lengths/s) is landing
#: ... and at least this share of the fastest foot speed in the segment. Seen from behind at an angle,
#: the landing comes down slower in the picture than the foot rises after toe-off: 0.3 found 72 of 102
#: true contacts within 35 ms on the accuracy renders, 0.2 found 81 (chosen there); on renders held out
#: from that choice, 29 -> 39 of 58 (accuracy-heldout) and 47 -> 50 of 76 (bystander), with no more
#: extra steps, and tests/synth/test_running_contacts.py 4 -> 8 of 8 [derived].
LANDING_SHARE = 0.2
LIFT_SHARE = 0.25  # ... and it has taken off once it rises at this share of the fastest foot speed
FOOT_TRAVEL_LEG = 0.3  # front view: feet travelling less than this fore and aft (leg lengths) = running in place
NEAREST_PROMINENCE_SHARE = 0.3  # front view: a contact's low point stands out by this share of the foot's range
FRONT_LIFT_SHARE = 0.5  # front view: the foot has lifted once it rises at this share of its top speed
BRAKING_ONSET_SHARE = 0.5  # back view: contact where the foot's braking reaches this share of its peak
LANDING_WINDOW_S = 0.08  # contact comes within this time of the fastest fall (the foot is braked to a stop)
#: A foot point is on the floor while within this of its mid-stance level, in leg lengths (~1.3 cm):
#: about the jitter of MediaPipe's filtered foot points side-on (~1 cm). A foot lands and lifts at
#: ~1 m/s, so each centimetre more times contact ~10 ms early and toe-off late: at 0.03 side-view
#: renders' contacts came 25 ms early and toe-offs 35 ms late (docs/side-running.md) [derived].
FLOOR_TOLERANCE_LEG = 0.015
#: A refined stance shorter than this is a landmark glitch: the reach events are kept.
MIN_FLOOR_STANCE_S = 0.05
#: How far before the reach contact and after the reach toe-off the floor contact is looked for.
REFINE_PAD_S = 0.05
#: Where a foot lands relative to its most forward reach, in shares of the reach stance: a little
#: before (a landmark's wobble) to a little after (on renders 0.03-0.07 s of a ~0.3 s reach stance);
#: a step re-timed outside this was misread. Shares, not seconds: a slowed-down file keeps them.
REACH_CONTACT_SHARE = (-0.2, 0.35)
#: Where the foot leaves the floor relative to its furthest reach back, in shares of the reach
#: stance: up to this much before (~0.13 s of ~0.4 s on a real treadmill clip) ...
REACH_TOE_OFF_SHARE = (-0.6, 0.2)
#: A foot's steps are re-timed only when at least this many agree (one offset for all of them).
MIN_RETIMED_STEPS = 3
# Running cadence: recreational runners take about 160-180 steps/min (Heiderscheit et al. 2011, Med Sci
# Sports Exerc 43:296), elite ones up to ~200+; below 120 steps/min nobody runs (that is walking), so an
# apparent cadence below it means a slowed-down file. Phones record at 120/240 fps and often store 30 fps:
# the slow-motion factor is then a power of two.
RUN_CADENCE_MIN_SPM = 120.0
#: Above this nobody runs for long (sprinters reach ~260 steps/min for seconds; distance runners stay
#: under ~210): a higher count is landmark noise taken for contacts, so no cadence is given (issue 11).
RUN_CADENCE_MAX_SPM = 230.0
RUN_CADENCE_TYPICAL_SPM = 170.0
#: Cadence from the contacts and from the feet's alternation agree when within this share.
CADENCE_AGREEMENT = 0.1
SLOW_MOTION_FACTORS = (2.0, 4.0, 8.0, 16.0)


def _fill(values: np.ndarray, time_s: np.ndarray) -> np.ndarray:
    ok = np.isfinite(values)
    if ok.sum() < 2:
        return np.zeros_like(values)
    return np.interp(time_s, time_s[ok], values[ok])


def pelvis_depth_torso(series: PoseSeries) -> np.ndarray:
    """How low the pelvis is (image y of the mid-hip, down positive), in torso lengths."""
    mid_hip_y = (series.px("left_hip")[:, 1] + series.px("right_hip")[:, 1]) / 2
    return mid_hip_y / series.body_scale_px()


# ------------------------------------------------------------------------------------------------
# repetitions
# ------------------------------------------------------------------------------------------------
def find_reps(series: PoseSeries, movement: str, segment: int = 0, first_index: int = 0) -> list[Rep]:
    """Complete repetitions: down from standing, a bottom, and back up. Partial ones at the clip's
    edges (it starts at the bottom, or ends on the way down) are not counted."""
    if series.n_frames < 5 or not np.isfinite(series.body_scale_px()):
        return []
    t = series.time_s
    raw = pelvis_depth_torso(series)
    depth = _fill(raw, t)
    valid = np.isfinite(raw)
    if valid.sum() < 5:
        return []
    span = float(np.percentile(depth[valid], 98) - np.percentile(depth[valid], 2))
    prominence = max(REP_MIN_DEPTH_TORSO, REP_MIN_SHARE_OF_RANGE * span)
    dt = series.frame_step_s
    bottoms = find_peaks(depth, prominence=prominence, distance=max(1, int(REP_MIN_GAP_S / dt)))
    standing_level = float(np.percentile(depth[valid], 5))
    reps: list[Rep] = []
    for k, bottom in enumerate(bottoms):
        lo = bottoms[k - 1] if k > 0 else 0
        hi = bottoms[k + 1] if k + 1 < len(bottoms) else len(depth) - 1
        start = _standing_before(depth, int(lo), int(bottom), standing_level)
        end = _standing_after(depth, int(bottom), int(hi), standing_level)
        if start is None or end is None or not valid[bottom]:
            continue
        standing = min(depth[start], depth[end])
        if depth[bottom] - standing < REP_MIN_DEPTH_TORSO:
            continue
        reps.append(
            Rep(
                index=first_index + len(reps),
                start_frame=int(series.frame[start]),
                bottom_frame=int(series.frame[bottom]),
                end_frame=int(series.frame[end]),
                start_s=float(t[start]),
                bottom_s=float(t[bottom]),
                end_s=float(t[end]),
                stance_leg=stance_leg(series, start, end, movement),
                depth_torso=float(depth[bottom] - standing),
                segment=segment,
            )
        )
    return reps


def _standing_before(depth: np.ndarray, lo: int, bottom: int, standing: float) -> int | None:
    """Last frame before the bottom where the pelvis was back near standing height.

    `lo` is the previous bottom (or the segment's start); `standing` is the segment's usual
    standing height, which a stretch cut off by the segment's start must reach to count.
    """
    if bottom - lo < 2:
        return None
    window = depth[lo:bottom]
    top = int(np.argmin(window))
    level = window[top] + REP_RETURN_SHARE * (depth[bottom] - window[top])
    if top == 0 and window[0] > standing + REP_RETURN_SHARE * (depth[bottom] - standing):
        return None  # the segment starts on the way down or at the bottom
    above = np.flatnonzero(window[top:] <= level)
    return lo + top + int(above[-1])


def _standing_after(depth: np.ndarray, bottom: int, hi: int, standing: float) -> int | None:
    """First frame after the bottom where the pelvis is back near standing height."""
    if hi - bottom < 2:
        return None
    window = depth[bottom + 1 : hi + 1]
    top = int(np.argmin(window))
    level = window[top] + REP_RETURN_SHARE * (depth[bottom] - window[top])
    if top == len(window) - 1 and window[-1] > standing + REP_RETURN_SHARE * (depth[bottom] - standing):
        return None  # the segment ends before the person is back up
    back = np.flatnonzero(window[: top + 1] <= level)
    return bottom + 1 + int(back[0])


def stance_leg(series: PoseSeries, start: int, end: int, movement: str) -> StanceLeg:
    """The leg that carries the repetition: 'both' for bilateral squats; in a lunge the front leg
    (the back knee sinks toward the floor). Otherwise the planted foot: the one still seen when the
    other is hidden (held up behind), the one that stays put when the other clearly moves, and
    failing that the one under the body's centre (one can only balance over the standing foot)."""
    if movement not in SINGLE_LEG_MOVEMENTS:
        return "both"
    if movement == "lunge":
        return stance_in_lunge(series, start, end)
    rows = slice(start, end + 1)
    seen = {side: float(np.isfinite(series.px(f"{side}_ankle")[rows, 0]).mean()) for side in SIDES}
    if min(seen.values()) < 0.5 <= max(seen.values()):
        return max(seen, key=lambda side: seen[side])
    motion = foot_motion(series, start, end)
    still, moving = sorted(motion, key=lambda side: motion[side])
    if motion[moving] > 0.05 and motion[moving] > 2.5 * motion[still]:
        return still
    return stance_by_balance(series, start, end)


def stance_in_lunge(series: PoseSeries, start: int, end: int) -> Side:
    """The front leg: at the lunge's lowest point, the back knee sinks toward its foot."""
    depth = pelvis_depth_torso(series)[start : end + 1]
    if not np.isfinite(depth).any():
        return stance_by_motion(series, start, end)
    bottom = start + int(np.nanargmax(depth))
    knee_above_ankle = {
        side: series.px(f"{side}_ankle")[bottom, 1] - series.px(f"{side}_knee")[bottom, 1] for side in SIDES
    }
    if not all(np.isfinite(v) for v in knee_above_ankle.values()):
        return stance_by_motion(series, start, end)
    return max(knee_above_ankle, key=lambda side: knee_above_ankle[side])


def foot_motion(series: PoseSeries, start: int, end: int) -> dict[Side, float]:
    """How far each ankle travels over the repetition (5th-95th percentile box, torso lengths);
    infinite for a foot that is not seen."""
    scale = series.body_scale_px()
    motion: dict[Side, float] = {}
    for side in SIDES:
        ankle = series.px(f"{side}_ankle")[start : end + 1] / scale
        finite = ankle[np.isfinite(ankle).all(axis=1)]
        if len(finite) < 2:
            motion[side] = np.inf
            continue
        motion[side] = float((np.percentile(finite, 95, axis=0) - np.percentile(finite, 5, axis=0)).sum())
    return motion


def stance_by_motion(series: PoseSeries, start: int, end: int) -> Side:
    """The foot that moves least over the repetition (both still: the lower one)."""
    motion = foot_motion(series, start, end)
    still, moving = sorted(motion, key=lambda side: motion[side])
    if motion[moving] > 0.08 and motion[moving] > 1.5 * motion[still]:
        return still
    height = {side: float(np.nanmedian(series.px(f"{side}_ankle")[start : end + 1, 1])) for side in motion}
    return max(height, key=lambda side: height[side] if np.isfinite(height[side]) else -np.inf)


def stance_by_balance(series: PoseSeries, start: int, end: int) -> Side:
    """The foot horizontally closest to the body's centre (mean of hips and shoulders)."""
    rows = slice(start, end + 1)
    px = series.px
    centre_x = (
        px("left_hip")[rows, 0]
        + px("right_hip")[rows, 0]
        + px("left_shoulder")[rows, 0]
        + px("right_shoulder")[rows, 0]
    ) / 4
    offset = {
        side: float(np.nanmedian(np.abs(px(f"{side}_ankle")[rows, 0] - centre_x)))
        if np.isfinite(px(f"{side}_ankle")[rows, 0]).any()
        else np.inf
        for side in SIDES
    }
    if not np.isfinite(min(offset.values())):
        return stance_by_motion(series, start, end)
    return min(offset, key=lambda side: offset[side])


# ------------------------------------------------------------------------------------------------
# running: foot contacts
# ------------------------------------------------------------------------------------------------
def _foot_bottom_y(series: PoseSeries, side: str) -> np.ndarray:
    """The lowest point of the foot in the picture (largest y of heel, toe and ankle)."""
    points = np.stack([series.px(f"{side}_{j}")[:, 1] for j in ("heel", "foot_index", "ankle")], axis=1)
    with np.errstate(all="ignore"):
        return np.where(np.isfinite(points).any(axis=1), np.nanmax(np.nan_to_num(points, nan=-np.inf), axis=1), np.nan)


def find_steps(series: PoseSeries, view: str = "front", segment: int = 0) -> list[Step]:
    """Stance phases of each foot. Side-on, from how far each foot reaches in front of and behind
    the pelvis (Zeni et al. 2008, Gait Posture 27:710-714: contact at the foot's most forward
    position, toe-off at its most backward one); from the front, where the landing foot is at its
    lowest in the picture (nearest the camera and on the floor); from behind, or when running in
    place (the feet do not travel fore and aft), where the foot's fall is braked. Stances far
    shorter than the typical one are landmark glitches."""
    if series.n_frames < 5:
        return []
    if view == "side":
        steps = _steps_from_reach(series, segment)
    elif view == "front" and _fore_aft_travel_leg(series) >= FOOT_TRAVEL_LEG:
        steps = _steps_from_nearest_point(series, segment)
    else:
        steps = _steps_from_height(series, segment)
    if len(steps) >= 3:
        typical = float(np.median([s.stance_s for s in steps]))
        steps = [s for s in steps if s.stance_s >= 0.4 * typical]
    return steps


def _step(series: PoseSeries, side: Side, start: int, stop: int, pelvis: np.ndarray, segment: int) -> Step:
    t = series.time_s
    mid = start + int(np.argmax(pelvis[start:stop]))  # midstance: the pelvis at its lowest
    return Step(
        leg=side,
        contact_frame=int(series.frame[start]),
        midstance_frame=int(series.frame[mid]),
        toe_off_frame=int(series.frame[stop - 1]),
        contact_s=float(t[start]),
        midstance_s=float(t[mid]),
        toe_off_s=float(t[stop - 1]),
        segment=segment,
    )


def _steps_from_nearest_point(series: PoseSeries, segment: int) -> list[Step]:
    """Front view: at initial contact the foot is as far forward as it gets and on the floor, so
    it is at its lowest in the picture (the camera looks slightly down at the floor); through
    stance the belt (or the body passing over it) carries it away and up the picture. Contact:
    the prominent lowest points of the foot (a smaller dip as the swinging foot passes is not
    one). Toe-off: the foot rising fast, and at the latest the other foot's contact (running
    has a flight phase; this bounds stance time, it does not measure it well)."""
    t, dt, leg_length = series.time_s, series.frame_step_s, _leg_length_px(series)
    if not np.isfinite(leg_length):
        return []
    pelvis = _fill(pelvis_depth_torso(series), t)
    contacts: dict[str, np.ndarray] = {}
    speeds: dict[str, np.ndarray] = {}
    for side in SIDES:
        raw = _foot_bottom_y(series, side)
        if np.isfinite(raw).sum() < 5:
            contacts[side] = np.array([], int)
            continue
        y = _fill(raw, t) / leg_length
        span = float(np.nanpercentile(y, 95) - np.nanpercentile(y, 5))
        found = find_peaks(y, prominence=NEAREST_PROMINENCE_SHARE * span, distance=max(1, int(0.2 / dt)))
        contacts[side] = found[np.isfinite(raw[found])]
        speeds[side] = np.gradient(y, t)
    steps: list[Step] = []
    for side, other in (("left", "right"), ("right", "left")):
        if not contacts[side].size:
            continue
        top = float(np.nanpercentile(np.abs(speeds[side]), 95))
        for contact in contacts[side]:
            later = contacts[other][contacts[other] > contact]
            last = int(later[0]) if later.size else len(t) - 1
            earliest = contact + max(1, int(round(MIN_CONTACT_S / dt)))
            rising = np.flatnonzero(speeds[side][earliest:last] <= -FRONT_LIFT_SHARE * top)
            stop = earliest + int(rising[0]) if rising.size else last
            if stop > contact:
                steps.append(_step(series, side, int(contact), stop, pelvis, segment))
    return sorted(steps, key=lambda s: s.contact_s)


def _steps_from_height(series: PoseSeries, segment: int) -> list[Step]:
    """Back view (and unknown views): the foot lands where its fast descent in the picture is
    braked hardest and takes off when it starts rising fast. Seen from behind, the standing foot
    drifts toward the camera (down the picture), so its lowest point marks toe-off, not contact;
    the landing's deceleration marks contact."""
    t, dt, leg_length = series.time_s, series.frame_step_s, _leg_length_px(series)
    if not np.isfinite(leg_length):
        return []
    pelvis = _fill(pelvis_depth_torso(series), t)
    steps: list[Step] = []
    for side in SIDES:
        raw = _foot_bottom_y(series, side)
        if np.isfinite(raw).sum() < 5:
            continue
        speed = np.gradient(_fill(raw, t) / leg_length, t)  # leg lengths per second, + = moving down
        braking = np.gradient(speed, t)
        top = float(np.nanpercentile(np.abs(speed), 95))
        landings = find_peaks(
            speed, height=max(LANDING_SPEED_LEG_S, LANDING_SHARE * top), distance=max(1, int(0.1 / dt))
        )
        previous_stop = -1
        for peak in (int(p) for p in landings):
            if peak <= previous_stop:
                continue  # a second bump while the foot is already down
            # the foot lands where its descent is braked hardest, shortly after its fastest fall
            window = slice(peak, min(len(t), peak + max(2, int(round(LANDING_WINDOW_S / dt))) + 1))
            hardest = peak + int(np.argmin(braking[window]))
            # contact is where the braking sets in (half its peak): after the heel strikes, the
            # forefoot still comes down, so the hardest braking comes a little after contact
            onset = np.flatnonzero(braking[peak : hardest + 1] <= BRAKING_ONSET_SHARE * braking[hardest])
            contact = peak + int(onset[0]) if onset.size else hardest
            rising = np.flatnonzero(speed[contact:] <= -LIFT_SHARE * top)
            if rising.size == 0:
                break
            stop = contact + int(rising[0])
            previous_stop = stop
            if (stop - contact) * dt >= MIN_CONTACT_S and np.isfinite(raw[contact]):
                steps.append(_step(series, side, contact, stop, pelvis, segment))
    return sorted(steps, key=lambda s: s.contact_s)


def _steps_from_reach(series: PoseSeries, segment: int) -> list[Step]:
    """Side view: contact when the foot is furthest in front of the pelvis, toe-off when furthest
    behind (Zeni 2008), in the running direction given by the feet (toe ahead of heel)."""
    t, dt = series.time_s, series.frame_step_s
    px = series.px
    pelvis_x = (px("left_hip")[:, 0] + px("right_hip")[:, 0]) / 2
    forward = running_direction(series)
    if not np.isfinite(forward):
        return _steps_from_height(series, segment)
    pelvis = _fill(pelvis_depth_torso(series), t)
    leg_length = _leg_length_px(series)
    min_gap = max(1, int(0.2 / dt))
    steps: list[Step] = []
    for side in SIDES:
        heel = _fill((px(f"{side}_heel")[:, 0] - pelvis_x) * forward / leg_length, t)
        toe = _fill((px(f"{side}_foot_index")[:, 0] - pelvis_x) * forward / leg_length, t)
        contacts = find_peaks(heel, prominence=0.2, distance=min_gap)
        toe_offs = find_peaks(-toe, prominence=0.2, distance=min_gap)
        reach_rows = []
        for k, start in enumerate(contacts):
            next_contact = contacts[k + 1] if k + 1 < len(contacts) else len(t)
            later = toe_offs[(toe_offs > start) & (toe_offs < next_contact)]
            if later.size == 0:
                continue
            stop = int(later[0]) + 1
            if (stop - start) * dt >= MIN_CONTACT_S and stop < len(t):
                reach_rows.append((int(start), stop))
        floor_rows = on_the_floor(series, side, reach_rows, leg_length)
        if contacts.size and (not reach_rows or contacts[-1] > reach_rows[-1][0]):
            last = last_stance(series, side, int(contacts[-1]), reach_rows, floor_rows, leg_length)
            floor_rows = floor_rows + ([] if last is None else [last])
        for first, after_last in floor_rows:
            steps.append(_step(series, side, first, after_last, pelvis, segment))
    return sorted(steps, key=lambda s: s.contact_s)


def last_stance(
    series: PoseSeries,
    side: Side,
    contact: int,
    reach_rows: list[tuple[int, int]],
    floor_rows: list[tuple[int, int]],
    leg_px: float,
) -> tuple[int, int] | None:
    """A foot's last stance when the clip ends before its reach toe-off (the foot is furthest
    behind only ~0.1 s after it has left the floor, so a stance that ends in the clip's last tenth
    of a second has no reach toe-off). Its contact is moved like the foot's other contacts (their
    median offset, `on_the_floor`); its toe-off is where the foot leaves its floor level, which must
    be seen before the clip ends: a stance the clip cuts off is not a step. None when it is cut
    off or the foot's other steps give no typical length."""
    if not reach_rows:
        return None
    n = series.n_frames
    typical = int(np.median([stop - start for start, stop in reach_rows]))
    provisional = min(contact + typical, n - 1)
    floor = floor_contact_rows(series, side, contact, provisional, leg_px)
    if floor is None or floor[1] - 1 >= min(n - 1, provisional + _refine_pad_rows(series)):  # still down at the end
        return None
    shift = float(np.median([f[0] - r[0] for f, r in zip(floor_rows, reach_rows, strict=True)]))
    first = max(0, contact + int(round(shift)))
    return (first, floor[1]) if (floor[1] - first) * series.frame_step_s >= MIN_CONTACT_S else None


def on_the_floor(
    series: PoseSeries, side: Side, reach_rows: list[tuple[int, int]], leg_px: float
) -> list[tuple[int, int]]:
    """One foot's stances (first row on the floor, one past the last) from its reach events: each
    moved by the median offset between the reach events and the foot on the floor over this foot's
    steps (`floor_contact_rows`). One offset per clip and foot, not one per step: the floor level is
    crossed slowly, so a step's own crossing moves by several frames with a few pixels of landmark
    noise (a mirrored copy of a real clip: up to 4 frames at 60 fps), while the reach peak does not."""
    pairs = []
    for start, stop in reach_rows:
        floor = floor_contact_rows(series, side, start, stop - 1, leg_px)
        if floor is None:
            continue
        early, late = (floor[0] - start) / (stop - start), (floor[1] - stop) / (stop - start)
        low, high = REACH_CONTACT_SHARE
        if low <= early <= high and REACH_TOE_OFF_SHARE[0] <= late <= REACH_TOE_OFF_SHARE[1]:
            pairs.append((floor[0] - start, floor[1] - stop))
    if len(pairs) < MIN_RETIMED_STEPS:
        return reach_rows
    early, late = (int(round(float(np.median(column)))) for column in zip(*pairs, strict=True))
    last = series.n_frames
    moved = [(min(last - 2, max(0, start + early)), min(last, stop + late)) for start, stop in reach_rows]
    return [(a, max(b, a + 2)) for a, b in moved]  # a short misread stance still marks a contact


def floor_contact_rows(series: PoseSeries, side: Side, start: int, stop: int, leg_px: float) -> tuple[int, int] | None:
    """The rows of initial contact and one past the last frame on the floor, from the foot's height,
    for the step whose reach contact and reach toe-off are rows `start` and `stop`.

    A side-view step is first timed by the foot's reach (Zeni 2008). In running the foot
    is furthest behind a little after it leaves the floor (on a real treadmill clip ~8 frames late at
    60 fps, stance 0.40 s for about 0.25 s, so the swing's knee flexion counted as stance), and on
    rendered runners it is also furthest ahead a few frames before it lands. Here each foot point
    (heel, toe tip) has its own floor level: its height in the middle third of the reach window (the
    foot flat); MediaPipe's heel point sits a few centimetres above the sole, so one level for the
    whole foot would miss a heel landing. The foot is down while either point is within
    FLOOR_TOLERANCE_LEG of its level. Contact: the first frame down from a little before the reach
    contact; toe-off: the last frame down up to a little after the reach toe-off (a single frame's
    glitch inside stance does not cut it short). None when the foot is not seen well enough; the
    reach events are then used as they are."""
    dt = series.frame_step_s
    if stop - start < 3 or not np.isfinite(leg_px) or dt <= 0:
        return None
    third = (stop - start) // 3
    pad = _refine_pad_rows(series)
    lo, hi = max(0, start - pad), min(series.n_frames - 1, stop + pad)
    down = np.zeros(hi - lo + 1, dtype=bool)
    for point in ("heel", "foot_index"):
        y = series.px(f"{side}_{point}")[:, 1] / leg_px
        flat = y[start + third : stop - third + 1]
        if np.isfinite(flat).sum() < 2:
            continue
        level = float(np.nanmedian(flat)) - FLOOR_TOLERANCE_LEG
        down |= np.nan_to_num(y[lo : hi + 1], nan=-np.inf) >= level
    centre = (start + stop) // 2 - lo
    if not down.any():
        return None
    on = np.flatnonzero(down)
    first, last = lo + int(on[0]), lo + int(on[-1])
    if not first - lo <= centre <= last - lo or (last - first) * dt < MIN_FLOOR_STANCE_S:
        return None
    return first, last + 1


def _refine_pad_rows(series: PoseSeries) -> int:
    """REFINE_PAD_S in rows: how far around the reach events `floor_contact_rows` looks."""
    return max(1, int(round(REFINE_PAD_S / series.frame_step_s)))


def running_direction(series: PoseSeries) -> float:
    """+1 when the runner faces the picture's right (toes ahead of heels), -1 facing left, NaN when
    the feet do not tell."""
    px = series.px
    toe_ahead = np.concatenate([px(f"{s}_foot_index")[:, 0] - px(f"{s}_heel")[:, 0] for s in SIDES])
    if not np.isfinite(toe_ahead).any():
        return float("nan")
    sign = float(np.sign(np.nanmedian(toe_ahead)))
    return sign if sign != 0 else float("nan")


def _fore_aft_travel_leg(series: PoseSeries) -> float:
    """How far the feet travel fore and aft of the pelvis (5th-95th percentile, leg lengths), from
    MediaPipe's world depth: ~0.4-0.7 on a treadmill or overground, < 0.2 running in place."""
    world = series.world_m
    pelvis_z = (world[:, INDEX["left_hip"], 2] + world[:, INDEX["right_hip"], 2]) / 2
    travel = []
    for side in SIDES:
        leg = np.linalg.norm(world[:, INDEX[f"{side}_hip"]] - world[:, INDEX[f"{side}_ankle"]], axis=1)
        z = world[:, INDEX[f"{side}_heel"], 2] - pelvis_z
        if np.isfinite(z).sum() >= 5 and np.isfinite(leg).any():
            travel.append(float(np.subtract(*np.nanpercentile(z, [95, 5])) / np.nanmedian(leg)))
    return float(np.median(travel)) if travel else 0.0


def _leg_length_px(series: PoseSeries) -> float:
    lengths = np.concatenate(
        [np.linalg.norm(series.px(f"{s}_hip") - series.px(f"{s}_ankle"), axis=1) for s in ("left", "right")]
    )
    value = float(np.nanmedian(lengths)) if np.isfinite(lengths).any() else float("nan")
    return value if value > 0 else float("nan")


def _true_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    padded = np.concatenate([[False], mask, [False]]).astype(int)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2], edges[1::2], strict=True))


def cadence_spm(steps: list[Step]) -> float | None:
    """Steps per minute, from each foot's stride time (contact to its next contact): pooling
    both feet's strides is not biased by one foot's contacts being timed a frame later. With too
    few strides, from the time between contacts of alternate feet. The mean of the intervals that
    agree (`_consistent`), not their median: contacts fall on whole frames, and a median picks one
    frame-rounded stride (at 30 fps +-2.4 % of a typical stride) where the mean averages the
    rounding out. None above RUN_CADENCE_MAX_SPM."""
    strides: list[float] = []
    for leg in SIDES:
        contacts = np.sort([s.contact_s for s in steps if s.leg == leg])
        strides.extend(np.diff(contacts).tolist())
    cadence = None
    if len(strides) >= 2 and (usable := _consistent(np.asarray(strides))).size >= 2:
        cadence = float(120.0 / np.mean(usable))
    else:
        ordered = sorted(steps, key=lambda s: s.contact_s)
        alternating = [b.contact_s - a.contact_s for a, b in itertools.pairwise(ordered) if a.leg != b.leg]
        usable = _consistent(np.asarray(alternating))
        cadence = float(60.0 / np.mean(usable)) if usable.size >= 2 else None
    return cadence if cadence is None or cadence <= RUN_CADENCE_MAX_SPM else None


def running_cadence_spm(series: PoseSeries, steps: list[Step]) -> float | None:
    """Cadence from the contacts (`cadence_spm`), checked against how fast the feet swap places
    (`feet_alternation_hz`: on 19 rendered and real running segments the two agreed within 3 %).
    Where the contacts give none or disagree by more than CADENCE_AGREEMENT (a leg's contacts
    confused with the other's: a runner partly hidden behind someone), the feet's frequency is
    taken if it lies in a runner's range; otherwise the contacts' answer stands."""
    from_contacts = cadence_spm(steps)
    stride_hz = feet_alternation_hz(series)
    from_feet = None if stride_hz is None else 120.0 * stride_hz
    if from_feet is None or not RUN_CADENCE_MIN_SPM <= from_feet <= RUN_CADENCE_MAX_SPM:
        return from_contacts
    if from_contacts is not None and abs(from_contacts - from_feet) <= CADENCE_AGREEMENT * from_feet:
        return from_contacts
    return from_feet


def apparent_cadence_spm(series: PoseSeries, steps: list[Step]) -> float | None:
    """Steps per minute in the file's own time: from the contacts when there are enough of them,
    else from how fast the feet swap places (a clip slowed 8-16x may hold only a stride or two,
    too few for contacts but enough to show the feet alternate far too slowly)."""
    cadence = cadence_spm(steps)
    if cadence is not None:
        return cadence
    stride_hz = feet_alternation_hz(series)
    return None if stride_hz is None else 120.0 * stride_hz


def feet_alternation_hz(series: PoseSeries) -> float | None:
    """The dominant frequency of the left-minus-right ankle position (the axis along which it
    varies most), over the whole spectrum down to one cycle per clip: one stride per cycle."""
    t = series.time_s
    if series.n_frames < 8 or t[-1] - t[0] <= 0:
        return None
    best: tuple[float, float] | None = None  # (amplitude, frequency)
    for axis in (0, 1):
        raw = series.px("left_ankle")[:, axis] - series.px("right_ankle")[:, axis]
        if np.isfinite(raw).sum() < 0.5 * len(raw):
            continue
        diff = detrend(_fill(raw, t))
        freqs = np.fft.rfftfreq(8 * len(diff), d=float(np.median(np.diff(t))))
        power = np.abs(np.fft.rfft(diff * np.hanning(len(diff)), n=8 * len(diff))) ** 2
        usable = freqs >= 1.0 / (t[-1] - t[0])
        if not usable.any():
            continue
        peak = float(freqs[usable][np.argmax(power[usable])])
        amplitude = float(np.std(diff))
        if best is None or amplitude > best[0]:
            best = (amplitude, peak)
    return None if best is None else best[1]


def slow_motion_estimate(cadence_spm: float | None) -> float | None:
    """The likely slow-motion factor of a running clip whose apparent cadence (steps per minute of
    the file's time) is below anyone's running; None when it is in the human range or unknown."""
    if cadence_spm is None or not np.isfinite(cadence_spm) or cadence_spm <= 0 or cadence_spm >= RUN_CADENCE_MIN_SPM:
        return None
    ratio = RUN_CADENCE_TYPICAL_SPM / cadence_spm
    return min(SLOW_MOTION_FACTORS, key=lambda f: abs(np.log2(f / ratio)))


def _consistent(intervals: np.ndarray) -> np.ndarray:
    """Intervals within 25 % of the median (drops those spanning a missed or extra contact)."""
    if intervals.size == 0:
        return intervals
    typical = np.median(intervals)
    return intervals[np.abs(intervals - typical) <= 0.25 * typical]
