"""``tb-lossdiag``: diagnose the loss curves of a logdir from the command line.

Exit status: 0 when done, 1 when a ``--fail-on`` kind was found (for CI
jobs), 2 for bad usage, an unwritable ``--output``, an unreachable scheduler
or a logdir of which nothing could be read, 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Sequence

from . import __version__
from .options import KINDS, LOCAL_PROCESSES, SCHEDULER_TIMEOUT
from .output import open_output
from .progress import Progress
from .report import ranking_text, render_text, use_color

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def _kinds(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    return kinds


def _scheduler(text: str) -> str:
    if text == LOCAL_PROCESSES or "://" in text:
        return text
    raise argparse.ArgumentTypeError(f"expected {LOCAL_PROCESSES!r} or a Dask scheduler address such as tcp://host:8786")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tb-lossdiag",
        description="Diagnose overfitting, underfitting, plateaus, spikes and divergence in TensorBoard loss curves.",
    )
    parser.add_argument("--version", action="version", version=f"tb-lossdiag {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("diagnose", help="diagnose every experiment in one or more logdirs")
    d.add_argument("logdirs", nargs="+", metavar="LOGDIR", help="a logdir (local path, glob, or gs:// / s3:// with TensorFlow)")
    d.add_argument("--baseline", metavar="NAME", help="compare every experiment with this one")
    d.add_argument("--json", action="store_true", help="print the tb-lossdiag/1 JSON document")
    d.add_argument("--fail-on", type=_kinds, default=[], metavar="KIND,...", help=f"exit 1 if any of these is found ({','.join(KINDS)})")
    d.add_argument("--train-tag", metavar="TAG", help="the training loss tag, for logs that follow no convention")
    d.add_argument("--val-tag", metavar="TAG", help="the validation loss tag, for logs that follow no convention")
    d.add_argument("--output", "-o", metavar="FILE", help="write the output to FILE instead of stdout")
    d.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    d.add_argument("--verbose", "-v", action="store_true", help="text output: each finding's evidence and whole summary")
    d.add_argument(
        "--scheduler",
        type=_scheduler,
        metavar="WHERE",
        help=f"read and diagnose each experiment as a Dask task: {LOCAL_PROCESSES!r} (a local cluster) "
        f"or a scheduler address (tcp://host:8786, given up after {SCHEDULER_TIMEOUT} s); default: in this process",
    )
    d.add_argument("--top", type=_positive, metavar="N", help="only the N worst experiments, worst first, with a ranking")
    d.add_argument(
        "--jobs",
        "-j",
        type=_positive,
        metavar="N",
        help="local processes reading and diagnosing experiments (default: one per core for local logdirs)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    _occupy_closed_std_streams()
    try:
        return _run(build_parser().parse_args(argv))
    except KeyboardInterrupt:
        print("tb-lossdiag: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _run(args: argparse.Namespace) -> int:
    try:
        output = open_output(args.output)
    except OSError as e:
        return _cannot_write(args, e)
    with output:
        progress = Progress(sys.stderr, enabled=not args.quiet)
        try:
            document = _diagnose(args, progress)
        except KeyError as e:
            return _fail(f"no experiment named {e.args[0]!r} for --baseline")
        except ImportError as e:
            return _fail(f"{e}; --scheduler needs Dask: pip install 'dask[distributed]'" if args.scheduler else str(e))
        except (OSError, ValueError) as e:  # missing or unreadable logdirs, an unreachable scheduler
            return _fail(str(e))
        finally:
            progress.done()
        unmatched = _unmatched_overrides(args, document)
        if unmatched:
            return _fail(unmatched)
        try:
            output.write(_render(args, document) + "\n")
        except BrokenPipeError:  # e.g. piped into `head`
            sys.stdout = None  # nothing more can be written; skip the flush at exit
        except OSError as e:
            return _cannot_write(args, e)

    for message in document["warnings"]:
        print(f"tb-lossdiag: warning: {message}", file=sys.stderr)
    if document["warnings"] and not document["curves"]:
        return _fail(f"no loss curve could be read ({len(document['warnings'])} warning(s) above)")
    found = {f["kind"] for c in document["curves"] for f in c["findings"]}
    return EXIT_FOUND if found & set(args.fail_on) else EXIT_OK


def _render(args: argparse.Namespace, document: dict) -> str:
    from .engine import top  # the engine (numpy) only past parsing: `tb-lossdiag --help` starts fast

    shown = top(document, args.top) if args.top else document
    if args.json:
        return json.dumps(shown, indent=2, allow_nan=False)
    text = render_text(shown, verbose=args.verbose, color=not args.output and use_color(sys.stdout))
    if args.top:
        text = f"The {len(shown['ranking'])} worst experiment(s):\n{ranking_text(shown['ranking'])}\n\n{text}"
    return text


def _unmatched_overrides(args: argparse.Namespace, document: dict) -> str | None:
    """The error for a ``--train-tag`` / ``--val-tag`` that no series has, else None."""
    for flag, role, tag in (("--train-tag", "train", args.train_tag), ("--val-tag", "validation", args.val_tag)):
        if tag is not None and not any(c[role] and c[role]["tag"] == tag for c in document["curves"]):
            return f"no series is tagged {tag!r} ({flag})"
    return None


def _occupy_closed_std_streams() -> None:
    """Put /dev/null on closed stdin/stdout/stderr descriptors.

    Otherwise the next file opened would get descriptor 1 or 2, and whatever
    a library prints would land in it. A closed stderr then loses the
    warnings but not the result; a closed stdout fails at the write.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:
        sys.stderr = open(os.devnull, "w")


def _diagnose(args: argparse.Namespace, progress: Progress) -> dict:
    """The document of the logdirs: experiments read and diagnosed locally or on Dask."""
    from .sweep import diagnose_sweep  # reading and diagnosing (numpy) only past parsing

    return diagnose_sweep(
        args.logdirs,
        args.scheduler,
        jobs=args.jobs or _default_jobs(args.logdirs),
        progress=progress.experiments,
        baseline=args.baseline,
        train_tag=args.train_tag,
        val_tag=args.val_tag,
    )


def _default_jobs(logdirs: Sequence[str]) -> int:
    """One process per core for local logdirs; remote ones stay in this process.

    Forking after TensorFlow's filesystems started their threads is not safe.
    """
    return 1 if any("://" in path for path in logdirs) else (os.cpu_count() or 1)


def _cannot_write(args: argparse.Namespace, error: OSError) -> int:
    return _fail(f"cannot write {args.output or 'to standard output'}: {error.strerror or error}")


def _fail(message: str) -> int:
    print(f"tb-lossdiag: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
