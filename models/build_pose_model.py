"""Rebuild models/pose_landmarker_full.task (and _heavy.task) offline from published packages.

Why: current mediapipe (1.x) ships no pose model and this project must never fetch one at
run time. The 0.10.21 wheel (Apache-2.0) still carries the BlazePose GHUM detector and the
"full" landmark network as bare .tflite files. The Tasks API needs image-normalisation
metadata on them and both zipped together as a `.task` bundle (a stored zip).

Run it in a throwaway virtual environment (the 0.10.21 wheel pins old numpy/protobuf):

    python3 -m venv /tmp/mp021 && /tmp/mp021/bin/pip install mediapipe==0.10.21
    /tmp/mp021/bin/python models/build_pose_model.py

It rewrites models/pose_landmarker_full.task and models/PROVENANCE.json. The "heavy" landmark
network is not in the wheel; the npm package @mediapipe/pose 0.5.1675469404 (Apache-2.0) carries
it, byte-identical "full" network beside it (same sha256 as the wheel's):

    npm pack @mediapipe/pose@0.5.1675469404 && tar xzf mediapipe-pose-0.5.1675469404.tgz
    /tmp/mp021/bin/python models/build_pose_model.py --heavy package/pose_landmark_heavy.tflite

which writes models/pose_landmarker_heavy.task and models/PROVENANCE_heavy.json (the detector is
the wheel's). The output is byte-for-byte reproducible for the same inputs (fixed zip timestamps).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import zipfile
from importlib import metadata as importlib_metadata
from pathlib import Path

import mediapipe
from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

HERE = Path(__file__).resolve().parent
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
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heavy", type=Path, help="pose_landmark_heavy.tflite from the npm package @mediapipe/pose")
    args = parser.parse_args()
    landmark_model = LANDMARKS if args.heavy is None else args.heavy.resolve()
    out = HERE / ("pose_landmarker_full.task" if args.heavy is None else "pose_landmarker_heavy.task")
    detector = with_metadata(DETECTOR, "pose_detector", DETECTOR_NORM, DETECTOR_OUTPUTS)
    landmarks = with_metadata(landmark_model, "pose_landmarks_detector", LANDMARK_NORM, LANDMARK_OUTPUTS)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as bundle:
        for member, data in (
            ("pose_detector.tflite", detector),
            ("pose_landmarks_detector.tflite", landmarks),
        ):
            info = zipfile.ZipInfo(member, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = aligned_extra(bundle.fp.tell(), member)
            bundle.writestr(info, data)
    provenance = {
        "file": out.name,
        "sha256": sha256(out.read_bytes()),
        "bytes": out.stat().st_size,
        "built_by": "models/build_pose_model.py" + ("" if args.heavy is None else " --heavy"),
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
    if args.heavy is not None:
        provenance["inputs"] = {
            str(DETECTOR.relative_to(PKG.parent)): provenance["inputs"][str(DETECTOR.relative_to(PKG.parent))],
            "npm @mediapipe/pose 0.5.1675469404: pose_landmark_heavy.tflite": {
                "sha256": sha256(landmark_model.read_bytes()),
                "bytes": landmark_model.stat().st_size,
            },
        }
        provenance["source_package"] = "mediapipe (detector, metadata writer); npm @mediapipe/pose (landmark network)"
        provenance["check"] = (
            "2026-12-04: loads and runs under mediapipe 1.2.2 (VIDEO and IMAGE modes); on 52 renders its "
            "landmarks are scored against the truth in docs/accuracy.md ('Another pose model')."
        )
    name = "PROVENANCE.json" if args.heavy is None else "PROVENANCE_heavy.json"
    (HERE / name).write_text(json.dumps(provenance, indent=2) + "\n")
    print(f"wrote {out} ({provenance['bytes']} bytes, sha256 {provenance['sha256']})")


if __name__ == "__main__":
    main()
