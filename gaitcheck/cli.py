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
from gaitcheck.context import LOG_FORMAT, ProgressEvent, RunContext
from gaitcheck.errors import GaitcheckError, InputError
from gaitcheck.malloc import limit_arenas
from gaitcheck.model import Analysis, Issue
from gaitcheck.settings import OutputOptions, Settings, cli_fields, field_type, read_toml
from gaitcheck.summary import primary_cadence_spm
from gaitcheck.synth.cli import add_synth_parser
from gaitcheck.version import __version__
from gaitcheck.video import VIDEO_SUFFIXES
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
        dashed = dashed_file_name(message)
        if dashed:
            raise InputError(
                f"{dashed} starts with '-', so it reads as an option: write ./{dashed}, or put -- before it"
            )
        raise InputError(f"{message} (see {self.prog} --help)")


def dashed_file_name(message: str) -> str | None:
    """The file name argparse took for an unknown option (`analyze -clip.mp4`), if the message names one:
    an existing file or a name with a video's extension."""
    head, _, rest = message.partition("unrecognized arguments: ")
    for token in rest.split(" ") if head == "" else ():
        if token.startswith("-") and (os.path.isfile(token) or Path(token).suffix.lower() in VIDEO_SUFFIXES):
            return token
    return None


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
    analyze.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="also print the run's log and the libraries' own messages (FFmpeg, MediaPipe) on stderr",
    )
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
    add_batch_parser(commands)
    return parser


def add_batch_parser(commands: Any) -> None:
    """`gaitcheck batch`: a folder or manifest of videos in, one result folder each and one table out."""
    batch = commands.add_parser(
        "batch",
        help="analyse a folder or a manifest CSV of videos into one table (resumable; local or Ray)",
        description="Analyse many videos: one result folder per video, OUT/summary.csv, OUT/index.html and "
        "OUT/batch.log. Rerun the same command after any stop: finished videos are skipped. See docs/batch.md.",
    )
    batch.add_argument("input", metavar="INPUT", help="folder of videos (searched recursively) or manifest .csv")
    batch.add_argument("--out", "-o", metavar="DIR", required=True, help="output folder")
    batch.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="videos analysed at once (default: local one per two cores; ray: the cluster's CPUs)",
    )
    batch.add_argument("--backend", choices=("local", "ray"), default="local", help="where videos run (default: local)")
    batch.add_argument(
        "--ray-address", metavar="ADDR", help="Ray cluster to join (e.g. 10.0.0.5:6379); implies --backend ray"
    )
    batch.add_argument("--retry-failed", action="store_true", help="analyse videos that failed in an earlier run again")
    batch.add_argument("--config", metavar="FILE", help="TOML file with settings (keys as the flags below)")
    batch.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors and the final summary")
    _add_settings_flags(batch)
    batch.set_defaults(func=run_batch)


def run_batch(args: argparse.Namespace) -> int:
    from gaitcheck.batch.runner import BatchOptions, run

    if args.workers is not None and args.workers < 1:
        raise InputError("--workers must be 1 or more (see gaitcheck batch --help)")
    settings, outputs = _options_from(args, Settings())
    out = Path(args.out)
    args._out = out
    result = run(
        BatchOptions(
            source=Path(args.input),
            out=out,
            settings=settings,
            outputs=outputs,
            workers=args.workers,
            backend="ray" if args.ray_address else args.backend,
            ray_address=args.ray_address,
            retry_failed=args.retry_failed,
            quiet=args.quiet,
        )
    )
    print(
        f"gaitcheck {__version__}: {result.videos} videos ({result.reused} from earlier runs): {result.ok} ok, "
        f"{result.failed} failed\n  table     {result.summary_csv}\n  index     {result.index_html}"
    )
    return 1 if result.failed else 0


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
    if args.video and (Path(args.video) / store.LANDMARKS_RAW_CSV).is_file():
        raise InputError(
            f"{args.video} is a gaitcheck result folder, not a video: to re-analyse it, "
            f"gaitcheck analyze --from-landmarks {args.video}"
        )
    if args.verbose:
        show_library_output()
    progress = _Progress(not args.quiet and not args.verbose)
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
        report.prepare(outputs)
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


def show_library_output() -> None:
    """--verbose: gaitcheck's log records (with what gaitcheck.noise keeps off the terminal: native
    stderr, Python warnings) and FFmpeg's and other libraries' warnings and errors, on stderr."""
    import av.logging

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=LOG_FORMAT)
    av.logging.set_level(av.logging.WARNING)


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


def one_line(text: str) -> str:
    """A message on one line, whatever it quotes (a file name or an argument may hold line breaks)."""
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> int:
    limit_arenas()  # before any decoding or pose thread starts: see gaitcheck.malloc
    parser = build_parser()
    args = None
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return args.func(args)
    except GaitcheckError as exc:
        print(f"gaitcheck: error: {one_line(str(exc))}", file=sys.stderr)
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
            f"gaitcheck: internal error: {type(exc).__name__}: {one_line(str(exc))}{where}; please report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
