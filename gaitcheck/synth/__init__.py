"""gaitcheck.synth: rendered people with exactly known joint angles, as phone-like mp4 clips.

A body (anny, a MakeHuman-topology body model) is posed frame by frame from anatomical joint
angles, with planted feet and a solved hip adduction that gives a requested knee FPPA; a small
rasterizer paints it into a procedural room; the clip is written as H.264 (or HEVC) with its
ground truth beside it - the same columns as gaitcheck's angles.csv, measured on the rig with
gaitcheck's own angle functions.

    >>> from gaitcheck.synth import ClipSpec, LegControl, SingleLegSquat, render_clip
    >>> spec = ClipSpec(movement=SingleLegSquat(stance="right", stance_leg=LegControl(valgus_deg=12)))
    >>> result = render_clip(spec, "clip.mp4")   # clip.mp4, clip.truth.csv, clip.truth.json
    >>> result.truth[["time_s", "right_fppa_deg"]]

``ClipSpec(..., bystander=Bystander())`` adds a second person (standing by, or walking across the
picture with `walking_across(camera)`); the sidecar then has both people's image boxes frame by frame.

`variety.random_clip_spec(seed)` draws a varied spec (body, movement knobs, phone camera - height,
distance, yaw, pitch, roll, field of view, size, frame rate - look and compression) and
`variety.factors(spec)` flattens it for binning. ``python benchmarks/contact_sheet.py`` renders one
frame of each of 24 such specs (seeds 0..23, movements cycling) into docs/synth-contact-sheet.jpg,
captioned with movement, yaw, camera height, horizontal field of view, fps and roll: look at it after
changing the generator, to see that every body is in frame and looks human.

Needs the optional extra (anny and a CPU torch): pip install 'gaitcheck[synth]'. Importing this
package does not import them; rendering does.
"""

from gaitcheck.synth.body import BODY_PRESETS, Body, body_preset, random_body
from gaitcheck.synth.bystander import Bystander, walking_across
from gaitcheck.synth.camera import Camera
from gaitcheck.synth.clip import ClipResult, ClipSpec, render_clip, truth_paths
from gaitcheck.synth.encode import Encoding
from gaitcheck.synth.movements import LegControl, Running, SingleLegSquat, Squat, StepDown
from gaitcheck.synth.scene import Realism
from gaitcheck.synth.variety import benchmark_specs, random_clip_spec

__all__ = [
    "BODY_PRESETS",
    "Body",
    "Bystander",
    "Camera",
    "ClipResult",
    "ClipSpec",
    "Encoding",
    "LegControl",
    "Realism",
    "Running",
    "SingleLegSquat",
    "Squat",
    "StepDown",
    "benchmark_specs",
    "body_preset",
    "random_body",
    "random_clip_spec",
    "render_clip",
    "truth_paths",
    "walking_across",
]
