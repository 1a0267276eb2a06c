"""Every output format of one pinlint source tree, written to files, to compare another's.

    python bench/same_output.py OUTDIR --src SRC TREE [TREE ...]

Runs ``python -m pinlint --format F TREE`` (F in text, json, sarif, github) with ``SRC``
(a checkout's ``src``) first on ``PYTHONPATH``, in each TREE, and writes stdout, stderr
and the exit code to ``OUTDIR``. Two such directories, before and after a change, are
compared with ``diff -r``: a performance change keeps every byte.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

FORMATS = ("text", "json", "sarif", "github")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--src", required=True, help="the src directory of a checkout")
    parser.add_argument("trees", nargs="+")
    args = parser.parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "PINLINT_"))}
    env["PYTHONPATH"] = os.path.abspath(args.src)
    for i, tree in enumerate(args.trees):
        for fmt in FORMATS:
            cmd = [sys.executable, "-m", "pinlint", "--format", fmt, "."]
            p = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, check=False)
            base = os.path.join(args.out_dir, f"{i}-{os.path.basename(tree.rstrip('/'))}-{fmt}")
            with open(base + ".out", "wb") as f:
                f.write(p.stdout)
            with open(base + ".err", "wb") as f:
                f.write(p.stderr + f"exit {p.returncode}\n".encode())
            print(f"{tree} {fmt}: exit {p.returncode}, {len(p.stdout)} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
