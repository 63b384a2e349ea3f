"""The pose stage: model checks, and real MediaPipe inference on real frames."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gaitcheck.errors import ModelError
from gaitcheck.landmarks import INDEX
from gaitcheck.pose import (
    FramePose,
    PoseLandmarker,
    check_model,
    estimate_pose,
    found_on_paint,
    new_people,
    paint_over,
    trunk_turn_deg,
)
from gaitcheck.settings import BUNDLED_MODELS, DEFAULT_MODEL, Settings
from gaitcheck.video import iter_frames, probe_video
from tests.helpers import shared_clip
from tests.test_tracking import person

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def test_bundled_model_is_a_valid_bundle():
    assert check_model(DEFAULT_MODEL) == DEFAULT_MODEL


#: The heavy model is built on request (`make heavy-model`), not kept in git.
needs_heavy = pytest.mark.skipif(
    not Settings(model="heavy").model_path.is_file(), reason="no heavy model: run `make heavy-model`"
)


@pytest.mark.parametrize(
    "name", [name if name != "heavy" else pytest.param(name, marks=needs_heavy) for name in BUNDLED_MODELS]
)
def test_bundled_models_are_chosen_by_name(name):
    path = Settings(model=name).model_path
    assert path.name == BUNDLED_MODELS[name] and check_model(path) == path
    assert Settings(model=path).model_path == path  # a path stays a path


def test_a_missing_heavy_model_says_how_to_build_it(tmp_path, monkeypatch):
    monkeypatch.setattr("gaitcheck.settings.PACKAGE_DIR", tmp_path / "gaitcheck")
    monkeypatch.setattr("gaitcheck.settings.sys.prefix", str(tmp_path))
    with pytest.raises(ModelError, match="make heavy-model"):
        check_model(Settings(model="heavy").model_path)


@needs_heavy
def test_the_heavy_model_finds_the_same_person_as_the_full_one():
    """Real inference with both bundled models on the first frames of a sample render."""
    info = probe_video(SAMPLES / "single_leg_squat_left_front.mp4")
    found = {}
    for name in ("full", "heavy"):
        frames = (f for f in iter_frames(info) if f.index < 10)
        found[name] = estimate_pose(frames, info, Settings(model=name, flip_average=False))
        assert found[name].detected.all()
    torso = np.linalg.norm(found["full"].px("left_shoulder") - found["full"].px("left_hip"), axis=1)
    for joint in ("left_hip", "left_knee", "left_ankle", "right_knee"):
        gap = np.linalg.norm(found["full"].px(joint) - found["heavy"].px(joint), axis=1) / torso
        assert np.median(gap) < 0.15, joint  # the same body, each model's own few-percent answer


def test_missing_model(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        check_model(tmp_path / "pose.task")


def test_corrupt_model(tmp_path):
    path = tmp_path / "pose.task"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    with pytest.raises(ModelError, match="not a MediaPipe pose landmarker bundle"):
        check_model(path)


def test_zip_without_pose_networks(tmp_path):
    path = tmp_path / "other.task"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("hand_detector.tflite", b"123")
    with pytest.raises(ModelError, match="lacks"):
        check_model(path)


def test_bundle_with_broken_networks_fails_in_one_line(tmp_path):
    path = tmp_path / "broken.task"
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("pose_detector.tflite", b"not a network")
        bundle.writestr("pose_landmarks_detector.tflite", b"not a network")
    with pytest.raises(ModelError, match="could not be loaded"):
        PoseLandmarker(path, Settings())


@pytest.mark.video
def test_real_inference_gives_pixels_metres_visibility():
    info = probe_video(shared_clip("squat_front_bodyweight_hands_on_hips_lab.mp4"))
    frames = (f for f in iter_frames(info) if f.index < 30)
    series = estimate_pose(frames, info, Settings())
    assert series.n_frames == 30 and series.detected.all()
    hips = series.px("left_hip")
    assert ((hips[:, 0] > 0) & (hips[:, 0] < info.width_px) & (hips[:, 1] > 0) & (hips[:, 1] < info.height_px)).all()
    # world landmarks are hip-centred metres: hips ~0.1 m from the origin, knees ~0.4 m below
    mid = (series.world("left_hip") + series.world("right_hip")) / 2
    assert np.abs(mid).max() < 0.05
    assert 0.25 < np.median(series.world("left_knee")[:, 1]) < 0.6
    assert (series.visibility[:, INDEX["left_hip"]] > 0.5).all()
    # facing the camera, the subject's left hip appears on the image's right
    assert (series.px("left_hip")[:, 0] > series.px("right_hip")[:, 0]).all()


def test_opening_the_model_does_not_run_matplotlibs_pyplot_until_it_is_used():
    """Issue 14: MediaPipe's package imports pyplot for drawing helpers gaitcheck never calls
    (~0.3 s of start-up); it stands deferred, and still works when something does use it. A scan
    of every module's attributes (Hypothesis does one) raises nothing: deferring sounddevice too,
    which fails to load without PortAudio, once broke the property tests that followed."""
    code = (
        "import sys\n"
        "from gaitcheck.pose import PoseLandmarker\n"
        "from gaitcheck.settings import Settings\n"
        "PoseLandmarker(Settings().model_path, Settings()).close()\n"
        "print('matplotlib.figure' in sys.modules)\n"
        "for module in list(sys.modules.values()):\n"  # as Hypothesis and other scanners do: no error
        "    getattr(module, '__file__', None)\n"
        "from mediapipe.tasks.python.vision import drawing_utils\n"
        "print(callable(drawing_utils.plt.subplots), type(sys.modules['matplotlib.pyplot']).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["False", "True", "module"], done.stderr


def test_a_found_person_is_painted_over_by_body_not_by_box():
    """The second search paints over the people found; a box around someone crossing in front
    would cover much of the person beside them (issue 11), their limbs and trunk do not."""

    picture = np.zeros((720, 1280, 3), dtype=np.uint8)
    walker = person(500, 0.0, height_px=450)
    walker[INDEX["left_ankle"], 0] += 120  # a long stride: the box spans 120 px more
    walker[INDEX["left_heel"], 0] += 120
    walker[INDEX["left_foot_index"], 0] += 120
    paint_over(picture, walker, (255, 255, 255))
    hip = walker[INDEX["left_hip"]].astype(int)
    assert picture[hip[1], hip[0]].all()  # the trunk is covered
    knee = walker[INDEX["left_knee"]].astype(int)
    assert picture[knee[1], knee[0]].all()  # and the limbs
    beside = (int(walker[INDEX["left_hip"], 0] + 90), int(walker[INDEX["left_hip"], 1] - 120))
    assert not picture[beside[1], beside[0]].any()  # inside the walker's box, outside the body


def found_at(points: np.ndarray) -> FramePose:
    """A second search's find whose landmarks lie at `points` (px), all visible."""
    image = np.zeros((33, 5))
    image[:, :2], image[:, 3] = points, 1.0
    return FramePose(image, np.zeros((33, 3)))


def test_a_person_found_on_the_paint_itself_or_tiny_is_not_someone_else():
    """A body-shaped patch of one colour looks like a person to the detector, and so can a small
    thing in the background once the people are painted over: a second search's find standing
    mostly on the paint, or a third of the size of those found, is dropped; one beside them kept."""

    painted = np.zeros((720, 1280), dtype=np.uint8)
    walker = person(500, 0.0, height_px=450)
    paint_over(painted, walker, (255,))

    scale = np.array([1.0, 1.0])
    assert found_on_paint(found_at(walker + [5.0, 5.0]), painted, scale)
    assert not found_on_paint(found_at(person(800, 0.0, height_px=300)), painted, scale)
    beside, far_away, on_paint = (found_at(p) for p in (person(800, 0.0), person(1100, 0.0, height_px=120), walker))
    assert new_people([beside, far_away, on_paint], [found_at(walker)], painted, scale) == [beside]


def test_a_find_upside_down_beside_the_people_found_is_not_someone_else():
    """MediaPipe fits bodies to shelves of equipment now and then, upside down; no one in the room
    stands on their head beside the subject. Someone leaning or lying down beside them is kept."""

    subject = person(400, 0.0, height_px=450)
    upright = person(900, 0.0, height_px=400)
    centre = upright.mean(axis=0)
    upside_down = upright * [1.0, -1.0] + [0.0, 2 * centre[1]]
    turned = centre + (upright - centre) @ np.array([[0.0, 1.0], [-1.0, 0.0]])  # on its side: 90 deg
    assert trunk_turn_deg(found_at(upright), found_at(subject)) < 1.0
    assert trunk_turn_deg(found_at(upside_down), found_at(subject)) > 179.0
    assert abs(trunk_turn_deg(found_at(turned), found_at(subject)) - 90.0) < 1.0
    painted = np.zeros((720, 1280), dtype=np.uint8)
    paint_over(painted, subject, (255,))
    finds = [found_at(p) for p in (upright, upside_down, turned)]
    kept = new_people(finds, [found_at(subject)], painted, np.array([1.0, 1.0]))
    assert kept == [finds[0], finds[2]]
