"""The `gaitcheck` command line: a thin front-end over the pipeline, the store and the report.

Every settings flag is generated from `gaitcheck.settings.Settings` and `OutputOptions`, so
defaults and help text live in one place.
Precedence: defaults < saved settings (--from-landmarks) < --config file < flags.
Failures print one line on stderr and exit non-zero; tracebacks go to run.log, never the terminal.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
import traceback
import typing
from pathlib import Path
from typing import Any

from gaitcheck import pipeline, report, store
from gaitcheck.context import ProgressEvent, RunContext
from gaitcheck.errors import GaitcheckError, InputError
from gaitcheck.model import Analysis, Issue
from gaitcheck.settings import OutputOptions, Settings, cli_fields, field_type, read_toml
from gaitcheck.summary import primary_cadence_spm
from gaitcheck.synth.cli import add_synth_parser
from gaitcheck.version import __version__
from gaitcheck.vocabulary import SIDES

EXIT_INTERNAL = 70  # EX_SOFTWARE
EXIT_INTERRUPTED = 130
#: What a command-line user can do about a quality issue, by issue code (the issue's own text
#: and tip are front-end neutral).
CLI_HINTS = {
    "view-uncertain": "use --view",
    "movement-uncertain": "use --movement",
    "slow-motion-suspected": "use --capture-fps",
}


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors in one line."""

    def error(self, message: str) -> typing.NoReturn:
        raise InputError(f"{message} (see {self.prog} --help)")


FLAG_GROUPS = (
    (Settings, "analysis settings (shape the numbers; recorded in summary.json; also settable in a --config file)"),
    (OutputOptions, "outputs (which files are written; also settable in a --config file)"),
)


def _add_settings_flags(parser: argparse.ArgumentParser) -> None:
    for options, title in FLAG_GROUPS:
        group = parser.add_argument_group(title)
        for f in cli_fields(options):
            _add_flag(group, f)


def _add_flag(group: Any, f: dataclasses.Field) -> None:
    """One flag from one field: its help text, default, choices and metavar."""
    flag = "--" + f.name.replace("_", "-")
    hint = field_type(f)
    default = f.default
    help_text = f.metadata["help"] + ("" if default is None else f" (default: {default})")
    kwargs: dict[str, Any] = {"dest": f.name, "default": argparse.SUPPRESS, "help": help_text}
    if hint is bool:
        group.add_argument(flag, action=argparse.BooleanOptionalAction, **kwargs)
        return
    if typing.get_origin(hint) is typing.Literal:
        kwargs["choices"] = typing.get_args(hint)
    if f.metadata.get("metavar"):
        kwargs["metavar"] = f.metadata["metavar"]
    group.add_argument(flag, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gaitcheck",
        description="Does the hip keep the knee in line? Knee valgus (FPPA), hip adduction and pelvic drop "
        "from a phone video of a squat, single-leg squat, step-down or running.",
    )
    parser.add_argument("--version", action="version", version=f"gaitcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    analyze = commands.add_parser(
        "analyze",
        help="analyse one video (or re-analyse saved landmarks)",
        description="Analyse a video: pose, cleaned landmarks, per-frame angles, summary.",
    )
    analyze.add_argument("video", nargs="?", help="video file (mp4, mov, avi, mkv, webm)")
    analyze.add_argument("--out", "-o", metavar="DIR", help="result folder (default: <video name>_gaitcheck)")
    analyze.add_argument(
        "--from-landmarks",
        metavar="DIR",
        help="re-run everything after pose inference from the landmarks saved in an earlier result folder",
    )
    analyze.add_argument("--config", metavar="FILE", help="TOML file with settings (keys as the flags below)")
    analyze.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    _add_settings_flags(analyze)
    analyze.set_defaults(func=run_analyze)
    add_synth_parser(commands)
    compare = commands.add_parser(
        "compare",
        help="compare two result folders (before/after treatment, two sessions)",
        description="Compare two gaitcheck result folders: curves per repetition side by side and overlaid, "
        "changes per leg against measurement error. Writes compare.html, compare.csv and plots/.",
    )
    compare.add_argument("first", metavar="DIR_A", help="result folder of the first session (e.g. before)")
    compare.add_argument("second", metavar="DIR_B", help="result folder of the second session (e.g. after)")
    compare.add_argument("--out", "-o", metavar="DIR", help="output folder (default: <DIR_A>_vs_<DIR_B>)")
    compare.add_argument(
        "--labels", nargs=2, metavar=("A", "B"), help="names of the two sessions (default: the folder names)"
    )
    compare.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    compare.set_defaults(func=run_compare)
    add_serve_parser(commands)
    return parser


def add_serve_parser(commands: Any) -> None:
    """`gaitcheck serve`: flags and defaults from gaitcheck.web's ServeOptions (imported lazily: FastAPI
    and uvicorn load only when serving)."""
    from gaitcheck.web.options import ServeOptions

    d = ServeOptions()
    serve = commands.add_parser(
        "serve",
        help="run the upload page and HTTP API on this computer (videos stay local)",
        description="Serve an upload page and a JSON API; worker processes analyse the uploaded videos. "
        "Jobs are kept in the data folder and survive restarts. See docs/web.md.",
    )
    serve.add_argument("--host", default=d.host, help=f"address to listen on (default: {d.host}, this computer only)")
    serve.add_argument("--port", type=int, default=d.port, help=f"port (default: {d.port})")
    serve.add_argument("--data", metavar="DIR", default=str(d.data_dir), help=f"jobs folder (default: ./{d.data_dir})")
    serve.add_argument("--workers", type=int, default=d.workers, help=f"analyses run at once (default: {d.workers})")
    serve.add_argument(
        "--max-upload-mb",
        type=float,
        default=d.max_upload_mb,
        help=f"largest video accepted (default: {d.max_upload_mb:g})",
    )
    serve.add_argument(
        "--token",
        default=os.environ.get("GAITCHECK_TOKEN"),
        help="access token every request must carry (default: $GAITCHECK_TOKEN; none: anyone who can reach the port)",
    )
    serve.add_argument("--lease-s", type=float, default=d.lease_s, help=argparse.SUPPRESS)
    serve.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    from gaitcheck.web.options import ServeOptions
    from gaitcheck.web.server import serve

    if args.workers < 0 or not 0 <= args.port <= 65535 or args.max_upload_mb <= 0 or args.lease_s <= 0:
        raise InputError(
            "--workers must be 0 or more, --port 0-65535, --max-upload-mb above 0 (see gaitcheck serve --help)"
        )
    if args.host not in ("127.0.0.1", "localhost", "::1") and not args.token:
        print(
            f"gaitcheck: warning: serving on {args.host} without --token: anyone on the network can upload and "
            "see results",
            file=sys.stderr,
        )
    options = ServeOptions(
        host=args.host,
        port=args.port,
        data_dir=Path(args.data),
        workers=args.workers,
        max_upload_mb=args.max_upload_mb,
        token=args.token or None,
        lease_s=args.lease_s,
    )
    return serve(options)


# ------------------------------------------------------------------------------------------------
def _options_from(args: argparse.Namespace, base: Settings) -> tuple[Settings, OutputOptions]:
    """base (defaults) < keys present in --config < flags given on the command line."""
    given = {f.name: getattr(args, f.name) for f in cli_fields() if hasattr(args, f.name)}
    from_file = read_toml(args.config) if args.config else {}
    chosen = {**from_file, **given}
    return base.replace(**Settings.pick(chosen)), OutputOptions().replace(**OutputOptions.pick(chosen))


class _Progress:
    """A one-line frame counter on a terminal; silent when output is piped or --quiet."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self._last = -1

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled or event.stage != "decode/pose":
            return
        done, total = event.done, event.total
        percent = int(100 * done / total) if total else 0
        if percent != self._last:
            self._last = percent
            print(f"\rpose estimation: {done}/{total} frames ({percent}%)", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.enabled and self._last >= 0:
            print("\r" + " " * 60 + "\r", end="", file=sys.stderr, flush=True)


def run_analyze(args: argparse.Namespace) -> int:
    if bool(args.video) == bool(args.from_landmarks):
        raise InputError("give either a VIDEO or --from-landmarks DIR (see gaitcheck analyze --help)")
    progress = _Progress(not args.quiet)
    context = RunContext(on_progress=progress)
    if args.from_landmarks:
        raw, info, saved = store.load_landmarks(args.from_landmarks)
        settings, outputs = _options_from(args, saved)
        out = Path(args.out) if args.out else Path(args.from_landmarks)
        analysis = pipeline.analyze_landmarks(raw, info, settings, context=context)
    else:
        video = Path(args.video)
        settings, outputs = _options_from(args, Settings())
        out = Path(args.out) if args.out else Path(f"{video.stem}_gaitcheck")
        args._out = out
        try:
            analysis = pipeline.analyze(video, settings, context=context)
        finally:
            progress.finish()
    with store.staged(out) as stage:
        store.save(analysis, stage)
        report.write(analysis, stage, outputs, context=context)
    if not args.quiet:
        print(describe(analysis, out))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from gaitcheck.report.compare import compare_folders

    first, second = Path(args.first), Path(args.second)
    out = Path(args.out) if args.out else Path(f"{first.resolve().name}_vs_{second.resolve().name}")
    args._out = out if args.out else None
    page = compare_folders(first, second, out, tuple(args.labels) if args.labels else None)
    if not args.quiet:
        print(f"gaitcheck {__version__}: compared {first} and {second}\n  report    {page}")
    return 0


def describe(analysis: Analysis, out: Path) -> str:
    """A few lines a person reads in the terminal after a run."""
    info = analysis.video
    reps, steps = analysis.reps, analysis.steps
    cadence = primary_cadence_spm(analysis)
    slow = analysis.slow_motion_suspected
    if slow is not None:
        factor = f"{slow.factor:.0f}x"
        events = f"{len(steps)} steps, cadence withheld (the clip looks slowed down about {factor}; give --capture-fps)"
    else:
        events = f"{len(steps)} steps, cadence {cadence:.0f}/min" if cadence else f"{len(reps)} reps"
    rows = [
        f"gaitcheck {__version__}: {Path(info.path).name}",
        f"  video     {info.width_px}x{info.height_px} px, {info.fps:.1f} fps, {info.n_frames} frames "
        f"({info.duration_s:.1f} s)" + (f", rotated {info.rotation_deg} deg" if info.rotation_deg else ""),
        f"  person    found in {analysis.landmarks.raw.detection_rate:.0%} of frames",
        f"  view      {analysis.view.value} ({analysis.view.source}, confidence {analysis.view.confidence:.2f})",
        f"  movement  {analysis.movement.value} ({analysis.movement.source}, "
        f"confidence {analysis.movement.confidence:.2f}); {events}",
    ]
    for side in SIDES:
        leg = analysis.legs[side]
        hip = {True: "; the hip contributes", False: "; the hip contributes little", None: ""}[leg.hip_contributes]
        rows.append(f"  {side:<9} {leg.verdict} (confidence {leg.confidence}){hip}: {leg.reasons[0]}")
    warnings = [_with_hint(issue) for issue in analysis.issues]
    rows.append("  warnings  " + ("none" if not warnings else warnings[0]))
    rows.extend("            " + w for w in warnings[1:])
    rows.append(f"  results   {out}/")
    if (out / "report.html").is_file():
        rows.append(f"  report    {out / 'report.html'}")
    return "\n".join(rows)


def _with_hint(issue: Issue) -> str:
    hint = CLI_HINTS.get(issue.code)
    return f"{issue.text} ({hint})" if hint else issue.text


# ------------------------------------------------------------------------------------------------
def _record_crash(args: argparse.Namespace | None, exc: BaseException) -> str:
    """Append the traceback to the run's log when we know its folder; return where it went."""
    out = getattr(args, "_out", None) or (Path(args.out) if args is not None and getattr(args, "out", None) else None)
    text = "".join(traceback.format_exception(exc))
    if out is None:
        logging.getLogger("gaitcheck").debug(text)
        return ""
    try:
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "run.log", "a", encoding="utf-8") as handle:
            handle.write(text)
        return f" (details in {out / 'run.log'})"
    except OSError:
        return ""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return args.func(args)
    except GaitcheckError as exc:
        print(f"gaitcheck: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("gaitcheck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("gaitcheck: error: out of memory", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug: one line for the user, the traceback for the report
        where = _record_crash(args, exc)
        print(
            f"gaitcheck: internal error: {type(exc).__name__}: {exc}{where}; please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
