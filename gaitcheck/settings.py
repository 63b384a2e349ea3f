"""The one place where gaitcheck's defaults live.

`Settings` feeds the Python API (keyword overrides), the TOML config file (`--config`) and the
command line (flags are generated from the fields below, help text included), so a default is
written exactly once.
"""

from __future__ import annotations

import dataclasses
import sys
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self, cast

from gaitcheck.errors import InputError
from gaitcheck.vocabulary import Movement

#: What the user may ask for: a movement or view of the vocabulary, or "auto" to detect it.
#: (An oblique view is only ever detected; the user films front, back or side.)
MovementChoice = Literal["auto", Movement]
ViewChoice = Literal["auto", "front", "back", "side"]

#: How to choose the person to assess, besides a person's number (gaitcheck.tracking).
SUBJECT_RULES = ("auto", "largest", "center")

PACKAGE_DIR = Path(__file__).resolve().parent
MODEL_NAME = "pose_landmarker_full.task"
#: The pose models in models/, by name (--model full|heavy); "heavy" (30 MB) is not kept in git and is
#: built once by `make heavy-model`. It is the larger BlazePose
#: GHUM landmark network: on 52 renders it cut FPPA error at the events by a fifth and every other
#: measure's too (docs/accuracy.md, 'Another posing of the same renders'), for about 2.2 times the analysis time
#: (docs/performance.md, 'Flip averaging').
BUNDLED_MODELS = {"full": MODEL_NAME, "heavy": "pose_landmarker_heavy.task"}


def _bundled_model(name: str = MODEL_NAME) -> Path:
    """models/ of the source tree (checkout or editable install), else the installed copy."""
    for folder in (PACKAGE_DIR.parent / "models", Path(sys.prefix) / "share" / "gaitcheck" / "models"):
        if (folder / name).is_file():
            return folder / name
    return PACKAGE_DIR.parent / "models" / name  # reported as missing by the pose stage


DEFAULT_MODEL = _bundled_model()


def _opt(default: Any, help: str, *, cli: bool = True, metavar: str | None = None) -> Any:
    return field(default=default, metadata={"help": help, "cli": cli, "metavar": metavar})


class _Options:
    """What Settings and OutputOptions share: checked construction from a mapping, copies with
    changes, and a JSON form. Subclasses are frozen dataclasses built with `_opt` fields."""

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(cast(Any, cls)))

    @classmethod
    def pick(cls, values: dict[str, Any]) -> dict[str, Any]:
        """The entries of `values` that are fields of this class (keys may use '-' or '_')."""
        names = cls.field_names()
        return {k.replace("-", "_"): v for k, v in values.items() if k.replace("-", "_") in names}

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> Self:
        """Build from a dict (kwargs or a parsed TOML file); keys may use '-' or '_'."""
        known = cls.field_names()
        kwargs: dict[str, Any] = {}
        for raw_key, value in values.items():
            key = raw_key.replace("-", "_")
            if key not in known:
                raise InputError(f"unknown setting '{raw_key}' (known: {', '.join(sorted(known))})")
            kwargs[key] = _coerce(cls, key, value)
        return cls(**kwargs)

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes` applied, checked like any other input."""
        return self.from_mapping({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.field_names()}

    def to_json(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.to_dict().items()}


#: Settings that bound a run (how long, how many frames) but never change a number it gives: a
#: result made under other limits is the same result (gaitcheck batch leaves them out of its keys).
LIMIT_FIELDS = ("timeout_s", "max_frames")


@dataclass(frozen=True)
class Settings(_Options):
    """Every tunable that shapes the numbers, with its default and the reason for it."""

    movement: MovementChoice = _opt("auto", "what the person does; auto detects it from the landmarks")
    view: ViewChoice = _opt("auto", "where the camera stands relative to the person; auto detects it")
    model: Path | None = _opt(
        None,
        "pose model: 'full' (default, faster), 'heavy' (more accurate, ~2.2x the time; `make heavy-model` builds it) "
        "or the path of a MediaPipe pose landmarker bundle (.task)",
        metavar="NAME|PATH",
    )
    capture_fps: float | None = _opt(
        None,
        "true capture rate of a slowed-down clip (e.g. 240 for a slow-motion file stored at 30 fps); "
        "default: read from the file's metadata when present",
        metavar="FPS",
    )
    subject: str = _opt(
        "auto",
        "who to assess when several people are in the picture: auto (the one doing the movement), "
        "largest, center, or a person's number from summary.json's subject.candidates",
        metavar="auto|largest|center|N",
    )
    max_cover_share: float = _opt(
        0.5,
        "read no angle in the subject's frames where another person's body covers more than this share "
        "of theirs in the picture (in front or behind: the model mixes the two bodies there); 1 reads them all",
        cli=False,
    )
    # --- limits ---------------------------------------------------------------------------------
    timeout_s: float = _opt(
        3600.0,
        "stop one clip's analysis (decoding, pose inference and report) after this many seconds, with a "
        "sentence, instead of holding the computer; 0: no limit",
        metavar="S",
    )
    max_frames: int = _opt(
        108_000,
        "refuse a clip with more frames than this (counted from the packets in the file, not its header; "
        "the default is 30 minutes at 60 fps); 0: no limit",
        metavar="N",
    )
    # --- pose -----------------------------------------------------------------------------------
    min_detection_confidence: float = _opt(0.5, "MediaPipe pose detection confidence threshold")
    min_tracking_confidence: float = _opt(0.5, "MediaPipe tracking confidence threshold")
    max_inference_side_px: int = _opt(
        1280,
        "frames with a longer side are scaled down before pose inference (the model looks at a "
        "256-px crop anyway); landmarks stay in full-resolution pixels; 0 keeps full size",
        metavar="PX",
    )
    flip_average: bool = _opt(
        True,
        "also run the model on the mirror image of each frame and average: cancels MediaPipe's "
        "left/right asymmetry (runs a second landmarker in parallel: slower)",
    )
    max_pose_fps: float = _opt(
        60.0,
        "pose rate for squats, single-leg squats, step-downs and lunges: a faster (slow-motion) clip is "
        "posed on every k-th frame, ten times their 6 Hz filter cut-off; running keeps every frame "
        "(contact timing needs them); 0: every frame",
        metavar="FPS",
    )
    # --- cleaning -------------------------------------------------------------------------------
    repair_swaps: bool = _opt(True, "detect and undo left/right landmark label swaps")
    min_visibility: float = _opt(0.5, "landmarks MediaPipe scores below this visibility are treated as missing")
    max_gap_s: float = _opt(
        0.2, "gaps up to this long are interpolated; longer gaps stay empty and are counted", metavar="S"
    )
    hampel_window_s: float = _opt(0.2, "half-width of the Hampel outlier window", metavar="S")
    hampel_n_sigma: float = _opt(3.0, "Hampel threshold in robust standard deviations")
    cutoff_hz: float | None = _opt(
        None,
        "low-pass cut-off for the zero-lag Butterworth filter; default by movement (squat-like tasks vs running)",
        metavar="HZ",
    )
    cutoff_squat_hz: float = _opt(6.0, "default cut-off for squats, single-leg squats and step-downs", metavar="HZ")
    cutoff_run_hz: float = _opt(12.0, "default cut-off for running (10-15 Hz usual)", metavar="HZ")
    filter_order: int = _opt(4, "Butterworth order (applied forwards and backwards: zero lag)")
    # --- kinematics -----------------------------------------------------------------------------
    min_knee_flexion_for_rotation_deg: float = _opt(
        20.0,
        "hip internal rotation is estimated only while the knee is flexed at least this much "
        "(the knee flexion plane is undefined on a straight leg)",
        metavar="DEG",
    )
    camera_allowance: bool = _opt(
        True,
        "grade the knee allowing for the camera's angle off square: the apparent valgus or varus that "
        "a turned camera adds at a bent knee (Englander 2019) is taken out of the graded measure, and "
        "what the picture showed is kept beside it (docs/definitions.md, 'The camera's angle')",
    )
    calibrate: bool = _opt(
        False,
        "apply the linear correction of frontal-plane angles fitted on gaitcheck's own renders "
        "(gaitcheck/calibration.json). Off by default: held out on factors it was not fitted on "
        "(docs/accuracy.md) and on another generator's renders, it did not lower the error everywhere",
    )

    @property
    def model_path(self) -> Path:
        if self.model is None:
            return DEFAULT_MODEL
        name = str(self.model)
        return _bundled_model(BUNDLED_MODELS[name]) if name in BUNDLED_MODELS else Path(self.model)

    def __post_init__(self) -> None:
        rule = str(self.subject).strip().lower()
        if rule not in SUBJECT_RULES and not (rule.isdigit() and int(rule) >= 1):
            raise InputError(
                f"setting 'subject' must be auto, largest, center or a person's number (got {self.subject!r})"
            )
        object.__setattr__(self, "subject", rule)
        if self.max_frames < 0:
            raise InputError(f"setting 'max_frames' must be 0 (no limit) or more (got {self.max_frames})")
        if not 0.0 < self.max_cover_share <= 1.0:
            raise InputError(f"setting 'max_cover_share' must be above 0 and at most 1 (got {self.max_cover_share})")


@dataclass(frozen=True)
class OutputOptions(_Options):
    """Which files a run writes besides the data files. Nothing here changes a number, so none of
    it is recorded in summary.json's settings."""

    report: bool = _opt(True, "write report.html (one self-contained file), reps.csv and the curve figures in plots/")
    annotated_video: bool = _opt(
        True,
        "write annotated.mp4 (H.264: skeleton, hip-knee-ankle lines coloured by verdict, angle readouts) and "
        "key frames; needs the source video",
    )
    blur_faces: bool = _opt(False, "blur the face in every output picture and video (key frames, annotated.mp4)")
    pdf: bool = _opt(False, "also write the report as report.pdf")
    trc: bool = _opt(False, "also write landmarks.trc: the cleaned 2-D landmarks in pixels, OpenSim TRC format")
    every_plot: bool = _opt(
        False,
        "also write each measure's own figures to plots/ (its curves over the clip and per repetition or "
        "step); by default plots/ holds the report's figures, and report.html draws every measure itself",
    )
    svg_plots: bool = _opt(False, "also write the figures in plots/ as SVG (vector, for papers); PNG always")


CONFIG_CLASSES: tuple[type[_Options], ...] = (Settings, OutputOptions)


def read_toml(path: str | Path) -> dict[str, Any]:
    """What a TOML file sets (top level or a [gaitcheck] table), checked, by field name: analysis
    settings and output options alike (split them with `Settings.pick` / `OutputOptions.pick`)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file not found: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config file {path} is not valid TOML: {exc}") from None
    data = {key.replace("-", "_"): value for key, value in data.get("gaitcheck", data).items()}
    known = {name for cls in CONFIG_CLASSES for name in cls.field_names()}
    for key in data:
        if key not in known:
            raise InputError(f"unknown setting '{key}' (known: {', '.join(sorted(known))})")
    return {key: _coerce(cls, key, data[key]) for cls in CONFIG_CLASSES for key in cls.pick(data)}


def cli_fields(of: type[_Options] | None = None) -> list[dataclasses.Field]:
    """The fields exposed as command-line flags (of one class, or of both), in declaration order."""
    classes = CONFIG_CLASSES if of is None else (of,)
    return [f for cls in classes for f in dataclasses.fields(cast(Any, cls)) if f.metadata.get("cli", False)]


def field_type(f: dataclasses.Field) -> Any:
    """The resolved annotation of a settings or output field (annotations are strings here)."""
    for cls in CONFIG_CLASSES:
        hints = typing.get_type_hints(cls)
        if f.name in hints:
            return hints[f.name]
    raise KeyError(f.name)


def _coerce(cls: type, name: str, value: Any) -> Any:
    """Check and convert one value against its field's annotation; one clear error otherwise."""
    hint = typing.get_type_hints(cls)[name]
    optional = False
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0]
    if value is None:
        if optional:
            return None
        raise InputError(f"setting '{name}' needs a value")
    if typing.get_origin(hint) is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise InputError(f"setting '{name}' must be one of {', '.join(choices)} (got {value!r})")
        return value
    try:
        if hint is bool:
            if isinstance(value, str):
                if value.lower() in ("1", "true", "yes", "on"):
                    return True
                if value.lower() in ("0", "false", "no", "off"):
                    return False
                raise ValueError(value)
            return bool(value)
        if hint is Path:
            return Path(value).expanduser()
        if hint is float:
            number = float(value)
            if number != number or number < 0:
                raise ValueError(value)
            return number
        if hint is int:
            return int(value)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"setting '{name}' has an invalid value: {value!r}") from None
    return value
