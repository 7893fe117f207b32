"""``python -m bench.library DIR [--jobs 2] [--only PATTERN] [--fresh-draw OFFSET]``: build the known-answer library."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.library", description=__doc__.split(":")[1].strip())
    parser.add_argument("outdir", help="library directory (runs already trained with the same config are kept)")
    parser.add_argument("--jobs", type=int, default=2, help="training processes (default 2)")
    parser.add_argument(
        "--only",
        metavar="PATTERN",
        help="train only the runs whose name matches this regular expression (labels.json lists every trained run)",
    )
    parser.add_argument(
        "--fresh-draw",
        type=int,
        metavar="OFFSET",
        help="instead, train the catalogue's families with OFFSET added to every seed, in both splits, into "
        "OUTDIR: runs nobody tuned on, to check that the library's figures hold beyond it (2000 in the README)",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported
    from .build import build

    build(args.outdir, jobs=max(1, args.jobs), only=args.only, fresh_draw=args.fresh_draw)
    return 0


if __name__ == "__main__":
    sys.exit(main())
