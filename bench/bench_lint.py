"""Offline lint: a generated tree against grep, and one Dockerfile against ``python -c pass``.

    python bench/bench_lint.py [--files 10000] [--seed 1] [--runs 5] [--single-runs 20]
                               [--tree DIR] [--keep] [--git] [--floating] [--scale 4]
                               [--scale-clean 4]
                               [--only {tree,single,manifest}]

Targets (DESIGN.md, "Performance", and issue 16):

- tree: ``pinlint .`` at most 1.5 s wall and at most 8x ``grep -rnE`` over the same tree
  (medians of interleaved runs), peak RSS under 150 MB; ``--format json`` at most 1.15x
  the text output's time (same run); with ``--scale N`` a tree N times larger takes at
  most 1.1 N times as long (linear), and its peak memory grows by no more than its
  findings' JSON; with ``--scale-clean N`` the tree plus N-1 times as many files without
  findings (every reference pinned) peaks at most 5% higher (memory flat with the files);
- manifest: one 6 MB multi-document manifest at most 15x grep over it;
- single: the pre-commit hook's command on one Dockerfile (its entry in
  ``.pre-commit-hooks.yaml``, with this interpreter for ``python``) at most 1.8x
  ``python -c pass`` (medians, interleaved); the ``pinlint`` console script beside it, for
  information (what a terminal runs; its cost depends on the pip that wrote it).

Prints a table and one PASS/FAIL line per target; exits 0 either way (a measurement, not
a test), 2 only for bad arguments.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen_tree
from _common import (
    Memory,
    Run,
    bench_env,
    hook_command,
    machine,
    measure_memory,
    median,
    pinlint_command,
    run,
    table,
    verdict,
)

GREP = ["grep", "-rnE", r"^\s*(FROM|from)\s|image:|--from=", "."]
TREE_WALL = 1.5
TREE_RATIO = 8.0
TREE_RSS_MB = 150.0
JSON_RATIO = 1.15
SCALE_SLACK = 1.1
# --scale-clean: files without findings may add at most this share of the tree's peak.
CLEAN_SLACK = 0.05
CLEAN_RUNS = 3
MANIFEST_RATIO = 15.0
MANIFEST_BYTES = 6_000_000
SINGLE_RATIO = 1.8

# The pre-commit case: one realistic multi-stage Dockerfile with one finding (PIN003).
_D1 = "sha256:865e5dd094beca432e8c0a1d5e1c465db5f998dca4e439981029b3b81fb39ed5"
_D2 = "sha256:2a6386ad2db20e7f55073f69a98d6da2cf9f168e05e7487d2670baeb9b7601c5"
SINGLE_DOCKERFILE = f"""\
# syntax=docker/dockerfile:1.10.0@{_D1}
ARG PYTHON_VERSION=3.12.7

FROM python:${{PYTHON_VERSION}}-slim-bookworm@{_D2} AS build
WORKDIR /src
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt --target /deps
COPY . .
RUN python -m compileall -q /src

FROM gcr.io/distroless/python3-debian12:nonroot AS final
COPY --from=build /deps /deps
COPY --from=build /src /app
ENV PYTHONPATH=/deps
WORKDIR /app
USER 65532:65532
ENTRYPOINT ["python", "-m", "app"]
"""


def _mib(x: float) -> str:
    return f"{x:.1f} MiB"


def _s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _row(label: str, runs: Sequence[Run], note: str = "") -> list[str]:
    return [
        label,
        _s(median([r.wall for r in runs])),
        _s(min(r.wall for r in runs)),
        _s(median([r.cpu for r in runs])),
        note,
    ]


def _memory_table(label: str, mem: Memory) -> None:
    rows = [
        ["largest process, peak RSS", _mib(mem.max_process_mb) if mem.max_process_mb else "?"],
        ["process tree, peak of summed RSS", _mib(mem.tree_rss_mb)],
        ["process tree, peak of summed PSS", _mib(mem.tree_pss_mb)],
        ["process tree, sum of each one's peak PSS", _mib(mem.pss_peaks_mb)],
    ]
    table(rows, [f"memory of {label} (1 run)", ""])


def _memory_verdict(mem: Memory) -> tuple[str, bool | None, str]:
    if mem.max_process_mb is None:
        return ("tree peak memory", None, "no /usr/bin/time")
    detail = (
        f"{_mib(mem.max_process_mb)} largest process, {_mib(mem.tree_pss_mb)} all its "
        f"processes (PSS) (target < {TREE_RSS_MB:.0f} MB)"
    )
    ok = max(mem.max_process_mb, mem.tree_pss_mb) < TREE_RSS_MB
    return ("tree peak memory", ok, detail)


def _git_ignored(path: str) -> bool:
    """Whether ``path`` is inside a git work tree that ignores it (``bench/tree/``)."""
    try:
        proc = subprocess.run(
            ["git", "check-ignore", "-q", "."], cwd=path, capture_output=True, check=False
        )
    except OSError:
        return False
    return proc.returncode == 0


def _tree_size(tree: str) -> tuple[int, int]:
    files = size = 0
    for root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d != ".git"]
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(root, n))
    return files, size


def _findings_by_rule(output: bytes) -> collections.Counter[str] | None:
    try:
        data = json.loads(output)
    except ValueError:
        return None
    if not isinstance(data, list):
        return None
    return collections.Counter(str(f.get("rule")) for f in data if isinstance(f, dict))


def bench_tree(args: argparse.Namespace, pinlint: list[str]) -> list[tuple[str, bool | None, str]]:
    env = bench_env()
    made_tmp = None
    stats: dict[str, object] | None = None
    if args.tree:
        tree = os.path.abspath(args.tree)
        if not os.path.isdir(tree) or not os.listdir(tree):
            stats = gen_tree.generate(tree, args.files, args.seed, args.floating)
    else:
        made_tmp = tree = tempfile.mkdtemp(prefix="pinlint-bench-tree-")
        stats = gen_tree.generate(tree, args.files, args.seed, args.floating)
    try:
        if args.git and not os.path.isdir(os.path.join(tree, ".git")):
            subprocess.run(["git", "init", "-q", tree], check=True)
            subprocess.run(["git", "-C", tree, "add", "-A"], check=True)
        if _git_ignored(tree):
            print(f"warning: git ignores {tree}, and pinlint skips what git ignores:")
            print("         generate the tree outside the work tree (the default)\n")
        files, size = _tree_size(tree)
        print(f"tree: {tree}{' (git work tree)' if args.git else ''}")
        dirs = sum(len(d) for _, d, _ in os.walk(tree))
        print(f"      {files} files in {dirs} directories, {size / 1e6:.2f} MB, seed {args.seed}")
        if stats:
            print(f"      by format: {stats['by_format']}")
            print(f"      references by kind: {stats['references']}")
        print()

        # Warm the page cache and the bytecode cache; check that pinlint runs at all.
        run(GREP, tree, env)
        first = run([*pinlint, "."], tree, env)
        if first.returncode not in (0, 1):
            tail = first.output.decode(errors="replace").strip().splitlines()[-5:]
            print(f"pinlint . exited {first.returncode}:")
            print("\n".join("    " + line for line in tail))
            print()
            return [("tree lint", None, f"pinlint exited {first.returncode}")]

        greps: list[Run] = []
        lints: list[Run] = []
        jsons: list[Run] = []
        json_cmd = [*pinlint, "--format", "json", "."]
        run(json_cmd, tree, env)
        for _ in range(args.runs):
            greps.append(run(GREP, tree, env))
            lints.append(run([*pinlint, "."], tree, env))
            jsons.append(run(json_cmd, tree, env))
        g = median([r.wall for r in greps])
        p = median([r.wall for r in lints])
        j = median([r.wall for r in jsons])
        j_cpu = median([r.cpu for r in jsons]) / max(median([r.cpu for r in lints]), 1e-6)
        tree_cpu = median([r.cpu for r in lints]) / max(median([r.cpu for r in greps]), 1e-6)
        mem = measure_memory([*pinlint, "."], tree, env)
        rows = [
            _row("grep -rnE", greps, f"{len(greps[0].output.splitlines())} lines"),
            _row("pinlint .", lints, f"exit {lints[0].returncode}"),
            _row("pinlint --format json .", jsons, f"{len(jsons[0].output)} bytes"),
        ]
        table(rows, [f"tree ({args.runs} runs)", "median", "min", "cpu", ""])
        _memory_table("pinlint .", mem)
        scaled = _bench_scaled(args, pinlint, env, p, mem) if args.scale > 1 else []
        if args.scale_clean > 1:
            scaled += _bench_scaled_clean(args, pinlint, env, tree, mem)

        # Not timed: what pinlint found, against what the generator put in the tree.
        js = run([*pinlint, "--format", "json", "."], tree, env)
        got = _findings_by_rule(js.output)
        if got is None:
            print("pinlint --format json: no JSON array on output (not checked)\n")
        else:
            generated = stats["expected"] if stats else {}
            assert isinstance(generated, dict)
            expected: collections.Counter[str] = collections.Counter(generated)
            rules = sorted(set(got) | set(expected))
            rows = [
                [r, str(got.get(r, 0)), str(expected.get(r, "?")) if stats else "?"] for r in rules
            ]
            rows.append(
                ["total", str(sum(got.values())), str(sum(expected.values())) if stats else "?"]
            )
            table(rows, ["findings", "pinlint", "generated"])

        return [
            ("tree wall", p <= TREE_WALL, f"median {_s(p)} (target <= {TREE_WALL} s)"),
            (
                "tree vs grep",
                p <= TREE_RATIO * g,
                f"{p / g:.1f}x grep (target <= {TREE_RATIO:g}x); cpu time {tree_cpu:.1f}x",
            ),
            (
                "json vs text",
                j <= JSON_RATIO * p,
                f"{j / p:.2f}x the text output (target <= {JSON_RATIO}x); cpu time {j_cpu:.2f}x",
            ),
            _memory_verdict(mem),
            *scaled,
        ]
    finally:
        if made_tmp and not args.keep:
            shutil.rmtree(made_tmp, ignore_errors=True)
        elif made_tmp:
            print(f"kept {made_tmp}\n")


def _bench_scaled(
    args: argparse.Namespace, pinlint: list[str], env: dict[str, str], p: float, mem: Memory
) -> list[tuple[str, bool | None, str]]:
    """The same tree ``--scale`` times larger (the generator's next files, same seed):
    time and peak memory against the tree's, measured right after it."""
    n = args.scale
    with tempfile.TemporaryDirectory(prefix="pinlint-bench-scaled-") as big:
        gen_tree.generate(big, args.files * n, args.seed, args.floating)
        run([*pinlint, "."], big, env)
        bigs = [run([*pinlint, "."], big, env) for _ in range(args.runs)]
        b = median([r.wall for r in bigs])
        big_mem = measure_memory([*pinlint, "."], big, env)
        js = run([*pinlint, "--format", "json", "."], big, env)
        table(
            [_row(f"pinlint . ({n}x tree)", bigs, f"exit {bigs[0].returncode}")],
            [f"{n}x tree ({args.runs} runs)", "median", "min", "cpu", ""],
        )
        _memory_table(f"pinlint . ({n}x tree)", big_mem)
    small_peak = max(mem.max_process_mb or 0.0, mem.tree_pss_mb)
    big_peak = max(big_mem.max_process_mb or 0.0, big_mem.tree_pss_mb)
    # The findings themselves: their JSON, as an upper bound of what holding them costs.
    findings_mib = len(js.output) / 2**20 * (n - 1) / n
    return [
        (
            f"{n}x tree",
            b <= SCALE_SLACK * n * p,
            f"{b / p:.2f}x the time of the tree (target <= {SCALE_SLACK * n:.1f}x)",
        ),
        (
            f"{n}x tree memory",
            big_peak - small_peak <= findings_mib,
            f"peak {_mib(small_peak)} -> {_mib(big_peak)}: +{_mib(big_peak - small_peak)}, "
            f"the extra findings' JSON {_mib(findings_mib)}",
        ),
    ]


def _bench_scaled_clean(
    args: argparse.Namespace, pinlint: list[str], env: dict[str, str], tree: str, mem: Memory
) -> list[tuple[str, bool | None, str]]:
    """The same tree with ``--scale-clean`` - 1 times as many files more, every reference
    of them pinned by digest (``gen_tree.generate(clean=True)``, under ``pinned/``): the
    findings are the same, so peak memory should be too (issue 16: "flat with tree size
    beyond the findings themselves")."""
    n = args.scale_clean
    extra = args.files * (n - 1)
    with tempfile.TemporaryDirectory(prefix="pinlint-bench-clean-") as big:
        shutil.copytree(tree, big, dirs_exist_ok=True, symlinks=True)
        gen_tree.generate(os.path.join(big, "pinned"), extra, args.seed + 1, clean=True)
        json_cmd = [*pinlint, "--format", "json", "."]
        same = run(json_cmd, big, env).output == run(json_cmd, tree, env).output
        run([*pinlint, "."], big, env)  # the page cache
        # Interleaved, and the highest of each: the processes' PSS is sampled, and one
        # run can miss the moment of its peak (the workers' last files, the parent's
        # render) by a few MiB.
        bigs: list[Memory] = []
        smalls: list[Memory] = [mem]
        for _ in range(CLEAN_RUNS):
            bigs.append(measure_memory([*pinlint, "."], big, env))
            smalls.append(measure_memory([*pinlint, "."], tree, env))
        big_mem = Memory(
            max(m.max_process_mb or 0.0 for m in bigs),
            max(m.tree_rss_mb for m in bigs),
            max(m.tree_pss_mb for m in bigs),
            max(m.pss_peaks_mb for m in bigs),
        )
        _memory_table(
            f"pinlint . (+{extra} files without findings, highest of {CLEAN_RUNS})", big_mem
        )
    small_pss = max(m.tree_pss_mb for m in smalls)
    small_max = max(m.max_process_mb or 0.0 for m in smalls)
    small_sum = max(m.pss_peaks_mb for m in smalls)
    big_pss, big_max = big_mem.tree_pss_mb, big_mem.max_process_mb or 0.0
    big_sum = big_mem.pss_peaks_mb
    # Judged on the largest process and the sum of the processes' peaks; the peak of
    # the summed PSS is shown, but a sampler that misses the moment of the peak makes it
    # jump by 10 MiB and more from run to run (the tree's, most).
    limit = CLEAN_SLACK * small_sum
    ok = big_sum - small_sum <= limit and big_max - small_max <= CLEAN_SLACK * small_max
    return [
        (
            f"{n}x files, same findings",
            ok and same,
            f"sum of the processes' peak PSS {_mib(small_sum)} -> {_mib(big_sum)} "
            f"(+{_mib(big_sum - small_sum)}), largest process {_mib(small_max)} -> "
            f"{_mib(big_max)} (+{_mib(big_max - small_max)}): target at most +"
            f"{CLEAN_SLACK:.0%} of each (+{_mib(limit)}, +{_mib(CLEAN_SLACK * small_max)}); "
            f"PSS of all (sampled) {_mib(small_pss)} -> {_mib(big_pss)} "
            f"(+{_mib(big_pss - small_pss)})"
            + ("" if same else "; the JSON output differs (not comparable)"),
        ),
    ]


def bench_manifest(
    args: argparse.Namespace, pinlint: list[str]
) -> list[tuple[str, bool | None, str]]:
    """One 6 MB multi-document manifest (``gen_tree.big_manifest``) against grep over it."""
    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="pinlint-bench-manifest-") as d:
        docs = gen_tree.big_manifest(
            os.path.join(d, "all.yaml"), MANIFEST_BYTES, args.seed, floating=True
        )
        print(f"manifest: all.yaml, {MANIFEST_BYTES / 1e6:.0f} MB, {docs} documents\n")
        run(GREP, d, env)
        run([*pinlint, "."], d, env)
        greps = []
        lints = []
        for _ in range(args.runs):
            greps.append(run(GREP, d, env))
            lints.append(run([*pinlint, "."], d, env))
        g = median([r.wall for r in greps])
        p = median([r.wall for r in lints])
        rows = [
            _row("grep -rnE", greps, f"{len(greps[0].output.splitlines())} lines"),
            _row("pinlint .", lints, f"exit {lints[0].returncode}"),
        ]
        table(rows, [f"manifest ({args.runs} runs)", "median", "min", "cpu", ""])
        _memory_table("pinlint .", measure_memory([*pinlint, "."], d, env))
    cpu = median([r.cpu for r in lints])
    return [
        (
            "6 MB manifest vs grep",
            p <= MANIFEST_RATIO * g,
            f"{p / g:.1f}x grep (target <= {MANIFEST_RATIO:g}x); "
            f"cpu {cpu:.2f} s over {p:.2f} s wall",
        )
    ]


def bench_single(
    args: argparse.Namespace, pinlint: list[str]
) -> list[tuple[str, bool | None, str]]:
    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="pinlint-bench-one-") as d:
        with open(os.path.join(d, "Dockerfile"), "w") as f:
            f.write(SINGLE_DOCKERFILE)
        bare = [sys.executable, "-c", "pass"]
        hook = [*hook_command(), "Dockerfile"]
        script = [*pinlint, "Dockerfile"]
        for _ in range(3):
            run(bare, d, env)
            first = run(hook, d, env)
            first_script = run(script, d, env)
        if first.returncode not in (0, 1):
            return [("single Dockerfile", None, f"the hook exited {first.returncode}")]
        if first_script.output != first.output:
            return [("single Dockerfile", None, "the hook and the script differ")]
        bares: list[Run] = []
        hooks: list[Run] = []
        scripts: list[Run] = []
        for _ in range(args.single_runs):
            bares.append(run(bare, d, env))
            hooks.append(run(hook, d, env))
            scripts.append(run(script, d, env))
        b = median([r.wall for r in bares])
        p = median([r.wall for r in hooks])
        c = median([r.wall for r in scripts])
        cpu_b = max(median([r.cpu for r in bares]), 1e-6)
        cpu_ratio = median([r.cpu for r in hooks]) / cpu_b
        rows = [
            _row("python -c pass", bares),
            _row("pre-commit hook's command", hooks, f"exit {hooks[0].returncode}"),
            _row("pinlint console script", scripts, f"exit {scripts[0].returncode}"),
        ]
        table(rows, [f"one Dockerfile ({args.single_runs} runs)", "median", "min", "cpu", ""])
        table([["hook", " ".join(shlex.quote(w) for w in hook)], ["script", " ".join(script)]])
        _memory_table("hook's command", measure_memory(hook, d, env))
        if args.importtime:
            _print_importtime(hook, d, env)
    return [
        (
            "single Dockerfile",
            p <= SINGLE_RATIO * b,
            f"hook {p / b:.2f}x python -c pass (target <= {SINGLE_RATIO:g}x); cpu time "
            f"{cpu_ratio:.2f}x; console script {c / b:.2f}x (information)",
        )
    ]


def _print_importtime(cmd: list[str], cwd: str, env: dict[str, str]) -> None:
    """The slowest imports of one run, by cumulative time (``python -X importtime``)."""
    proc = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows: list[tuple[int, int, str]] = []
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m[2]), len(m[3]) // 2, m[4]))
    top = sorted(rows, reverse=True)[:15]
    table(
        [[("  " * lvl) + name, f"{cum / 1000:.1f} ms"] for cum, lvl, name in top],
        ["import (cumulative)", ""],
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000, help="files in the generated tree")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5, help="timed runs of grep and pinlint")
    parser.add_argument("--single-runs", type=int, default=20)
    parser.add_argument(
        "--tree", help="use (or generate into) this directory instead of a temporary one"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary tree")
    parser.add_argument("--git", action="store_true", help="make the tree a git work tree first")
    parser.add_argument("--only", choices=["tree", "single", "manifest"])
    parser.add_argument(
        "--floating", action="store_true", help="a tree whose references mostly float"
    )
    parser.add_argument(
        "--scale", type=int, default=0, help="also lint a tree N times larger (linearity)"
    )
    parser.add_argument(
        "--scale-clean",
        type=int,
        default=0,
        help="also lint the tree with N-1 times as many files without findings (memory)",
    )
    parser.add_argument(
        "--importtime", action="store_true", help="show the slowest imports (single)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.single_runs < 1 or args.files < 1:
        parser.error("counts must be positive")

    pinlint = pinlint_command()
    table([list(kv) for kv in machine()] + [["pinlint", " ".join(pinlint)]])
    results: list[tuple[str, bool | None, str]] = []
    if args.only in (None, "tree"):
        results += bench_tree(args, pinlint)
    if args.only in (None, "manifest"):
        results += bench_manifest(args, pinlint)
    if args.only in (None, "single"):
        results += bench_single(args, pinlint)
    verdict(results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
