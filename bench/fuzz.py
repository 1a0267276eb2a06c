"""Run the scanner fuzzers (tests/test_fuzz.py) for minutes instead of seconds.

    python bench/fuzz.py                 # 20,000 examples per scanner, a few minutes each
    python bench/fuzz.py --examples 2000

Exits with pytest's status: a failure prints the smallest input hypothesis found.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    env = {**os.environ, "PINLINT_FUZZ_EXAMPLES": str(args.examples)}
    test = ROOT / "tests" / "test_fuzz.py"
    return subprocess.call(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)], env=env
    )


if __name__ == "__main__":
    raise SystemExit(main())
