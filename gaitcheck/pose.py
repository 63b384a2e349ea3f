"""Pose inference: MediaPipe Pose Landmarker (Tasks API) in VIDEO mode, model loaded from disk.

VIDEO mode tracks the person from frame to frame, which is faster and steadier than detecting
each frame alone; it requires strictly increasing integer millisecond timestamps, which we derive
from the frames' real timestamps. The landmarker is closed on every path (MediaPipe otherwise
prints a traceback at interpreter exit).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import importlib.machinery
import importlib.util
import logging
import sys
import threading
import types
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gaitcheck.errors import InputError, ModelError
from gaitcheck.landmarks import INDEX, LEG_PAIRS, MIRROR, N_LANDMARKS, UPPER_PAIRS, PoseSeries, swap_labels
from gaitcheck.noise import native_stderr_to_log
from gaitcheck.settings import Settings
from gaitcheck.tracking import (
    SubjectChoice,
    centre_and_torso,
    choose_subject,
    covered_rows,
    drop_duplicates,
    jump_rows,
    lasting,
    mid_hip_and_shoulder,
    rehome,
    track_people,
)
from gaitcheck.video import Frame, VideoInfo

log = logging.getLogger(__name__)

BUNDLE_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}

Progress = Callable[[int, int], None]


def check_model(path: Path) -> Path:
    """Fail early, in one line, on a missing or unusable model bundle."""
    if not path.is_file():
        raise ModelError(
            f"pose model not found: {path} (the heavy one is built by `make heavy-model`; the others by "
            "models/build_pose_model.py; or pass --model)"
        )
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except (zipfile.BadZipFile, OSError):
        raise ModelError(f"{path} is not a MediaPipe pose landmarker bundle (.task zip)") from None
    if not BUNDLE_MEMBERS <= names:
        raise ModelError(
            f"{path} is not a pose landmarker bundle (it lacks {', '.join(sorted(BUNDLE_MEMBERS - names))})"
        )
    return path


#: Modules MediaPipe's package imports eagerly that gaitcheck never uses: its drawing helpers pull
#: in matplotlib's pyplot (~0.3 s of a 1 s start-up, issue 14). It loads on first use instead
#: (`_Deferred`); gaitcheck's own figures use matplotlib's object API. (Not sounddevice, its audio
#: helpers' import: MediaPipe guards that one against failing, which a stand-in would bypass.)
DEFERRED_MODULES = ("matplotlib.pyplot",)


class _Deferred(types.ModuleType):
    """Stands in for a module in sys.modules until one of its attributes is asked for, then
    imports the real module and takes on its contents. (importlib's LazyLoader does not do here:
    every later `import` statement reads the module's __spec__, which makes it load.)"""

    def __init__(self, spec: importlib.machinery.ModuleSpec) -> None:
        super().__init__(spec.name)
        self.__spec__ = spec

    def __getattr__(self, attribute: str):  # only called for attributes not yet here
        if sys.modules.get(self.__name__) is self:
            del sys.modules[self.__name__]
        try:
            real = importlib.import_module(self.__name__)
        except (ImportError, OSError) as exc:  # what a getattr(module, name, default) expects
            raise AttributeError(f"{self.__name__} could not be loaded ({exc})") from exc
        self.__dict__.update(real.__dict__)
        return getattr(real, attribute)


def _defer(name: str) -> None:
    """Put a `_Deferred` stand-in for `name` in sys.modules (nothing when it is loaded already or
    not installed)."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent package (the report needs it anyway)
    except ImportError:
        return
    if spec is not None:
        sys.modules[name] = _Deferred(spec)


def _mediapipe():
    for name in DEFERRED_MODULES:
        _defer(name)
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    return mp, BaseOptions, vision


class PoseLandmarker:
    """A MediaPipe PoseLandmarker in VIDEO mode (or IMAGE mode, for counting people), used as a
    context manager."""

    def __init__(self, model_path: Path, settings: Settings, num_poses: int = 1, video: bool = True):
        check_model(model_path)
        self._mp, base_options, vision = _mediapipe()
        self._video = video
        options = vision.PoseLandmarkerOptions(
            base_options=base_options(model_asset_path=str(model_path)),
            running_mode=vision.RunningMode.VIDEO if video else vision.RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            with native_stderr_to_log():
                self._landmarker = vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            raise ModelError(f"{model_path} could not be loaded as a pose model ({exc})") from None
        self._last_ms = -1
        self._warmed_up = False  # until the first pose is found, graph warnings go to the log

    @property
    def video(self) -> bool:
        """VIDEO mode (tracking from frame to frame), not IMAGE mode."""
        return self._video

    def __enter__(self) -> PoseLandmarker:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        landmarker, self._landmarker = getattr(self, "_landmarker", None), None
        if landmarker is not None:
            with native_stderr_to_log():  # MediaPipe 1.2.3 prints DestroyAccelerator lines here
                landmarker.close()

    def __del__(self) -> None:  # one left open is still closed quietly, not by MediaPipe at exit
        try:
            self.close()
        except Exception:
            pass

    def detect(
        self, rgb: np.ndarray, time_s: float | None = None, size: tuple[int, int] | None = None
    ) -> list[FramePose]:
        """Landmarks of every person found (up to `num_poses`), most prominent first. In VIDEO mode
        `time_s` is required and must not go backwards; IMAGE mode looks at the picture alone.

        Pixel coordinates are for a picture of `size` (width, height), by default rgb's own: the
        model's output is normalised, so a scaled-down frame still gives full-size pixels.
        """
        image = self._mp.Image(image_format=self._mp.ImageFormat.SRGB, data=rgb)
        with contextlib.nullcontext() if self._warmed_up else native_stderr_to_log():
            if self._video:
                timestamp_ms = max(int(round((time_s or 0.0) * 1000.0)), self._last_ms + 1)
                self._last_ms = timestamp_ms
                result = self._landmarker.detect_for_video(image, timestamp_ms)
            else:
                result = self._landmarker.detect(image)
        if not result.pose_landmarks:
            return []
        self._warmed_up = True
        width, height = size if size is not None else (rgb.shape[1], rgb.shape[0])
        return [
            FramePose(
                image=np.array([_pixels(lm, width, height) for lm in image_lms]),
                world=np.array([(lm.x, lm.y, lm.z) for lm in world_lms]),
            )
            for image_lms, world_lms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True)
        ]

    def find_others(self, rgb: np.ndarray, found: list[FramePose], size: tuple[int, int]) -> list[FramePose]:
        """People the detector missed beside those `found` (IMAGE mode): it suppresses a person whose
        box overlaps another's, so it looks again with the people found painted over (their
        bodies, not their boxes: a box around someone crossing in front covers much of the subject)."""
        if not found:
            return []
        scale = np.array([rgb.shape[1] / size[0], rgb.shape[0] / size[1]])
        painted = np.zeros(rgb.shape[:2], dtype=np.uint8)
        for pose in found:
            paint_over(painted, pose.image[:, :2] * scale, (255,))
        masked = rgb.copy()
        masked[painted > 0] = np.median(rgb[::8, ::8].reshape(-1, 3), axis=0).astype(rgb.dtype)  # the usual colour
        return new_people(self.detect(masked, size=size), found, painted, scale)


#: The landmarkers lent to the runs of this thread (context), when a front-end opted in.
_cache: contextvars.ContextVar[LandmarkerCache | None] = contextvars.ContextVar("gaitcheck_landmarkers", default=None)
LandmarkerKey = tuple[str, int, int, bool, int, float, float]
#: Never-used VIDEO-mode landmarkers kept ready per key: a clip takes two (with flip averaging).
MAX_SPARES = 2


class LandmarkerCache:
    """The pose landmarkers of one long-lived process (a batch or web worker), kept from clip to clip.

    Only what gives the same numbers as a new landmarker is lent: an IMAGE-mode one (stateless) is
    reused as it is. A VIDEO-mode one is never reused: its tracking and landmark smoothing carry
    over to the next clip whatever timestamp gap or blank frames come between (docs/batch.md), so
    it is closed after its clip, and for one person (every clip needs them) a never-used spare is
    built in a background thread, ready for the next clip.
    """

    def __init__(self, spares: bool = True) -> None:
        self._spares = spares
        self._idle: dict[LandmarkerKey, list[Future[PoseLandmarker]]] = {}
        self._lock = threading.Lock()
        self._builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gaitcheck-landmarkers")
        self.created = 0  # landmarkers built by this cache
        self.reused = 0  # loans served by one built earlier (an IMAGE one again, or a VIDEO spare)

    def borrow(self, model_path: Path, settings: Settings, num_poses: int, video: bool) -> PoseLandmarker:
        """A landmarker as `PoseLandmarker(model_path, settings, num_poses, video)` would make it."""
        key = landmarker_key(model_path, settings, num_poses, video)
        with self._lock:
            self._drop_stale(key)
            ready = self._idle.get(key, [])
            waiting = ready.pop(0) if ready else None
            self.reused += waiting is not None
        how = "created" if waiting is None else "a spare, never used" if video else "reused (stateless)"
        log.debug("pose landmarker (%s mode, %d poses): %s", "VIDEO" if video else "IMAGE", num_poses, how)
        return self._build(model_path, settings, num_poses, video) if waiting is None else waiting.result()

    def give_back(self, landmarker: PoseLandmarker, model_path: Path, settings: Settings, num_poses: int) -> None:
        """Return a landmarker after its clip: kept if stateless, else closed (and a spare made)."""
        key = landmarker_key(model_path, settings, num_poses, landmarker.video)
        if not landmarker.video:
            self._keep(key, _done(landmarker))
            return
        landmarker.close()
        with self._lock:
            wanted = self._spares and num_poses == 1 and len(self._idle.get(key, [])) < MAX_SPARES
        if wanted:
            self._keep(key, self._builder.submit(self._build, model_path, settings, num_poses, True))

    def close(self) -> None:
        """Close every landmarker kept (waiting for spares being built)."""
        self._builder.shutdown(wait=True)
        with self._lock:
            kept, self._idle = [f for fs in self._idle.values() for f in fs], {}
        for future in kept:
            _close_built(future)

    def _build(self, model_path: Path, settings: Settings, num_poses: int, video: bool) -> PoseLandmarker:
        landmarker = PoseLandmarker(model_path, settings, num_poses=num_poses, video=video)
        with self._lock:
            self.created += 1
        return landmarker

    def _keep(self, key: LandmarkerKey, landmarker: Future[PoseLandmarker]) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(landmarker)

    def _drop_stale(self, key: LandmarkerKey) -> None:
        """Forget landmarkers of an earlier version of this model file (the lock is held)."""
        for old in [k for k in self._idle if k[0] == key[0] and k[1:3] != key[1:3]]:
            for future in self._idle.pop(old):
                future.add_done_callback(_close_built)


def landmarker_key(model_path: Path, settings: Settings, num_poses: int, video: bool) -> LandmarkerKey:
    """What makes two landmarkers interchangeable: the model file (and its version on disk), the
    running mode, the number of people and the confidence thresholds."""
    try:
        stat = model_path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (-1, -1)  # a missing model: PoseLandmarker raises the one-line ModelError
    path = str(model_path.resolve())
    return (path, *stamp, video, num_poses, settings.min_detection_confidence, settings.min_tracking_confidence)


@contextlib.contextmanager
def shared_landmarkers(cache: LandmarkerCache | None) -> Iterator[None]:
    """Let the runs of this thread (context) borrow landmarkers from `cache` (None: build their own)."""
    token = _cache.set(cache)
    try:
        yield
    finally:
        _cache.reset(token)


def _close_built(future: Future[PoseLandmarker]) -> None:
    if future.exception() is None:
        future.result().close()


def _done(landmarker: PoseLandmarker) -> Future[PoseLandmarker]:
    future: Future[PoseLandmarker] = Future()
    future.set_result(landmarker)
    return future


#: Limbs painted over by `paint_over`, per side; the trunk is filled and the head covered by a disc.
PAINTED_LIMBS = (
    ("shoulder", "elbow"), ("elbow", "wrist"), ("hip", "knee"), ("knee", "ankle"),
    ("ankle", "heel"), ("heel", "foot_index"), ("ankle", "foot_index"),
)  # fmt: skip
#: Painted limbs are this many torso lengths thick (a thigh is about 0.35 across) [derived].
PAINTED_LIMB_TORSO = 0.4


def paint_over(rgb: np.ndarray, points_px: np.ndarray, fill: tuple[int, ...]) -> None:
    """Paint a found person's body (landmarks in `rgb`'s pixels) over with `fill`, in place: thick
    limbs, the trunk and a disc over the head, so another person beside or behind stays visible."""
    import cv2

    _, torso = centre_and_torso(points_px)
    width = max(2, int(PAINTED_LIMB_TORSO * torso))

    def line(a: np.ndarray, b: np.ndarray) -> None:
        if np.isfinite(a).all() and np.isfinite(b).all():
            cv2.line(rgb, (int(a[0]), int(a[1])), (int(b[0]), int(b[1])), fill, width)

    for side in ("left", "right"):
        for a, b in PAINTED_LIMBS:
            line(points_px[INDEX[f"{side}_{a}"]], points_px[INDEX[f"{side}_{b}"]])
    trunk = points_px[[INDEX[n] for n in ("left_shoulder", "right_shoulder", "right_hip", "left_hip")]]
    if np.isfinite(trunk).all():
        cv2.fillConvexPoly(rgb, trunk.astype(np.int32), fill)
        for k in range(4):
            line(trunk[k], trunk[(k + 1) % 4])
    head = points_px[:11][np.isfinite(points_px[:11]).all(axis=1)]
    if len(head):
        radius = int(max(0.45 * torso, float(np.ptp(head, axis=0).max())))
        cv2.circle(rgb, (int(head[:, 0].mean()), int(head[:, 1].mean())), radius, fill, -1)


#: A person found where more than this share of their seen landmarks lies on paint is the painted
#: shape itself (a body-shaped patch of one colour looks like a person to the detector), not
#: someone the first search missed: they are found because their own body is in view [derived].
ON_PAINT_SHARE = 0.5
#: ... nor is a find whose torso is under this share of the largest person's found: with the people
#: painted over, a poster or a chair in the background can look like a small person (a real clip's
#: corner did); someone three times farther away than the others is not the subject either [derived].
MIN_OTHER_TORSO_SHARE = 1 / 3
#: ... nor is a find whose trunk (mid-hip to mid-shoulder in the picture) points more than this
#: far from the largest found person's: upside down beside them. MediaPipe fits a body to shelves
#: of gym equipment now and then, upside down (113-170 deg in real clips, in frames scaled to 640
#: and 1280 px), while a second person standing, walking or bending near someone squatting,
#: stepping down or running stays within 90 (the bystander renders' others: at most 90) [derived].
MAX_OTHER_TURN_DEG = 100.0


def found_on_paint(pose: FramePose, painted: np.ndarray, scale: np.ndarray) -> bool:
    """Whether most of `pose`'s seen landmarks (visibility >= 0.5) fall on painted pixels."""
    seen = pose.image[pose.image[:, 3] >= 0.5, :2] * scale
    height, width = painted.shape
    inside = seen[(seen[:, 0] >= 0) & (seen[:, 0] < width) & (seen[:, 1] >= 0) & (seen[:, 1] < height)]
    if not len(inside):
        return False
    on_paint = painted[inside[:, 1].astype(int), inside[:, 0].astype(int)] > 0
    return bool(on_paint.mean() > ON_PAINT_SHARE)


def new_people(
    finds: list[FramePose], found: list[FramePose], painted: np.ndarray, scale: np.ndarray
) -> list[FramePose]:
    """The second search's finds that are people the first one missed: not standing on the paint
    (`found_on_paint`), not much smaller than those found (MIN_OTHER_TORSO_SHARE), not upside down
    beside them (MAX_OTHER_TURN_DEG)."""
    torsos = [centre_and_torso(pose.image[:, :2])[1] for pose in found]
    largest, smallest = found[int(np.argmax(torsos))], MIN_OTHER_TORSO_SHARE * max(torsos)
    return [
        pose
        for pose in finds
        if centre_and_torso(pose.image[:, :2])[1] >= smallest
        and not found_on_paint(pose, painted, scale)
        and not trunk_turn_deg(pose, largest) > MAX_OTHER_TURN_DEG  # unknown (NaN): kept
    ]


def trunk_turn_deg(pose: FramePose, other: FramePose) -> float:
    """The angle between two people's trunks in the picture (mid-hip to mid-shoulder), deg: 0
    upright beside each other, 180 one upside down; NaN where a hip or shoulder is missing."""
    (hips_a, shoulders_a), (hips_b, shoulders_b) = (mid_hip_and_shoulder(p.image[:, :2]) for p in (pose, other))
    a, b = shoulders_a - hips_a, shoulders_b - hips_b
    with np.errstate(invalid="ignore", divide="ignore"):
        cosine = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def _pixels(lm, width: int, height: int) -> tuple[float, float, float, float, float]:
    """A normalised landmark in pixels: x, y, depth (scaled like x), visibility, presence."""
    return (lm.x * width, lm.y * height, lm.z * width, lm.visibility or 0.0, lm.presence or 0.0)


@dataclass(frozen=True)
class FramePose:
    """One frame's landmarks: image (33, 5) = x px, y px, z px, visibility, presence; world (33, 3) m."""

    image: np.ndarray
    world: np.ndarray

    def unmirrored(self, width: int) -> FramePose:
        """Landmarks found on a horizontally flipped picture, mapped back onto the original."""
        image = self.image[MIRROR].copy()
        image[:, 0] = width - image[:, 0]
        world = self.world[MIRROR].copy()
        world[:, 0] = -world[:, 0]
        return FramePose(image, world)

    def relabelled(self, pairs: tuple[tuple[int, int], ...]) -> FramePose:
        return FramePose(swap_labels(self.image, pairs), swap_labels(self.world, pairs))


def merge_flipped(pose: FramePose | None, flipped: FramePose | None) -> tuple[FramePose | None, bool]:
    """Average a frame's landmarks with those found on its mirror image (already mapped back).

    MediaPipe is not mirror-symmetric: its left and right legs differ by a few degrees on a
    symmetric body, and its 3-D depth more. Averaging the two views cancels that asymmetry, so
    a mirrored clip gives exactly the same answer with the legs swapped. Before averaging, the
    mirror estimate's labels are matched to the original's (the two may disagree about which leg
    is which); where they still disagree grossly, the original is kept. Returns (pose, agreed).
    """
    if pose is None or flipped is None:
        return (pose if pose is not None else flipped), True
    for pairs in (UPPER_PAIRS, LEG_PAIRS):
        idx = np.array([i for pair in pairs for i in pair])
        swapped = flipped.relabelled(pairs)
        kept_cost = np.nansum(np.linalg.norm(pose.image[idx, :2] - flipped.image[idx, :2], axis=1))
        swap_cost = np.nansum(np.linalg.norm(pose.image[idx, :2] - swapped.image[idx, :2], axis=1))
        if swap_cost < kept_cost:
            flipped = swapped
    _, torso = centre_and_torso(pose.image[:, :2])
    gap = np.median(np.linalg.norm(pose.image[:, :2] - flipped.image[:, :2], axis=1)) / torso
    if not gap < MAX_FLIP_DISAGREEMENT:
        return pose, False
    return FramePose((pose.image + flipped.image) / 2, (pose.world + flipped.world) / 2), True


#: While one person is tracked, people are counted every PEOPLE_CHECK_S seconds of video (the
#: tracked person painted over and the rest searched in IMAGE mode, up to MAX_PEOPLE); from the
#: first check that finds more than one, every frame is searched for up to MAX_PEOPLE (slower: the
#: detector then runs on every frame).
MAX_PEOPLE = 3
PEOPLE_CHECK_S = 0.5
#: Median landmark distance (in torso lengths) beyond which the two estimates are not averaged.
MAX_FLIP_DISAGREEMENT = 0.25


class PeopleFinder:
    """The landmarkers of one run. One person is tracked (fast) until a second one is seen; from
    then on several are, so that `gaitcheck.tracking` can follow the right one."""

    def __init__(self, stack: contextlib.ExitStack, settings: Settings, size: tuple[int, int]):
        self._stack, self._settings, self._size = stack, settings, size
        self._main = self._landmarkers(1)
        self._counter = self._open(MAX_PEOPLE, video=False)
        self._pool = stack.enter_context(ThreadPoolExecutor(max_workers=1)) if settings.flip_average else None
        self._next_count_s = 0.0
        self._more_seen = False  # the last count saw more than one person
        self.several = False
        self.counts: list[int] = []
        self.disagreements = 0

    def _landmarkers(self, num_poses: int) -> tuple[PoseLandmarker, PoseLandmarker | None]:
        main = self._open(num_poses)
        mirror = self._open(num_poses) if self._settings.flip_average else None
        return main, mirror

    def _open(self, num_poses: int, video: bool = True) -> PoseLandmarker:
        """A landmarker for this run, closed (or given back to the process's cache) when it ends."""
        settings, cache = self._settings, _cache.get()
        if cache is None:
            return self._stack.enter_context(PoseLandmarker(settings.model_path, settings, num_poses, video))
        landmarker = cache.borrow(settings.model_path, settings, num_poses, video)
        self._stack.callback(cache.give_back, landmarker, settings.model_path, settings, num_poses)
        return landmarker

    def people(self, frame: Frame) -> list[FramePose]:
        """Everyone found in this frame (one person until a second one has been seen)."""
        found = self._detect(frame)
        if not self.several and frame.time_s >= self._next_count_s and self._count_people(frame, found):
            found = self._detect(frame)  # this frame again, by the landmarkers that follow several
        if self.several:  # the model's own search misses people who overlap: look again
            found = found + self._counter.find_others(frame.rgb, found, self._size)
        if self.several and frame.time_s >= self._next_count_s:
            self.counts.append(len(found))
            self._next_count_s = frame.time_s + PEOPLE_CHECK_S
        return found

    def _count_people(self, frame: Frame, found: list[FramePose]) -> bool:
        """Count everyone in this frame, where the one person tracked is `found`: the others are
        looked for with that person painted over (`find_others`, which finds people beside them and
        behind them alike), so the whole picture is searched afresh only when no one is tracked.
        A second person seen in two frames running switches to following several, and says so
        (one sighting alone may be a false detection, which would make the rest of the clip pay
        for several people: about twice the time)."""
        seen = found or self._counter.detect(frame.rgb, size=self._size)
        count = len(seen) + len(self._counter.find_others(frame.rgb, seen, self._size))
        self.counts.append(count)
        confirmed = count > 1 and self._more_seen
        self._more_seen = count > 1
        if confirmed:
            log.info("%d people in the picture at %.2f s: following each of them from here", count, frame.time_s)
            self.several = True
            self._main = self._landmarkers(MAX_PEOPLE)
        # after a first sighting, look again at the next frame; otherwise in half a second
        self._next_count_s = frame.time_s + (0.0 if self._more_seen and not confirmed else PEOPLE_CHECK_S)
        return confirmed

    def _detect(self, frame: Frame) -> list[FramePose]:
        landmarker, mirror = self._main
        if mirror is None or self._pool is None:
            return landmarker.detect(frame.rgb, frame.time_s, self._size)
        import cv2

        # OpenCV's flip, not numpy's reversed-stride copy: 0.6 instead of 4 ms a 720x1280 frame,
        # which both landmarkers waited for (about a tenth of pose time, timed by hand)
        flipped_rgb = cv2.flip(frame.rgb, 1)
        # in a copy of this thread's context, so its log lines and warnings reach this run's log
        run_here = contextvars.copy_context().run
        pending = self._pool.submit(run_here, mirror.detect, flipped_rgb, frame.time_s, self._size)
        found = landmarker.detect(frame.rgb, frame.time_s, self._size)
        flipped = [pose.unmirrored(self._size[0]) for pose in pending.result()]
        if not found:  # only the mirror picture showed someone
            return flipped[:1]
        merged = []
        for pose in found:
            partner = min(flipped, key=lambda f: _centre_distance(pose, f), default=None)
            pose_merged, agreed = merge_flipped(pose, partner)
            self.disagreements += not agreed
            if pose_merged is not None:
                merged.append(pose_merged)
        return merged


def _centre_distance(a: FramePose, b: FramePose) -> float:
    return float(np.linalg.norm(centre_and_torso(a.image[:, :2])[0] - centre_and_torso(b.image[:, :2])[0]))


@dataclass
class Sightings:
    """Everyone the model found in the frames one pass over a clip looked at (frame order)."""

    time_s: list[float]
    frame: list[int]
    everyone: list[list[FramePose]]
    thumbnails: list[np.ndarray]
    people_counts: list[int]
    disagreements: int = 0

    def merged(self, other: Sightings) -> Sightings:
        """Two passes over different frames of one clip as one, in frame order."""
        order = np.argsort(np.asarray(self.frame + other.frame), kind="stable")

        def both(a: list, b: list) -> list:
            joined = a + b
            return [joined[i] for i in order]

        return Sightings(
            time_s=both(self.time_s, other.time_s),
            frame=both(self.frame, other.frame),
            everyone=both(self.everyone, other.everyone),
            thumbnails=both(self.thumbnails, other.thumbnails),
            people_counts=self.people_counts + other.people_counts,
            disagreements=self.disagreements + other.disagreements,
        )


def look(
    frames: Iterable[Frame],
    info: VideoInfo,
    settings: Settings,
    progress: Progress | None = None,
    expected_frames: int | None = None,
) -> Sightings:
    """Run the landmarkers over streamed frames and keep everyone found in each.

    With `settings.flip_average`, a second landmarker tracks the mirror-image video in a second
    thread (MediaPipe releases the GIL), and each frame's two estimates are merged.
    """
    seen = Sightings([], [], [], [], [])
    total = expected_frames if expected_frames is not None else info.n_frames
    size = (info.width_px, info.height_px)
    with contextlib.ExitStack() as stack:
        finder = PeopleFinder(stack, settings, size)
        for frame in frames:
            found = finder.people(frame)
            keep = drop_duplicates([p.image[:, :2] for p in found], [float(p.image[:, 3].mean()) for p in found])
            seen.everyone.append([found[k] for k in keep])
            seen.time_s.append(frame.time_s)
            seen.frame.append(frame.index)
            seen.thumbnails.append(picture_thumbnail(frame.rgb))
            if progress is not None:
                progress(len(seen.frame), total)
    seen.people_counts, seen.disagreements = finder.counts, finder.disagreements
    return seen


def pose_series(seen: Sightings, settings: Settings, size: tuple[int, int]) -> PoseSeries:
    """The subject's landmarks (`settings.subject`) from everyone sighted, with notes on the search."""
    if seen.disagreements:
        log.info(
            "flip averaging: the mirror estimate disagreed in %d frames; kept the original there", seen.disagreements
        )
    everyone = seen.everyone
    time_s = np.asarray(seen.time_s, dtype=float)
    poses, choice = follow_subject(everyone, time_s, settings.subject, size, max_cover_share=settings.max_cover_share)
    counts = np.asarray(seen.people_counts or [0])
    notes = {
        "flip_disagreements": seen.disagreements,
        "people": {
            "max": int(max(counts.max(), max(len(people) for people in everyone))) if everyone else 0,
            "checked_frames": int(counts.size),
            "frames_with_more": int((counts > 1).sum()),
        },
        "subject": {**choice.to_json(), "covered_frames": [int(seen.frame[row]) for row in choice.covered]},
    }
    return _series(seen.time_s, seen.frame, poses, picture_change(seen.thumbnails), size, notes)


def estimate_pose(
    frames: Iterable[Frame],
    info: VideoInfo,
    settings: Settings,
    progress: Progress | None = None,
) -> PoseSeries:
    """Run the landmarker over streamed frames; follow the subject (`settings.subject`); keep
    pixels, metres, visibility and presence of that person."""
    return pose_series(look(frames, info, settings, progress), settings, (info.width_px, info.height_px))


def follow_subject(
    everyone: list[list[FramePose]],
    time_s: np.ndarray,
    rule: str,
    size: tuple[int, int],
    *,
    max_cover_share: float,
) -> tuple[list[FramePose | None], SubjectChoice]:
    """Each frame's pose of the chosen person (None where they were not found or their trunk jumped
    away and back). Rows where another person covers more than `max_cover_share` of them are listed
    in the choice (`covered`): their landmarks still count where the person is and what they do,
    but no angle is read there (plausibility.gate_covered)."""
    tracks = lasting(track_people([[p.image[:, :2] for p in people] for people in everyone], time_s), time_s)
    choice = choose_subject(tracks, rule, time_s, size)
    if choice.id is None and rule.isdigit():
        raise InputError(f"--subject {rule}: {choice.reason}")
    poses: list[FramePose | None] = [None] * len(everyone)
    track = next((t for t in tracks if t.id == choice.id), None)
    if track is not None:
        chosen = track
        track, others = rehome(chosen, [t for t in tracks if t is not chosen])
        swapped_back = sum(a != b for a, b in zip(track.detections, chosen.detections, strict=True))
        jumps = set(jump_rows(track, time_s)) if others else set()
        covered, overlapped = covered_rows(track, others, time_s, max_cover_share, left_out=jumps)
        for row, k in zip(track.rows, track.detections, strict=True):
            poses[row] = None if row in jumps else everyone[row][k]
        choice = dataclasses.replace(
            choice,
            frames=choice.frames - len(jumps),
            jumps=len(jumps),
            covered=tuple(sorted(covered)),
            overlapped=overlapped,
            swapped_back=swapped_back,
        )
    if len(tracks) > 1:
        log.info("subject: person %s of %d (%s)", choice.id, len(tracks), choice.reason)
    if choice.swapped_back:
        log.info("subject: %d frames taken back from another person's track (swapped)", choice.swapped_back)
    if choice.jumps:
        log.info("subject: %d frames left out where the trunk jumped away and back", choice.jumps)
    if choice.covered:
        log.info("subject: no angles in %d frames where another person covered most of them", len(choice.covered))
    return poses, choice


def picture_thumbnail(rgb: np.ndarray, side: int = 32) -> np.ndarray:
    """A tiny grey picture (uint8: 1 kB a frame); the change between consecutive ones reveals
    edited cuts."""
    import cv2

    step = max(1, min(rgb.shape[:2]) // (4 * side))  # every n-th pixel: plenty for a 32-px average
    grey = cv2.cvtColor(np.ascontiguousarray(rgb[::step, ::step]), cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (side, side), interpolation=cv2.INTER_AREA)


def picture_change(thumbnails: list[np.ndarray]) -> list[float]:
    """Mean absolute grey-level change from the previous thumbnail (0 for the first)."""
    change: list[float] = []
    previous = None
    for thumbnail in thumbnails:
        current = thumbnail.astype(np.float32)
        change.append(float(np.abs(current - previous).mean()) if previous is not None else 0.0)
        previous = current
    return change


def _series(
    times: list[float],
    frame_index: list[int],
    poses: list[FramePose | None],
    change: list[float],
    size: tuple[int, int],
    notes: dict,
) -> PoseSeries:
    n = len(times)
    image = np.full((n, N_LANDMARKS, 5), np.nan)
    world = np.full((n, N_LANDMARKS, 3), np.nan)
    detected = np.zeros(n, dtype=bool)
    for i, pose in enumerate(poses):
        if pose is not None:
            image[i], world[i], detected[i] = pose.image, pose.world, True
    return PoseSeries(
        time_s=np.asarray(times, dtype=float),
        frame=np.asarray(frame_index, dtype=int),
        image_px=image[..., 0:2],
        image_z_px=image[..., 2],
        world_m=world,
        visibility=np.nan_to_num(image[..., 3]),
        presence=np.nan_to_num(image[..., 4]),
        detected=detected,
        picture_change=np.asarray(change, dtype=float),
        width_px=size[0],
        height_px=size[1],
        notes=notes,
    )
