"""Command line: ``python -m sktime_symbolic.synthetic write --generator kernelsynth --n 10000
--length 1024 --out DIR --seed 0``."""

from __future__ import annotations

import argparse
import sys

from .shards import GENERATORS, make_generator, write_shards


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sktime_symbolic.synthetic",
                                     description="Write synthetic series to compressed .npz shards.")
    sub = parser.add_subparsers(dest="command", required=True)
    write = sub.add_parser("write", help="generate series and write shards")
    write.add_argument("--generator", required=True, choices=sorted(GENERATORS))
    write.add_argument("--n", type=int, required=True, help="number of series")
    write.add_argument("--length", type=int, default=1024)
    write.add_argument("--out", required=True, help="output directory")
    write.add_argument("--seed", type=int, default=0)
    write.add_argument("--shard-size", type=int, default=1000)
    args = parser.parse_args(argv)
    try:
        generator = make_generator(args.generator, args.length)
        paths = write_shards(generator, args.n, args.out, seed=args.seed, shard_size=args.shard_size)
    except ValueError as err:
        parser.error(str(err))
    print(f"wrote {args.n} series to {len(paths)} shards in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
