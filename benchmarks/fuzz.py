"""Fuzzing gaitcheck's entry points with hypothesis (issue 15): what must never raise anything but a
GaitcheckError (one sentence for the user), nor hang.

    python benchmarks/fuzz.py                       # every entry point, 10 minutes each
    python benchmarks/fuzz.py --minutes 2 video     # one entry point, shorter

Entry points:
- `video`: mp4/mov/mkv bytes, mutated (bit flips, overwritten and zeroed runs, cut, box sizes and
  timestamps garbled), into `probe_video` and `iter_frames` (the first frames);
- `landmarks`: landmark series with NaN runs, left/right swaps, jumps, zero-length limbs, frames
  without a person and repeated times, into `pipeline.analyze_landmarks` (cleaning, kinematics,
  events, assess);
- `settings`: random keys and values into `Settings.from_mapping`, random TOML text into
  `read_toml`, and random flags into `gaitcheck analyze` (in-process: exit code 70 is a bug).

Each example runs under a 20 s alarm: a hang is a finding. Findings are printed with the input that
caused them (hypothesis shrinks it); fixed ones are kept as regression cases in tests/test_fuzz_regressions.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_ALARM_S = 20
BATCH = 25
FINDINGS: list[str] = []
COUNT = {"examples": 0}


class Hang(Exception):
    """An example ran past EXAMPLE_ALARM_S."""


@contextlib.contextmanager
def alarm(seconds: int) -> Iterator[None]:
    def ring(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def guarded(run: Callable[[], None], describe: str) -> None:
    """Run one example: a GaitcheckError is the expected way to fail; anything else is a finding."""
    from gaitcheck.errors import GaitcheckError

    COUNT["examples"] += 1
    try:
        with alarm(EXAMPLE_ALARM_S):
            run()
    except GaitcheckError as exc:
        text = str(exc)
        if "\n" in text or not text:
            FINDINGS.append(f"{describe}: an error message that is not one line: {text!r}")
    except Exception as exc:
        FINDINGS.append(f"{describe}: {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}")


# ------------------------------------------------------------------------------------------------
# video bytes
# ------------------------------------------------------------------------------------------------
def seed_clips(folder: Path) -> list[bytes]:
    """Small good clips in three containers: the fuzzer mutates these."""
    from tests.helpers import marker_frame, write_clip

    frames = [marker_frame(64, 48, i) for i in range(12)]
    made = [
        write_clip(folder / "a.mp4", frames, faststart=True),
        write_clip(folder / "b.mov", frames, codec="mpeg4"),
        write_clip(folder / "c.mkv", frames, times_s=[i / 25 for i in range(12)]),
    ]
    return [path.read_bytes() for path in made]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes]) -> tuple[str, bytes]:
    """A seed clip with a few random edits: bit flips, overwritten or zeroed runs, a cut, a swap."""
    index = draw(st.integers(0, len(seeds) - 1))
    data = bytearray(seeds[index])
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "overwrite", "zero", "cut", "duplicate", "box-size"]))
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        elif kind == "zero":
            data[at : at + draw(st.integers(1, 4096))] = b"\0" * min(4096, len(data) - at)
        elif kind == "cut":
            del data[max(8, at) :]
        elif kind == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 2048))]
        else:  # a box's size field: the 4 bytes before a 4-letter type
            found = data.find(draw(st.sampled_from([b"moov", b"mdat", b"trak", b"stts", b"stsz", b"stco"])))
            if found >= 4:
                data[found - 4 : found] = draw(st.binary(min_size=4, max_size=4))
    suffix = (".mp4", ".mov", ".mkv")[index]
    return suffix, bytes(data)


def video_entry(folder: Path) -> Callable[[], None]:
    from gaitcheck.video import iter_frames, probe_video

    seeds = seed_clips(folder)
    target = folder / "fuzz"

    def decode(suffix: str, data: bytes) -> None:
        path = target.with_suffix(suffix)
        path.write_bytes(data)
        info = probe_video(path, max_frames=1000)
        for frame in iter_frames(info, max_side_px=64):
            assert frame.rgb.ndim == 3 and np.isfinite(frame.time_s)

    @settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(mutated(seeds))
    def one(example: tuple[str, bytes]) -> None:
        guarded(lambda: decode(*example), f"video {example[0]} of {len(example[1])} bytes")

    return one


# ------------------------------------------------------------------------------------------------
# landmark series
# ------------------------------------------------------------------------------------------------
@st.composite
def landmark_series(draw: st.DrawFn) -> Any:
    """A squat or a run of known landmarks, damaged the ways pose estimates are."""
    from gaitcheck.landmarks import INDEX, MIRROR
    from tests.helpers import running_series, squatting_series

    fps = draw(st.sampled_from([24.0, 30.0, 60.0, 240.0]))
    if draw(st.booleans()):
        series = squatting_series(draw(st.integers(2, 240)), fps, draw(st.sampled_from(["front", "back", "side"])))
    else:
        series = running_series(draw(st.sampled_from(["front", "back", "side"])), fps, seconds=draw(st.floats(0.1, 3)))[
            0
        ]
    image, world, seen = series.image_px.copy(), series.world_m.copy(), series.visibility.copy()
    time_s, detected = series.time_s.copy(), series.detected.copy()
    n = len(time_s)
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["nan", "swap", "jump", "zero-limb", "lost", "times", "invisible"]))
        start = draw(st.integers(0, n - 1))
        rows = slice(start, start + draw(st.integers(1, n)))
        joint = draw(st.sampled_from(sorted(INDEX)))
        if kind == "nan":
            image[rows, INDEX[joint]] = np.nan
            world[rows, INDEX[joint]] = np.nan
        elif kind == "swap":
            image[rows] = image[rows][:, MIRROR]
        elif kind == "jump":
            image[rows, INDEX[joint]] += draw(st.floats(-5000, 5000))
        elif kind == "zero-limb":
            image[rows, INDEX["left_knee"]] = image[rows, INDEX["left_hip"]]
            image[rows, INDEX["left_ankle"]] = image[rows, INDEX["left_hip"]]
        elif kind == "lost":
            detected[rows] = False
            image[rows] = np.nan
        elif kind == "times":
            time_s[rows] = time_s[start]
        else:
            seen[rows] = draw(st.floats(0, 1))
    return series.replace(image_px=image, world_m=world, visibility=seen, time_s=time_s, detected=detected)


def landmarks_entry(folder: Path) -> Callable[[], None]:
    from gaitcheck import pipeline
    from gaitcheck.model import VideoInfo
    from gaitcheck.settings import Settings

    def analyse(series: Any, movement: str, view: str) -> None:
        n = len(series.time_s)
        info = VideoInfo("fuzz.mp4", "mp4", "h264", series.width_px, series.height_px, 0, 30.0, n, n / 30.0)
        pipeline.analyze_landmarks(series, info, Settings(movement=movement, view=view))  # type: ignore[arg-type]

    @settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        landmark_series(),
        st.sampled_from(["auto", "squat", "single-leg-squat", "step-down", "run"]),
        st.sampled_from(["auto", "front", "back", "side"]),
    )
    def one(series: Any, movement: str, view: str) -> None:
        guarded(lambda: analyse(series, movement, view), f"landmarks: {len(series.time_s)} frames, {movement}, {view}")

    return one


# ------------------------------------------------------------------------------------------------
# settings, TOML files and flags
# ------------------------------------------------------------------------------------------------
def setting_names() -> list[str]:
    from gaitcheck.settings import OutputOptions, Settings

    return [*Settings.field_names(), *OutputOptions.field_names(), "no_such_setting"]


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
TOML_LINES = st.one_of(
    st.builds(
        lambda k, v: f"{k} = {v}",
        st.sampled_from(setting_names()),
        st.sampled_from(
            ["1", "-1", "0", "1e400", "nan", "inf", '"auto"', '"x"', "true", "[1, 2]", "{a = 1}", '""', "2026-01-01"]
        ),
    ),
    st.text(max_size=40),
    st.just("[gaitcheck]"),
)
FLAGS = st.lists(
    st.one_of(
        st.sampled_from(["--" + name.replace("_", "-") for name in setting_names()]),
        st.sampled_from(["--no-report", "--quiet", "--verbose", "--", "-", "--config", "--out", "-clip.mp4"]),
        st.text(max_size=12),
        st.sampled_from(["0", "-1", "nan", "inf", "1e999", "auto", "squat", "front", "3"]),
    ),
    max_size=8,
)


def settings_entry(folder: Path) -> Callable[[], None]:
    from gaitcheck.cli import EXIT_INTERNAL, main
    from gaitcheck.settings import Settings, read_toml

    config = folder / "fuzz.toml"

    def run(values: dict[str, Any], lines: list[str], flags: list[str]) -> None:
        Settings.from_mapping(values)
        config.write_text("\n".join(lines), encoding="utf-8")
        read_toml(config)

    def cli(lines: list[str], flags: list[str]) -> None:
        config.write_text("\n".join(lines), encoding="utf-8")
        argv = ["analyze", str(folder / "missing.mp4"), "--out", str(folder / "out"), "--config", str(config), *flags]
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            try:
                code = main(argv)
            except SystemExit as exit_:  # --help, --version
                code = exit_.code if isinstance(exit_.code, int) else 0
        if code == EXIT_INTERNAL or "Traceback" in stderr.getvalue():
            raise AssertionError(f"gaitcheck {argv!r} failed with a bug: {stderr.getvalue()}")
        if code != 0 and stderr.getvalue().count("\n") != 1:
            raise AssertionError(f"gaitcheck {argv!r} printed more than one line: {stderr.getvalue()!r}")

    @settings(max_examples=BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        st.dictionaries(st.sampled_from(setting_names()), VALUES, max_size=4), st.lists(TOML_LINES, max_size=5), FLAGS
    )
    def one(values: dict[str, Any], lines: list[str], flags: list[str]) -> None:
        guarded(lambda: run(values, lines, flags), f"settings {values!r} / toml {lines!r}")
        guarded(lambda: cli(lines, flags), f"cli flags {flags!r} / toml {lines!r}")

    return one


ENTRY_POINTS: dict[str, Callable[[Path], Callable[[], None]]] = {
    "video": video_entry,
    "landmarks": landmarks_entry,
    "settings": settings_entry,
}


def fuzz(name: str, minutes: float) -> tuple[int, int, float]:
    """Run one entry point for `minutes`; (examples run, new findings, seconds)."""
    started, before, found = time.monotonic(), COUNT["examples"], len(FINDINGS)
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{name}-") as scratch:
        one = ENTRY_POINTS[name](Path(scratch))
        while time.monotonic() - started < minutes * 60:
            one()
    return COUNT["examples"] - before, len(FINDINGS) - found, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("entry_points", nargs="*", choices=[*ENTRY_POINTS, []], help="default: all")
    parser.add_argument("--minutes", type=float, default=10.0, help="per entry point (default: 10)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import logging

    logging.disable(logging.WARNING)  # gaitcheck logs its warnings; the fuzzer wants only findings
    for name in args.entry_points or list(ENTRY_POINTS):
        examples, findings, seconds = fuzz(name, args.minutes)
        print(f"{name:<10} {examples:>7} examples in {seconds:5.0f} s: {findings} findings", flush=True)
    distinct = {}
    for finding in FINDINGS:  # one example per place it failed (the last line of its traceback's code)
        where = [line for line in finding.splitlines() if line.strip().startswith("File ")]
        distinct.setdefault(where[-1] if where else finding.splitlines()[0], finding)
    for finding in distinct.values():
        print("\n" + finding)
    print(f"\n{len(FINDINGS)} findings ({len(distinct)} distinct places)")
    return 1 if FINDINGS else 0


if __name__ == "__main__":
    sys.exit(main())
