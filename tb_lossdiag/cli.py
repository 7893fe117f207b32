"""``tb-lossdiag``: diagnose the loss curves of a logdir from the command line.

Exit status: 0 when done, 1 when a ``--fail-on`` kind was found (for CI
jobs), 2 for bad usage or an unreadable logdir.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

from . import __version__
from .detectors import KINDS
from .engine import document_from_series
from .logdirs import read_logdirs
from .progress import Progress
from .report import render_text

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2


def _kinds(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    return kinds


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    progress = Progress(sys.stderr, enabled=not args.quiet)
    try:
        data = read_logdirs(args.logdirs, progress=progress.reading)
        document = document_from_series(
            data.runs,
            baseline=args.baseline,
            train_tag=args.train_tag,
            val_tag=args.val_tag,
            warnings=data.warnings,
            progress=progress.diagnosing,
        )
    except KeyError as e:
        return _fail(f"no experiment named {e.args[0]!r} for --baseline")
    except (FileNotFoundError, NotADirectoryError, PermissionError, ValueError) as e:
        return _fail(str(e))
    finally:
        progress.done()
    text = json.dumps(document, indent=2, allow_nan=False) if args.json else render_text(document)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        try:
            print(text, flush=True)
        except BrokenPipeError:  # e.g. piped into `head`
            sys.stdout = None  # nothing more can be written; skip the flush at exit

    for message in data.warnings:
        print(f"tb-lossdiag: warning: {message}", file=sys.stderr)
    found = {f["kind"] for c in document["curves"] for f in c["findings"]}
    return EXIT_FOUND if found & set(args.fail_on) else EXIT_OK


def _fail(message: str) -> int:
    print(f"tb-lossdiag: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
