"""A contact sheet of the synthetic benchmark's variety: one frame of each of 24 random clip specs.

    python benchmarks/contact_sheet.py                      # seeds 0..23 -> docs/synth-contact-sheet.jpg
    python benchmarks/contact_sheet.py --seed 100 --out /tmp/sheet.jpg

Spec i is gaitcheck.synth.variety.random_clip_spec(seed + i) with the movement kinds cycling
(squat, single-leg squat, step-down, run). Only the frame shown is rendered (the first repetition's
bottom, or the first midstance when running), not the clip. Frames are scaled into 3:4 tiles of
one height (portrait frames fill the height, landscape ones the width) and laid out 6 x 4, each
captioned with the movement, camera yaw, height, horizontal field of view, frame rate and roll.
Needs the synth extra (pip install 'gaitcheck[synth]').
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from gaitcheck.synth.clip import render_stills  # noqa: E402
from gaitcheck.synth.variety import MOVEMENT_KINDS, factors, random_clip_spec  # noqa: E402

COLUMNS, ROWS = 6, 4
TILE_HEIGHT_PX = 400
CAPTION_PX = 40
SHORT_NAMES = {"squat": "squat", "single-leg-squat": "SL squat", "step-down": "step-down", "run": "run"}


def caption(values: dict) -> tuple[str, str]:
    """Two short caption lines for a tile."""
    first = f"{SHORT_NAMES[values['movement']]}  yaw {values['yaw_deg']:+.0f}  {values['view']}"
    second = (
        f"cam {values['camera_height_m']:.2f} m  hfov {values['horizontal_fov_deg']:.0f}  "
        f"{values['fps']:.0f} fps  roll {values['roll_deg']:+.0f}"
    )
    return first, second


def tile(rgb: np.ndarray, lines: tuple[str, str], width_px: int) -> np.ndarray:
    """The frame scaled to TILE_HEIGHT_PX high (landscape frames: to the tile's width, so nothing is
    cropped), centred on a tile width_px wide, with a caption strip below."""
    scale = min(TILE_HEIGHT_PX / rgb.shape[0], width_px / rgb.shape[1])
    size = (max(1, round(rgb.shape[1] * scale)), max(1, round(rgb.shape[0] * scale)))
    scaled = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    out = np.full((TILE_HEIGHT_PX + CAPTION_PX, width_px, 3), 24, np.uint8)
    top, left = (TILE_HEIGHT_PX - size[1]) // 2, (width_px - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = scaled
    for row, text in enumerate(lines):
        y = TILE_HEIGHT_PX + 16 + 18 * row
        cv2.putText(out, text, (6, y), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (235, 235, 235), 1, cv2.LINE_AA)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "synth-contact-sheet.jpg")
    parser.add_argument("--quality", type=int, default=85, help="JPEG quality (default 85)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)

    start = time.perf_counter()
    n = COLUMNS * ROWS
    specs = [random_clip_spec(args.seed + i, MOVEMENT_KINDS[i % len(MOVEMENT_KINDS)]) for i in range(n)]
    tile_width = round(TILE_HEIGHT_PX * 0.75)  # a 3:4 cell
    tiles = []
    for index, spec in enumerate(specs):
        rgb = next(iter(render_stills(spec).values()))
        tiles.append(tile(rgb, caption(factors(spec)), tile_width))
        print(f"{index + 1}/{n} seed {spec.seed} {spec.movement.kind}", file=sys.stderr, flush=True)
    rows = [np.hstack(tiles[r * COLUMNS : (r + 1) * COLUMNS]) for r in range(ROWS)]
    sheet = np.vstack(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, args.quality] if args.out.suffix.lower() in (".jpg", ".jpeg") else []
    cv2.imwrite(str(args.out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), params)
    elapsed = time.perf_counter() - start
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {elapsed:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
