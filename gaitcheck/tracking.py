"""Following people through a clip, and choosing the one being assessed.

The pose model finds up to a few people per frame, in no fixed order. `track_people` links each
frame's detections to the tracks of the frames before (Hungarian assignment on `link_distance`:
mostly how far the trunk centre is from where the track's recent motion puts it), so identities
survive people crossing. `choose_subject` then picks the person who performs the movement: the task implies
someone whose legs move a lot relative to their own pelvis (repetitions, strides), who stays in
place (the tasks are done on a spot or a treadmill: someone crossing the picture is passing by),
whose feet are in the picture and who is there for most of the clip: not the largest or nearest
person, who in a clinic is often a coach or a bystander. Fits the model broke (`broken_fits`) do
not count toward that choice. Because the subject stays in place, `rehome` swaps back the frames
where the subject's track went on with someone crossing while that person's track held the subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gaitcheck.landmarks import INDEX, MIRROR, N_LANDMARKS

#: A detection further than this from a track (`link_distance`, in the track's torso lengths)
#: cannot continue it.
MAX_LINK_TORSO = 1.0
#: A track unseen for longer than this is closed; a person returning later is a new track.
MAX_TRACK_GAP_S = 1.0
#: Two detections in one frame whose trunk centres are this close (torso lengths) are one person.
DUPLICATE_TORSO = 0.5
#: Two tracks that share at most this long (s), their trunks in the same place in every frame they
#: share, are one person found twice for a moment: a broken fit (a squat's bottom read with half
#: the torso) kept beside the whole one, each then carried on alone [derived: a rendered oblique
#: squat's subject split at 127-137 of 487 frames and a bystander was chosen over both halves].
MAX_SHARED_S = 0.5
#: Frames within this long (s) of one where another person covers most of the subject
#: (Settings.max_cover_share) count as covered too: the other person's detection flickers while they
#: pass, and the subject's landmarks stay mixed in between (benchmarks/cover.py: FPPA and hip
#: adduction errors raised within 0.25 s of a covered frame, less so beyond; chosen after seeing all
#: the bystander renders, so not held out).
COVER_MARGIN_S = 0.25
#: When the covered rows are more than this share of the subject's, none is set apart: someone is in
#: the way for most of the clip, leaving it out helps nobody, and the report says the landmarks may mix.
MAX_COVERED_SHARE = 0.5
#: A track that starts while another is going on, in frames the other does not have, continues it
#: where one of its first fits links (MAX_LINK_TORSO) to any of the other's fits within this long:
#: the model may fit a small subject brokenly in every other frame (the trunk pulled toward
#: someone beside), so the whole fits and the broken ones make two interleaved tracks; the nearest
#: frame alone is often a broken one [derived: bystander render 22 on 2026-12-05; the same for
#: 0.1-0.5 s on all 32 renders and the shared real clips' sightings].
JOIN_WINDOW_S = 0.25
#: Tracks shorter than this are not people to choose from (a false detection for a frame or two).
MIN_TRACK_S = 0.3
#: Tracks present in fewer frames than this share of the clip are not candidates for the subject
#: unless nobody else is there.
MIN_SUBJECT_SHARE = 0.2
#: Leg motion (torso lengths) below which a person is standing about, not doing the task: a
#: bystander shifting weight reads about 0.15, a squat about 0.5, running over 1.
IDLE_LEG_MOTION = 0.3
#: The tasks are done in place (a treadmill, a spot on the floor); someone who crosses the picture
#: is passing by. A person's score is divided by 1 + travel / this (torso lengths of sideways travel).
TRAVEL_SCALE_TORSO = 2.0
#: ... and someone moving their legs who stays within this much sideways travel (torso lengths,
#: ~0.75 m: a squat's hips going back, a step-down, a treadmill's drift stay well inside it) is
#: preferred outright to anyone crossing the picture, however much the crossing legs move [derived].
IN_PLACE_TRAVEL_TORSO = 1.5
#: A person's trunk cannot leave the path it follows and come back within a blink: a trunk centre
#: further than this (torso lengths) from the median of the same track's centres within
#: JUMP_WINDOW_S either side is another detection linked by mistake (while a passer-by crosses in
#: front, the model may find only the passer-by, or a part of them, next to the hidden subject)
#: [derived: a squat's pelvis moves ~0.1 torso in 0.05 s, a mis-link lands ~1 torso away].
JUMP_TORSO = 0.5
#: ... the window is symmetric in time (shrunk near the track's ends), so a cut or a steady
#: crossing keeps its frames: only excursions shorter than this are dropped.
JUMP_WINDOW_S = 0.25
#: A fit whose trunk tilts further than this (deg) from the same track's median tilt within
#: BROKEN_WINDOW_S either side is broken: the model slid the pelvis sideways under still shoulders
#: and folded both legs onto one, then back (a standing bystander cut by the picture's edge, in
#: about 20 of 144 frames, 17 of them set aside by this rule, read as more leg motion than the
#: subject's shallow single-leg squat). Nobody in these tasks tilts the trunk that far and back
#: within a second; such fits do not count toward the choice of subject [derived: bystander
#: render 1 on 2026-12-05; checked on all 32].
TRUNK_FLIP_DEG = 20.0
BROKEN_WINDOW_S = 0.5
#: The tasks are done in place: the subject's home is the spot (cells of half a torso) where the
#: chosen track's trunk centre is most often. Where the chosen track is further than this (torso
#: lengths) from home while another person's detection is within it, the two tracks swapped
#: identities while someone crossed, and the detections are swapped back (`rehome`). A deep squat
#: lowers the trunk centre by about a torso, inside the gate [derived: bystander render 21, a walker
#: crossing in front on 2026-12-05: the subject's track went on with the walker for 150 of 315
#: frames; checked offline on all 32 with gates 1-1.5: no other clip changed].
HOME_GATE_TORSO = 1.5
#: ... only for a chosen track at home in at least this share of its frames: in-place subjects are
#: at home in 98-100 % of them in the renders, a track swapped halfway in about half, and someone
#: crossing the picture is at any one spot only briefly.
MIN_HOME_SHARE = 0.4

#: The body's landmarks (shoulders down) that bound a person's box in the picture.
BODY = tuple(range(INDEX["left_shoulder"], N_LANDMARKS))

LOWER_BODY = tuple(INDEX[f"{side}_{joint}"] for side in ("left", "right") for joint in ("knee", "ankle", "heel"))
FEET = tuple(INDEX[f"{side}_{joint}"] for side in ("left", "right") for joint in ("ankle", "heel", "foot_index"))
HIPS = (INDEX["left_hip"], INDEX["right_hip"])
SHOULDERS = (INDEX["left_shoulder"], INDEX["right_shoulder"])


@dataclass
class Track:
    """One person over the frames they were found in: rows into the clip and the detection index
    in that frame's list."""

    id: int
    rows: list[int] = field(default_factory=list)
    detections: list[int] = field(default_factory=list)
    points_px: list[np.ndarray] = field(default_factory=list)  # (33, 2) per row

    @property
    def last_row(self) -> int:
        return self.rows[-1]


def mid_hip_and_shoulder(points_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mid-hip and mid-shoulder points (pixels)."""
    return points_px[list(HIPS)].mean(axis=0), points_px[list(SHOULDERS)].mean(axis=0)


def centre_and_torso(points_px: np.ndarray) -> tuple[np.ndarray, float]:
    """Mid-point of hips and shoulders, and the hip-to-shoulder length (pixels)."""
    hips, shoulders = mid_hip_and_shoulder(points_px)
    return (hips + shoulders) / 2, max(float(np.linalg.norm(shoulders - hips)), 1.0)


def landmark_distance(a_px: np.ndarray, b_px: np.ndarray) -> float:
    """Median distance between two people's corresponding landmarks (pixels), whichever way round
    their left and right are labelled (label swaps are the cleaning stage's business)."""
    kept = np.nanmedian(np.linalg.norm(a_px - b_px, axis=1))
    swapped = np.nanmedian(np.linalg.norm(a_px - b_px[MIRROR], axis=1))
    return float(min(kept, swapped))


def same_person(a_px: np.ndarray, b_px: np.ndarray) -> bool:
    """Two detections in one frame are one person when their trunks nearly coincide."""
    (centre_a, torso_a), (centre_b, torso_b) = centre_and_torso(a_px), centre_and_torso(b_px)
    close = np.linalg.norm(centre_a - centre_b) < DUPLICATE_TORSO * max(torso_a, torso_b)
    return bool(close and 0.67 < torso_a / torso_b < 1.5)


def drop_duplicates(people: Sequence[np.ndarray], scores: Sequence[float]) -> list[int]:
    """Indices of one frame's detections to keep: of two that are the same person, the one the
    model is surer of (`scores`, e.g. mean visibility)."""
    order = sorted(range(len(people)), key=lambda i: -scores[i])
    kept: list[int] = []
    for i in order:
        if not any(same_person(people[i], people[k]) for k in kept):
            kept.append(i)
    return sorted(kept)


def _predicted_centre(track: Track, row: int, time_s: np.ndarray) -> np.ndarray:
    """Where the track's trunk centre will be at the time of `row`, moving at its recent velocity."""
    centre = centre_and_torso(track.points_px[-1])[0]
    if len(track.rows) < 2:
        return centre
    before, then = track.rows[-2], track.rows[-1]
    dt = time_s[then] - time_s[before]
    if dt <= 0:
        return centre
    velocity = (centre - centre_and_torso(track.points_px[-2])[0]) / dt
    return centre + velocity * (time_s[row] - time_s[then])


def track_people(people_px: Sequence[Sequence[np.ndarray]], time_s: np.ndarray) -> list[Track]:
    """Link per-frame detections ((33, 2) pixel landmarks each) into tracks, numbered from 1 in
    order of first appearance (left to right within a frame)."""
    tracks: list[Track] = []
    open_tracks: list[Track] = []
    for row, detections in enumerate(people_px):
        open_tracks = [t for t in open_tracks if time_s[row] - time_s[t.last_row] <= MAX_TRACK_GAP_S]
        assigned = _assign(open_tracks, detections, row, time_s)
        new = sorted(set(range(len(detections))) - set(assigned), key=lambda k: centre_and_torso(detections[k])[0][0])
        for k in new:
            track = Track(id=len(tracks) + 1)
            tracks.append(track)
            open_tracks.append(track)
            assigned[k] = track
        for k, track in assigned.items():
            track.rows.append(row)
            track.detections.append(k)
            track.points_px.append(np.asarray(detections[k]))
    return tracks


def link_distance(last_px: np.ndarray, predicted_centre: np.ndarray, points_px: np.ndarray) -> float:
    """How far a detection is from a track, in the track's torso lengths: its trunk centre's
    distance from the track's (predicted or last, whichever is nearer: a poor velocity estimate
    must not lose the person), plus a quarter of the median landmark distance (a pose that fits);
    in the larger of the two torso lengths (a poorly fitted frame may shrink one)."""
    centre, torso = centre_and_torso(last_px)
    here, torso_here = centre_and_torso(points_px)
    trunk = min(np.linalg.norm(here - predicted_centre), np.linalg.norm(here - centre))
    return float(trunk + 0.25 * landmark_distance(points_px, last_px)) / max(torso, torso_here)


def _assign(tracks: list[Track], detections: Sequence[np.ndarray], row: int, time_s: np.ndarray) -> dict[int, Track]:
    """Detection index -> track, by minimum total `link_distance` within the link gate, where
    leaving a detection unlinked (a new track) costs the gate itself: otherwise a spurious
    detection that fits one person's track would push that person's own detection onto another
    track (a passer-by's partial detection pushing them onto the hidden subject's track)."""
    if not tracks or not detections:
        return {}
    n_detections, n_tracks = len(detections), len(tracks)
    cost = np.full((n_detections, n_tracks + n_detections), 1e6)
    cost[:, n_tracks:][np.diag_indices(n_detections)] = MAX_LINK_TORSO  # unlinked
    for j, track in enumerate(tracks):
        predicted = _predicted_centre(track, row, time_s)
        for i, points in enumerate(detections):
            distance = link_distance(track.points_px[-1], predicted, points)
            if np.isfinite(distance) and distance <= MAX_LINK_TORSO:
                cost[i, j] = distance
    if min(n_detections, n_tracks) == 1:  # one person or one track (most clips): the cheapest pair is the assignment
        best = np.unravel_index(int(np.argmin(cost[:, :n_tracks])), (n_detections, n_tracks))
        rows, cols = np.array([best[0]]), np.array([best[1]])
    else:
        from scipy.optimize import linear_sum_assignment  # a slow import: only once several people are tracked

        rows, cols = linear_sum_assignment(cost)
    return {int(i): tracks[j] for i, j in zip(rows, cols, strict=True) if j < n_tracks and cost[i, j] < 1e6}


# ------------------------------------------------------------------------------------------------
# choosing the subject
# ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Candidate:
    """What the choice rests on, per track."""

    id: int
    frames: int
    share: float  # of the clip's frames
    leg_motion: float  # spread of knees and feet about the pelvis, plus the pelvis's own travel (torso lengths)
    feet_in_picture: float  # share of its frames with both feet inside the picture
    height_px: float  # median shoulder-to-ankle height
    centre_offset: float  # median distance of its centre from the picture's centre (picture half-diagonals)
    travel: float  # sideways travel of the pelvis across the picture (torso lengths, 5th-95th percentile)
    broken: int = 0  # fits set aside for these numbers (`broken_fits`)

    @property
    def idle(self) -> bool:
        return self.leg_motion < IDLE_LEG_MOTION

    @property
    def score(self) -> float:
        in_place = 1.0 / (1.0 + self.travel / TRAVEL_SCALE_TORSO)
        return self.share * self.leg_motion * (0.25 + 0.75 * self.feet_in_picture) * in_place

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "frames": self.frames,
            "share": round(self.share, 3),
            "leg_motion": round(self.leg_motion, 3),
            "feet_in_picture": round(self.feet_in_picture, 3),
            "height_px": round(self.height_px, 1),
            "travel": round(self.travel, 2),
            "broken_fits": self.broken,
        }


def describe(track: Track, time_s: np.ndarray, size: tuple[int, int]) -> Candidate:
    """The numbers `choose_subject` compares for one track (`time_s`: the clip's, per row), read
    from its fits that are not broken (`broken_fits`)."""
    broken = broken_fits(track, time_s)
    if (~broken).sum() < 5:
        broken[:] = False  # too few whole fits to read anything from: read them all
    points = np.stack(track.points_px)[~broken]  # (F, 33, 2)
    pelvis = points[:, list(HIPS)].mean(axis=1)
    trunks = [centre_and_torso(p) for p in points]
    centres, torso = np.array([c for c, _ in trunks]), np.array([t for _, t in trunks])
    scale = float(np.median(torso))
    relative = (points[:, list(LOWER_BODY)] - pelvis[:, None]) / torso[:, None, None]
    spread = np.nanpercentile(relative, 90, axis=0) - np.nanpercentile(relative, 10, axis=0)  # (6, 2)
    pelvis_rise = (np.nanpercentile(pelvis[:, 1], 90) - np.nanpercentile(pelvis[:, 1], 10)) / scale
    width, height = size
    feet = points[:, list(FEET)]
    inside = ((feet[..., 0] >= 0) & (feet[..., 0] < width) & (feet[..., 1] >= 0) & (feet[..., 1] < height)).all(axis=1)
    top = points[:, list(SHOULDERS), 1].mean(axis=1)
    bottom = points[:, [INDEX["left_ankle"], INDEX["right_ankle"]], 1].mean(axis=1)
    offset = np.linalg.norm(centres - np.array([width / 2, height / 2]), axis=1) / (np.hypot(width, height) / 2)
    return Candidate(
        id=track.id,
        frames=len(track.rows),
        share=len(track.rows) / max(len(time_s), 1),
        leg_motion=float(np.nansum(np.linalg.norm(spread, axis=1)) / len(LOWER_BODY) + pelvis_rise),
        feet_in_picture=float(inside.mean()),
        height_px=float(np.nanmedian(bottom - top)),
        centre_offset=float(np.nanmedian(offset)),
        travel=float(np.nanpercentile(pelvis[:, 0], 95) - np.nanpercentile(pelvis[:, 0], 5)) / scale,
        broken=int(broken.sum()),
    )


@dataclass(frozen=True)
class SubjectChoice:
    """The track chosen, and why (recorded in summary.json as `subject`)."""

    id: int | None
    frames: int
    reason: str
    candidates: tuple[Candidate, ...] = ()
    jumps: int = 0  # frames left out: the track's trunk jumped away and back (`jump_rows`)
    covered: tuple[int, ...] = ()  # rows where another person covered most of the subject (`cover_by_row`)
    overlapped: int = 0  # rows as covered, but kept: someone was in the way in most of the clip
    swapped_back: int = 0  # rows taken back from another person's track (`rehome`)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "frames": self.frames,
            "reason": self.reason,
            "jumps_left_out": self.jumps,
            "covered_no_angles": len(self.covered),
            "covered_kept": self.overlapped,
            "swapped_back": self.swapped_back,
            "people": len(self.candidates),
            "candidates": [c.to_json() for c in self.candidates],
        }


def merge_fragments(tracks: list[Track], time_s: np.ndarray) -> list[Track]:
    """Join tracks of one person broken by a missed link: tracks that share no frame, one of the
    later's first fits within the link gate of one of the earlier's near it in time (`_continues`),
    or that share a moment (`found_twice`), where the larger fit of the trunk is kept."""
    merged: list[Track] = []
    for track in sorted(tracks, key=lambda t: t.rows[0]):
        home = next((m for m in merged if _continues(m, track, time_s)), None)
        if home is None:
            merged.append(Track(track.id, list(track.rows), list(track.detections), list(track.points_px)))
            continue
        _join(home, track)
    return merged


def _join(home: Track, other: Track) -> None:
    """`other`'s frames added to `home`, in order; in a frame both have, the larger trunk's fit."""
    by_row = dict(zip(home.rows, zip(home.detections, home.points_px, strict=True), strict=True))
    for row, detection, points in zip(other.rows, other.detections, other.points_px, strict=True):
        if row not in by_row or centre_and_torso(points)[1] > centre_and_torso(by_row[row][1])[1]:
            by_row[row] = (detection, points)
    home.rows = sorted(by_row)
    home.detections = [by_row[r][0] for r in home.rows]
    home.points_px = [by_row[r][1] for r in home.rows]


def found_twice(earlier: Track, later: Track, time_s: np.ndarray) -> bool:
    """Whether two tracks' shared frames are one person found twice: together no longer than
    MAX_SHARED_S, the two trunk centres within DUPLICATE_TORSO of the larger trunk in each."""
    shared = sorted(set(earlier.rows) & set(later.rows))
    if not shared or time_s[shared[-1]] - time_s[shared[0]] > MAX_SHARED_S:
        return False
    for row in shared:
        (a, torso_a), (b, torso_b) = (centre_and_torso(t.points_px[t.rows.index(row)]) for t in (earlier, later))
        if np.linalg.norm(a - b) >= DUPLICATE_TORSO * max(torso_a, torso_b):
            return False
    return True


def _continues(earlier: Track, later: Track, time_s: np.ndarray) -> bool:
    """Whether `later` is more of `earlier`: one of its first fits within the link gate of one of
    `earlier`'s nearest in time (those within JOIN_WINDOW_S, or the nearest one, within
    MAX_TRACK_GAP_S), or, where they share frames, found twice."""
    if set(earlier.rows) & set(later.rows):
        return found_twice(earlier, later, time_s)
    times = time_s[np.asarray(earlier.rows)]
    for row, points in zip(later.rows[:5], later.points_px[:5], strict=False):
        gaps_s = np.abs(times - time_s[row])
        if gaps_s.min() > MAX_TRACK_GAP_S:
            continue
        for j in np.flatnonzero(gaps_s <= max(gaps_s.min(), JOIN_WINDOW_S)):
            last = earlier.points_px[j]
            if link_distance(last, centre_and_torso(last)[0], points) <= MAX_LINK_TORSO:
                return True
    return False


def lasting(tracks: list[Track], time_s: np.ndarray) -> list[Track]:
    """Fragments of one person joined, then the tracks that last at least MIN_TRACK_S (all of them
    if none does), renumbered from 1."""
    tracks = merge_fragments(tracks, time_s)
    long = [t for t in tracks if time_s[t.last_row] - time_s[t.rows[0]] >= MIN_TRACK_S] or tracks
    return [Track(i, t.rows, t.detections, t.points_px) for i, t in enumerate(long, start=1)]


def _home(track: Track) -> tuple[np.ndarray, np.ndarray, float]:
    """The track's home (the half-torso cell its trunk centre is most often in), its centre per
    sample, and its median torso length."""
    trunks = [centre_and_torso(p) for p in track.points_px]
    centres, torso = np.array([c for c, _ in trunks]), float(np.median([t for _, t in trunks]))
    cells, counts = np.unique(np.round(centres / (0.5 * torso)).astype(int), axis=0, return_counts=True)
    return cells[int(np.argmax(counts))] * 0.5 * torso, centres, torso


def rehome(subject: Track, others: Sequence[Track]) -> tuple[Track, list[Track]]:
    """The subject's and the others' tracks with identities swapped back where the subject's track
    left home for another person while that person's detection was at home (HOME_GATE_TORSO); the
    tracks as they were when the subject is not mostly at home (MIN_HOME_SHARE) or alone."""
    if not others:
        return subject, list(others)
    home, centres, torso = _home(subject)
    away = np.linalg.norm(centres - home, axis=1) > HOME_GATE_TORSO * torso
    if not away.any() or 1.0 - away.mean() < MIN_HOME_SHARE:
        return subject, list(others)
    mine = Track(subject.id, list(subject.rows), list(subject.detections), list(subject.points_px))
    theirs = [Track(t.id, list(t.rows), list(t.detections), list(t.points_px)) for t in others]
    at_row = {row: (t, i) for t in theirs for i, row in enumerate(t.rows)}
    for i in np.flatnonzero(away):
        other = at_row.get(mine.rows[i])
        if other is None:
            continue
        track, j = other
        if np.linalg.norm(centre_and_torso(track.points_px[j])[0] - home) <= HOME_GATE_TORSO * torso:
            mine.detections[i], track.detections[j] = track.detections[j], mine.detections[i]
            mine.points_px[i], track.points_px[j] = track.points_px[j], mine.points_px[i]
    return mine, theirs


def _local_medians(values: np.ndarray, t: np.ndarray, half_s: float, symmetric: bool) -> np.ndarray:
    """Per sample, the median of `values` (one row per sample) over `half_s` either side: shrunk
    near the track's ends when `symmetric` (a steady motion then keeps the median on its path),
    else slid inside the track at full width (a majority of the window is needed to move it); NaN
    where the window holds fewer than 5 samples."""
    medians = np.full(values.shape, np.nan)
    for i, here in enumerate(t):
        if symmetric:
            half = min(half_s, here - t[0], t[-1] - here)
            start, stop = here - half, here + half
        else:
            start = min(max(here - half_s, t[0]), max(t[-1] - 2 * half_s, t[0]))
            stop = start + 2 * half_s
        lo, hi = np.searchsorted(t, start - 1e-9), np.searchsorted(t, stop + 1e-9)
        if hi - lo >= 5:
            medians[i] = np.median(values[lo:hi], axis=0)
    return medians


def jump_rows(track: Track, time_s: np.ndarray) -> list[int]:
    """Rows of `track` whose trunk centre lies more than JUMP_TORSO torso lengths from the median
    of its centres in a window of JUMP_WINDOW_S either side (a symmetric window: a steady motion or
    a step to a new place keeps the median on the path, only a brief excursion leaves it)."""
    trunks = [centre_and_torso(p) for p in track.points_px]
    centres = np.array([c for c, _ in trunks])
    torso = float(np.median([t for _, t in trunks]))
    local = _local_medians(centres, time_s[np.asarray(track.rows)], JUMP_WINDOW_S, symmetric=True)
    away = np.linalg.norm(centres - local, axis=1) > JUMP_TORSO * torso  # NaN (too few) compares False
    return [row for row, jumped in zip(track.rows, away, strict=True) if jumped]


def broken_fits(track: Track, time_s: np.ndarray) -> np.ndarray:
    """Per sample of `track`, whether its trunk tilts more than TRUNK_FLIP_DEG from the track's
    median tilt within BROKEN_WINDOW_S either side (a broken fit)."""
    points = np.stack(track.points_px)
    up = points[:, list(SHOULDERS)].mean(axis=1) - points[:, list(HIPS)].mean(axis=1)
    tilt_deg = np.degrees(np.arctan2(up[:, 0], -up[:, 1]))
    local = _local_medians(tilt_deg, time_s[np.asarray(track.rows)], BROKEN_WINDOW_S, symmetric=False)
    return np.abs((tilt_deg - local + 180.0) % 360.0 - 180.0) > TRUNK_FLIP_DEG


def body_box(points_px: np.ndarray) -> np.ndarray:
    """[x0, y0, x1, y1] around the body's landmarks (shoulders down) in pixels."""
    body = points_px[list(BODY)]
    body = body[np.all(np.isfinite(body), axis=1)]
    return np.r_[body.min(axis=0), body.max(axis=0)] if len(body) else np.full(4, np.nan)


def covered_share(box: np.ndarray, other: np.ndarray) -> float:
    """The share of `box`'s area that `other` covers (0 when either is empty)."""
    if not (np.all(np.isfinite(box)) and np.all(np.isfinite(other))):
        return 0.0
    width = min(box[2], other[2]) - max(box[0], other[0])
    height = min(box[3], other[3]) - max(box[1], other[1])
    area = (box[2] - box[0]) * (box[3] - box[1])
    if not (width > 0 and height > 0 and area > 0):
        return 0.0
    return float(width * height / area)


def cover_by_row(subject: Track, others: Sequence[Track]) -> dict[int, float]:
    """Per row of the subject's track, the largest share of their body box another person covers,
    in front or behind (the picture cannot tell): where the boxes overlap much, the pose model
    mixes the two bodies' landmarks (bystander renders, benchmarks/cover.py: FPPA and hip
    adduction errors about three times the uncovered ones above half covered)."""
    where = [dict(zip(t.rows, t.points_px, strict=True)) for t in others]
    out = {}
    for row, points in zip(subject.rows, subject.points_px, strict=True):
        box = body_box(points)
        out[row] = max((covered_share(box, body_box(w[row])) for w in where if row in w), default=0.0)
    return out


def near_rows(rows: Iterable[int], candidates: Sequence[int], time_s: np.ndarray, margin_s: float) -> set[int]:
    """The `candidates` within `margin_s` of any of `rows` in time (the rows themselves included)."""
    marks = np.sort(time_s[np.fromiter(rows, dtype=int)])
    if marks.size == 0:
        return set()
    at = time_s[np.asarray(candidates, dtype=int)]
    k = np.clip(np.searchsorted(marks, at), 1, max(marks.size - 1, 1))
    nearest = np.minimum(np.abs(at - marks[k - 1]), np.abs(at - marks[np.minimum(k, marks.size - 1)]))
    return {int(c) for c, d in zip(candidates, nearest, strict=True) if d <= margin_s + 1e-9}


def covered_rows(
    subject: Track, others: Sequence[Track], time_s: np.ndarray, max_share: float, left_out: set[int]
) -> tuple[set[int], int]:
    """The subject's rows (not in `left_out`) where another person covers more than `max_share` of
    them, and those within COVER_MARGIN_S of one; and how many such rows were kept instead because
    they were more than MAX_COVERED_SHARE of the subject's (then the set is empty)."""
    if not others:
        return set(), 0
    over = {row for row, share in cover_by_row(subject, others).items() if share > max_share}
    covered = near_rows(over, subject.rows, time_s, COVER_MARGIN_S) - left_out
    if len(covered) > MAX_COVERED_SHARE * len(subject.rows):
        return set(), len(covered)
    return covered, 0


def choose_subject(tracks: list[Track], rule: str, time_s: np.ndarray, size: tuple[int, int]) -> SubjectChoice:
    """The person to assess under `rule`: 'auto' (the one doing the movement), 'largest',
    'center', or a track number (`time_s`: the clip's, one per row)."""
    candidates = tuple(describe(t, time_s, size) for t in tracks)
    if not candidates:
        return SubjectChoice(None, 0, "nobody was found")
    if rule.isdigit() and int(rule) > len(candidates):
        found = "only one person was found" if len(candidates) == 1 else f"people 1-{len(candidates)} were found"
        return SubjectChoice(None, 0, f"there is no person {rule} ({found})", candidates)
    if len(candidates) == 1:
        only = candidates[0]
        return SubjectChoice(only.id, only.frames, "the only person in the picture", candidates)
    if rule.isdigit():
        chosen = next(c for c in candidates if c.id == int(rule))
        return SubjectChoice(chosen.id, chosen.frames, f"person {rule}, as asked (--subject {rule})", candidates)
    if rule == "largest":
        chosen = max(candidates, key=lambda c: (c.height_px, c.frames))
        reason = "the largest person in the picture (--subject largest)"
        return SubjectChoice(chosen.id, chosen.frames, reason, candidates)
    if rule == "center":
        chosen = min(candidates, key=lambda c: (c.centre_offset, -c.frames))
        reason = "the person nearest the picture's centre (--subject center)"
        return SubjectChoice(chosen.id, chosen.frames, reason, candidates)
    return _auto(candidates)


def _auto(candidates: tuple[Candidate, ...]) -> SubjectChoice:
    longest = max(c.share for c in candidates)
    eligible = [c for c in candidates if c.share >= min(MIN_SUBJECT_SHARE, longest)]
    eligible = [c for c in eligible if not c.idle] or eligible
    eligible = [c for c in eligible if c.travel <= IN_PLACE_TRAVEL_TORSO] or eligible
    chosen = max(eligible, key=lambda c: (c.score, c.frames))
    # no count of the others: a person fitted in pieces or found twice makes several tracks
    reason = (
        f"the person doing the movement in place (legs moving most about the pelvis, feet in the picture, "
        f"{chosen.share:.0%} of the clip); everyone else ignored"
    )
    return SubjectChoice(chosen.id, chosen.frames, reason, candidates)
