"""``tinysae bench``: how close each implementation of the cost comes to the BLAS floor.

The floor is the time of only the five matrix products the math needs, on the same shapes
and dtype (X·W1ᵀ, a2·W2ᵀ, δ3ᵀ·a2, δ3·W2, δ2ᵀ·X): no implementation can beat it by much,
and the ratio to it says how much time goes into everything else. Implementations are
timed round-robin in one run, so that machine noise hits all of them alike.

Problem sizes (UFLDL exercises)::

    S1  64 visible,  25 hidden, m = 10⁴   edge filters from natural-image patches
    S2 784 visible, 196 hidden, m = 10⁴   the MNIST vectorisation exercise
    S3 192 visible, 400 hidden, m = 10⁵   colour patches, linear decoder
    M1 256 inputs, 1024 latents, B = 512  a training step of lesson 08's SAE
    T1 2 blocks, d 48, T 32, B = 32       a training step of lesson 12's transformer
"""

import argparse
import os

from tinysae.commands.bench.kernels import SIZES, scaling_table, speed_table, training_table
from tinysae.commands.bench.lesson_times import lesson_numbers, lessons_table
from tinysae.commands.bench.modern_step import MODERN_SIZES, modern_table
from tinysae.commands.bench.transformer_step import TRANSFORMER_SIZES, transformer_table
from tinysae.runtime.blas_threads import blas_pools
from tinysae.commands import Parser
from tinysae.validation.constraints import check_option


def print_machine():
    """The BLAS libraries in use, their thread counts, and the CPU count and load."""
    print("## Machine")
    print(f"cpus: {os.cpu_count()}, load average (1, 5, 15 min): "
          + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if key in os.environ:
            print(f"{key}={os.environ[key]}")
    for pool in blas_pools():
        owner = "numpy" if pool["numpy"] else "other (scipy)"
        print(f"BLAS for {owner}: {pool['internal_api']} {pool['version']}, "
              f"{pool.get('architecture')} kernels, {pool['num_threads']} threads, "
              f"{os.path.basename(pool['filepath'])}")


def main(argv=None):
    """Run the benchmark and print its tables; returns 0 (the exit status)."""
    parser = Parser(prog="tinysae bench", formatter_class=argparse.RawDescriptionHelpFormatter,
                    description=__doc__.replace("``", "").replace("::", ":"))  # plain text
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and few rounds (seconds; used by the tests)")
    parser.add_argument("--sizes", nargs="+",
                        choices=list(SIZES) + list(MODERN_SIZES) + list(TRANSFORMER_SIZES),
                        default=list(SIZES) + list(MODERN_SIZES) + list(TRANSFORMER_SIZES),
                        metavar="SIZE", help="problem sizes for the speed tables, from S1 S2 "
                        "S3 M1 T1 above (default: all five)")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 9; quick 2)")
    parser.add_argument("--cpu", action="store_true",
                        help="speed table in CPU time with one thread (for a busy machine)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["speed", "growth", "threads"],
                        help="tables to leave out (speed: S1–S3 and M1)")
    parser.add_argument("--lessons", nargs="*", metavar="NN", default=None,
                        choices=lesson_numbers() or None,
                        help="instead: time the full run of every lesson (or of lessons NN ...)")
    args = parser.parse_args(argv)
    if args.lessons is not None:
        return lessons_table(args.lessons, quick=args.quick)
    repeats = (2 if args.quick else 9) if args.repeats is None else check_option("--repeats",
                                                                          args.repeats)
    print_machine()
    if args.quick:
        print("\nQuick run: small problems, few rounds. Every figure below is rough, noise more "
              "than measurement\n(a ratio below 1× the floor is noise); run without --quick "
              "for figures to quote.")
    if "speed" not in args.skip:
        speed_table([s for s in args.sizes if s in SIZES], repeats, m=500 if args.quick else None,
                    cpu=args.cpu)
        modern_table([s for s in args.sizes if s in MODERN_SIZES], repeats, args.quick, args.cpu)
        if any(s in TRANSFORMER_SIZES for s in args.sizes):
            transformer_table(repeats, args.quick, args.cpu)
    if "growth" not in args.skip:
        scaling_table([1000, 4000] if args.quick else [10_000, 100_000, 1_000_000],
                      chunk_size=512 if args.quick else 4096)
    if "threads" not in args.skip:
        training_table(5 if args.quick else 400)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
