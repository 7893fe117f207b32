"""``python -m demo OUTDIR [--only NAME ...] [--variants K]``: write the demo runs."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m demo",
        description="Write real Keras training runs that show each loss-curve behaviour, with labels.json.",
    )
    parser.add_argument("outdir", help="log directory to write (runs already there are kept)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="scenarios to write (default: all)")
    parser.add_argument(
        "--variants",
        type=int,
        default=0,
        metavar="K",
        help="extra seeds of each scenario",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

    from .runs import plan, write

    try:
        plan(args.only, args.variants)
    except ValueError as error:
        parser.error(str(error))
    document = write(args.outdir, only=args.only, variants=args.variants)
    print(f"{len(document['experiments'])} labelled runs in {os.path.join(args.outdir, 'labels.json')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
