"""A runner filmed obliquely from behind at 120 fps, rendered and posed by real MediaPipe: the foot
contacts found from the feet's height in the picture (events._steps_from_height)."""

from __future__ import annotations

import pytest

import gaitcheck
from gaitcheck.synth import Camera, ClipSpec, LegControl, Running, render_clip
from gaitcheck.synth.body import BODY_PRESETS
from gaitcheck.synth.reference import load_reference

pytestmark = [pytest.mark.synth, pytest.mark.slow]

pytest.importorskip("anny")  # the optional extra


def test_an_oblique_runner_at_120_fps_has_its_contacts_found(tmp_path):
    """40 deg off square behind the runner, camera at 0.75 m: a landing's descent in the picture is
    slower than the foot's rise after toe-off, and with events.LANDING_SHARE at 0.3 only 4 of the 8
    contacts were found (rendered on 2026-12-05 after the share was lowered to 0.2 on the accuracy
    renders, so held out from that choice)."""
    camera = Camera(height_m=0.75, distance_m=2.5, yaw_deg=140.0, width_px=480, height_px=854, fps=120.0)
    leg = LegControl(valgus_deg=7.0, knee_flexion_deg=43.0, toe_out_deg=14.0)
    running = Running(duration_s=3.0, cadence_spm=185.0, left=leg, right=leg, trunk_forward_lean_deg=14.0)
    path = tmp_path / "oblique_runner.mp4"
    render_clip(ClipSpec(running, BODY_PRESETS["male"], camera), path)
    analysis, ref = gaitcheck.analyze(path), load_reference(path)
    assert analysis.movement.value == "run"
    within = round(0.034 * camera.fps)  # 2 frames at 60 fps
    found = [
        any(s.leg == true.leg and abs(s.contact_frame - true.contact_frame) <= within for s in analysis.steps)
        for true in ref.steps
    ]
    assert sum(found) >= len(found) - 1, [(s.leg, s.contact_frame) for s in analysis.steps]
