"""``--resolve`` of 100 distinct references in a real registry behind a 50 ms round trip.

    python bench/bench_resolve.py [--repos 100] [--delay 0.025] [--runs 3] [--no-skopeo]

A real CNCF distribution registry (Debian's ``docker-registry``, started by the test
harness ``tests/registry_server.py``) holds ``repo0`` … ``repo99``; each has a two-platform
OCI index under ``latest``, ``1``, ``1.2`` and ``1.2.3``, and older releases ``1.2.2``,
``1.1.0``/``1.1`` and ``1.0.0``/``1.0``.  ``latency_proxy.py`` sits in front of it and adds
25 ms each way.  Twenty files (Dockerfiles, compose files, manifests) reference each
repository once through the proxy (``127.0.0.1:PORT/repoN:latest``, ``:1`` or ``:1.2``),
and twenty of those references a second time in another file.

Measured, with ``PINLINT_CACHE_DIR`` in a temporary directory:

- ``pinlint --resolve --no-cache .`` minus offline ``pinlint .`` (medians of interleaved
  runs; target <= 0.6 s);
- manifest requests per distinct reference, from the registry's access log (target <= 2);
- ``pinlint --resolve .`` twice: the second run, from a warm cache, sends no request;
- the pinlint-fix hook (its entry in ``.pre-commit-hooks.yaml``) on one Dockerfile pinned
  already, from that warm cache, beside the offline hook and ``python -c pass``: no request;
- the baseline: a sequential ``skopeo inspect --raw --tls-verify=false`` per reference;
- with ``--repos 1000`` (issue 16): the whole ``--resolve --no-cache`` run, target <= 3 s;
  the CPU the registry and the proxy use meanwhile is printed (they share the machine).

The registry stands in for a remote one, whose CPU would not be this machine's: it runs
with ``GOGC=400`` (``--registry-gogc``; Go's default is 100), so that its garbage
collector runs a quarter as often.  In a 1,000-reference run (3,002 requests) on the
2-core machine it used 3.96 s of CPU with Go's default and 2.72 s with GOGC=400
(bench/README.md).

Prints tables and PASS/FAIL per target; exits 0 either way (a measurement, not a test).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import (
    Run,
    bench_env,
    hook_command,
    machine,
    median,
    pinlint_command,
    run,
    table,
    verdict,
)
from latency_proxy import LatencyProxy

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EXTRA_WALL = 0.6  # seconds of --resolve beyond the offline run
# Issue 16: 1,000 references through the same 50 ms round trip, the whole run.
MANY_REFS = 1000
MANY_WALL = 3.0
MANIFESTS_PER_REF = 2
FIX_HOOK_RUNS = 21
FLOATING_TAGS = ("latest", "1", "1.2")
# (tags of one index, its version): the current release last, so it is pushed last.
RELEASES = (
    (("1.0.0", "1.0"), "1.0.0"),
    (("1.1.0", "1.1"), "1.1.0"),
    (("1.2.2",), "1.2.2"),
    (("latest", "1", "1.2", "1.2.3"), "1.2.3"),
)
_MANIFEST = re.compile(r"^/v2/(?P<name>.+)/manifests/[^/?]+")
_TAGS = re.compile(r"^/v2/(?P<name>.+)/tags/list")
_BLOB = re.compile(r"^/v2/(?P<name>.+)/blobs/")


def _s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.1f} s"


def _import_harness() -> Any:
    # The harness lives with the tests and imports its sibling ``token_server``.
    for path in (REPO_ROOT, os.path.join(REPO_ROOT, "tests", "support")):
        if path not in sys.path:
            sys.path.insert(0, path)
    import registry_server

    return registry_server


def seed(registry: Any, repos: int) -> dict[str, str]:
    """Push every repository; returns repo -> digest of its current (1.2.3) index."""

    def one(i: int) -> tuple[str, str]:
        repo = f"repo{i}"
        digest = ""
        for tags, version in RELEASES:
            digest = registry.push_index(repo, list(tags), content=f"{repo} {version}").digest
        return repo, digest

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        return dict(pool.map(one, range(repos)))


def write_files(root: str, host: str, repos: int) -> list[str]:
    """Reference every repository once, and a fifth of them a second time; returns the
    distinct references."""
    refs = [f"{host}/repo{i}:{FLOATING_TAGS[i % len(FLOATING_TAGS)]}" for i in range(repos)]
    groups = [refs[i : i + 5] for i in range(0, len(refs), 5)]
    for n, group in enumerate(groups):
        kind = n % 4
        if kind in (0, 1):
            path = os.path.join(root, f"svc{n}", "Dockerfile")
            stages = [f"FROM {r} AS s{k}\nRUN true\n" for k, r in enumerate(group)]
            text = "\n".join(stages)
        elif kind == 2:
            path = os.path.join(root, f"svc{n}", "compose.yaml")
            text = "services:\n" + "".join(
                f"  s{k}:\n    image: {r}\n" for k, r in enumerate(group)
            )
        else:
            path = os.path.join(root, "deploy", f"app{n}.yaml")
            containers = "".join(f"  - name: c{k}\n    image: {r}\n" for k, r in enumerate(group))
            text = f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: app{n}\nspec:\n"
            text += f"  containers:\n{containers}"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    # Duplicates: the same references again in one more compose file (resolved once).
    dup = refs[::5]
    with open(os.path.join(root, "compose.dup.yaml"), "w") as f:
        f.write("services:\n" + "".join(f"  d{k}:\n    image: {r}\n" for k, r in enumerate(dup)))
    return refs


class Requests:
    def __init__(self, entries: Sequence[Any]) -> None:
        self.total = len(entries)
        self.manifests: collections.Counter[str] = collections.Counter()
        self.tags: collections.Counter[str] = collections.Counter()
        self.other = 0
        self.methods: collections.Counter[str] = collections.Counter()
        for e in entries:
            target = e.target.split("?", 1)[0]
            if m := _MANIFEST.match(target):
                self.manifests[m["name"]] += 1
                self.methods[f"{e.method} manifest"] += 1
            elif m := _TAGS.match(target):
                self.tags[m["name"]] += 1
                self.methods[f"{e.method} tags/list"] += 1
            else:
                self.other += 1
                self.methods[f"{e.method} {'blob' if _BLOB.match(target) else target}"] += 1

    def per_ref(self, counter: collections.Counter[str], repos: int) -> str:
        if not counter:
            return "0"
        return f"{sum(counter.values()) / repos:.2f} mean, {max(counter.values())} max"


def check_suggestions(output: bytes, host: str, digests: dict[str, str]) -> tuple[int, int, int]:
    """(findings, suggestions as expected, findings with a suggestion) from --format json."""
    try:
        findings = json.loads(output)
    except ValueError:
        return 0, 0, 0
    good = with_suggestion = 0
    for f in findings if isinstance(findings, list) else []:
        image, suggestion = f.get("image") or "", f.get("suggestion")
        if suggestion:
            with_suggestion += 1
        repo = image.removeprefix(f"{host}/").split(":", 1)[0]
        if suggestion == f"{host}/{repo}:1.2.3@{digests.get(repo)}":
            good += 1
    return len(findings) if isinstance(findings, list) else 0, good, with_suggestion


def _cpu_of(pid: int) -> float:
    """User + system seconds a running process has used so far (Linux ``/proc``)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def skopeo_loop(refs: Sequence[str], skopeo: str) -> tuple[float, int]:
    """Seconds for one ``skopeo inspect --raw`` after another; returns (seconds, failures)."""
    import subprocess

    failures = 0
    start = time.perf_counter()
    for ref in refs:
        proc = subprocess.run(
            [skopeo, "inspect", "--raw", "--tls-verify=false", "--no-creds", f"docker://{ref}"],
            capture_output=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        failures += proc.returncode != 0
    return time.perf_counter() - start, failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=100, help="distinct references")
    parser.add_argument("--delay", type=float, default=0.025, help="seconds added each way")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each pinlint mode")
    parser.add_argument("--no-skopeo", action="store_true", help="skip the skopeo baseline")
    parser.add_argument(
        "--concurrency", type=int, help="write a .pinlint.toml with this per-registry limit"
    )
    parser.add_argument(
        "--registry-gogc",
        type=int,
        default=400,
        help="the registry's GOGC (Go's default is 100; see the module docstring)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    if args.repos < 1 or args.runs < 1:
        parser.error("counts must be positive")

    pinlint = pinlint_command()
    table([list(kv) for kv in machine()] + [["pinlint", " ".join(pinlint)]])
    if shutil.which("docker-registry") is None:
        verdict([("resolve", None, "docker-registry not found (apt-get install docker-registry)")])
        return 0
    harness = _import_harness()

    work = tempfile.mkdtemp(prefix="pinlint-bench-resolve-")
    results: list[tuple[str, bool | None, str]] = []
    try:
        os.makedirs(os.path.join(work, "registry"))
        t0 = time.perf_counter()
        registry_env = {"GOGC": str(args.registry_gogc)}
        with harness.start_registry(Path(work, "registry"), env=registry_env) as registry:
            registry_port = int(registry.host.rsplit(":", 1)[1])
            digests = seed(registry, args.repos)
            print(
                f"seeded {args.repos} repositories in {time.perf_counter() - t0:.1f} s; "
                f"the registry runs with GOGC={args.registry_gogc}\n"
            )
            with LatencyProxy("127.0.0.1", registry_port, delay=args.delay) as proxy:
                files = os.path.join(work, "files")
                refs = write_files(files, proxy.host, args.repos)
                if args.concurrency:
                    with open(os.path.join(files, ".pinlint.toml"), "w") as f:
                        f.write(f"concurrency = {args.concurrency}\n")
                results = measure(args, pinlint, registry, proxy, files, refs, digests, work)
    except Exception as e:  # a measurement: report and exit 0
        results.append(("resolve", None, f"{type(e).__name__}: {e}"))
    finally:
        if args.keep:
            print(f"kept {work}\n")
        else:
            shutil.rmtree(work, ignore_errors=True)
    verdict(results)
    return 0


def fix_hook(
    registry: Any, host: str, digests: dict[str, str], work: str, env: dict[str, str]
) -> tuple[str, bool | None, str]:
    """The pinlint-fix hook on one Dockerfile pinned already, from a warm cache (what a
    commit touching it runs), beside the pinlint hook (offline) on it and ``python -c
    pass``: interleaved, ``FIX_HOOK_RUNS`` each.  It must send nothing."""
    d = os.path.join(work, "hook")
    os.makedirs(d)
    repo, digest = next(iter(digests.items()))
    with open(os.path.join(d, "Dockerfile"), "w") as f:
        f.write(f"FROM {host}/{repo}:1.2.3@{digest}\nRUN true\n")
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "pinlint hook (offline)": [*hook_command("pinlint"), "Dockerfile"],
        "pinlint-fix hook, warm cache": [*hook_command("pinlint-fix"), "Dockerfile"],
    }
    for _ in range(3):  # warm-up: bytecode, page cache, and the cache's entry for the tag
        first = {name: run(cmd, d, env) for name, cmd in commands.items()}
    if any(r.returncode != 0 for r in first.values()):
        return ("fix hook", None, "a hook did not exit 0 on a pinned file")
    mark = registry.mark()
    runs: dict[str, list[Run]] = {name: [] for name in commands}
    for _ in range(FIX_HOOK_RUNS):
        for name, cmd in commands.items():
            runs[name].append(run(cmd, d, env))
    sent = len(registry.requests(since=mark))
    walls = {name: median([r.wall for r in rs]) for name, rs in runs.items()}
    rows = [
        [name, _s(walls[name]), _s(min(r.wall for r in rs)), _s(median([r.cpu for r in rs]))]
        for name, rs in runs.items()
    ]
    table(rows, [f"one pinned Dockerfile ({FIX_HOOK_RUNS} runs)", "median", "min", "cpu"])
    fix, lint, bare = (walls[name] for name in reversed(commands))
    return (
        "fix hook, warm cache",
        sent == 0,
        f"{sent} requests (target 0); {fix / bare:.2f}x python -c pass, "
        f"{(fix - lint) * 1000:.0f} ms more than the offline hook",
    )


def measure(
    args: argparse.Namespace,
    pinlint: list[str],
    registry: Any,
    proxy: LatencyProxy,
    files: str,
    refs: list[str],
    digests: dict[str, str],
    work: str,
) -> list[tuple[str, bool | None, str]]:
    env = bench_env(PINLINT_CACHE_DIR=os.path.join(work, "cache"))
    offline_cmd = [*pinlint, "."]
    resolve_cmd = [*pinlint, "--resolve", "--no-cache", "."]

    # Warm-up (bytecode, page cache) and a check that both modes run.
    first = run(offline_cmd, files, env)
    mark = registry.mark()
    check = run([*pinlint, "--resolve", "--no-cache", "--format", "json", "."], files, env)
    check_requests = Requests(registry.requests(since=mark))
    for name, r in (("pinlint .", first), ("pinlint --resolve --no-cache .", check)):
        if r.returncode not in (0, 1):
            tail = r.output.decode(errors="replace").strip().splitlines()[-8:]
            print(f"{name} exited {r.returncode}:\n" + "\n".join("    " + t for t in tail) + "\n")
            return [("resolve", None, f"{name} exited {r.returncode}")]
    n_findings, good, suggested = check_suggestions(check.output, proxy.host, digests)

    offline: list[Run] = []
    resolved: list[Run] = []
    per_run: list[Requests] = []
    connections = 0
    # The registry and the proxy share the machine with pinlint: their CPU during the
    # --resolve runs is printed beside pinlint's (a remote registry would cost none).
    registry_cpu: list[float] = []
    bench_cpu: list[float] = []
    for _ in range(args.runs):
        offline.append(run(offline_cmd, files, env))
        mark = registry.mark()
        before = proxy.connections
        reg0, own0 = _cpu_of(registry.process.pid), time.process_time()
        resolved.append(run(resolve_cmd, files, env))
        registry_cpu.append(_cpu_of(registry.process.pid) - reg0)
        bench_cpu.append(time.process_time() - own0)
        connections = proxy.connections - before
        per_run.append(Requests(registry.requests(since=mark)))
    o = median([r.wall for r in offline])
    w = median([r.wall for r in resolved])
    extra = w - o

    # Cache: a cold run fills it, the next one must not send anything.
    mark = registry.mark()
    cold = run([*pinlint, "--resolve", "."], files, env)
    cold_requests = Requests(registry.requests(since=mark))
    mark = registry.mark()
    warm = run([*pinlint, "--resolve", "."], files, env)
    warm_requests = Requests(registry.requests(since=mark))

    n = len(refs)

    def cpu(runs: Sequence[Run]) -> str:
        return _s(median([r.cpu for r in runs]))

    rows = [
        [
            f"pinlint . (offline, {args.runs} runs)",
            _s(o),
            _s(min(r.wall for r in offline)),
            cpu(offline),
            "0",
        ],
        [
            f"pinlint --resolve --no-cache . ({args.runs} runs)",
            _s(w),
            _s(min(r.wall for r in resolved)),
            cpu(resolved),
            f"{median([float(q.total) for q in per_run]):.0f}",
        ],
        ["  difference", _s(extra), "", "", ""],
        [
            "pinlint --resolve . (cold cache)",
            _s(cold.wall),
            "",
            cpu([cold]),
            str(cold_requests.total),
        ],
        [
            "pinlint --resolve . (warm cache)",
            _s(warm.wall),
            "",
            cpu([warm]),
            str(warm_requests.total),
        ],
    ]
    skopeo = shutil.which("skopeo")
    if skopeo and not args.no_skopeo:
        mark = registry.mark()
        seconds, failures = skopeo_loop(refs, skopeo)
        sk = Requests(registry.requests(since=mark))
        note = f" ({failures} failed)" if failures else ""
        label = f"skopeo inspect --raw, {n} in a row{note}"
        rows.append([label, _s(seconds), "", "", str(sk.total)])
    table(
        rows,
        [
            f"{n} distinct references, +{args.delay * 2000:.0f} ms RTT",
            "median",
            "min",
            "cpu",
            "requests",
        ],
    )

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    floor = (median([r.cpu for r in resolved]) + median(registry_cpu) + median(bench_cpu)) / max(
        cores or 1, 1
    )
    last = per_run[-1]
    rows = [
        ["manifest requests per reference", last.per_ref(last.manifests, n)],
        ["tag listings per reference", last.per_ref(last.tags, n)],
        ["other requests", str(last.other)],
        ["by kind", ", ".join(f"{k}: {v}" for k, v in sorted(last.methods.items()))],
        ["TCP connections", str(connections)],
        ["CPU of the registry during a --resolve run (median)", _s(median(registry_cpu))],
        ["CPU of the proxy (the bench process) during it (median)", _s(median(bench_cpu))],
        # The three share this machine's cores: together they cannot end sooner than
        # their CPU spread over every core (a remote registry would cost this one none).
        ["floor on this machine: CPU of all three / cores", _s(floor)],
        ["findings (json run)", str(n_findings)],
        ["  with a suggestion", str(suggested)],
        ["  suggestion = repoN:1.2.3@<index digest>", str(good)],
    ]
    table(rows, ["--resolve --no-cache, one run", ""])
    if check_requests.total != last.total:
        print(
            f"note: the json run sent {check_requests.total} requests, "
            f"the last timed run {last.total}\n"
        )

    hook = fix_hook(registry, proxy.host, digests, work, env)

    worst = max((max(q.manifests.values(), default=0) for q in per_run), default=0)
    if n >= MANY_REFS:
        time_target: tuple[str, bool | None, str] = (
            f"{n} references",
            w <= MANY_WALL,
            f"{_s(w)} for the whole --resolve run (target <= {MANY_WALL} s for {MANY_REFS}); "
            f"CPU {cpu(resolved)}; with the registry and the proxy the floor on this "
            f"machine is {_s(floor)}",
        )
    else:
        time_target = (
            "resolve time",
            extra <= EXTRA_WALL,
            f"{_s(extra)} beyond the offline run (target <= {EXTRA_WALL} s)",
        )
    return [
        time_target,
        (
            "manifest requests",
            0 < worst <= MANIFESTS_PER_REF,
            f"at most {worst} per distinct reference (target <= {MANIFESTS_PER_REF})",
        ),
        ("warm cache", warm_requests.total == 0, f"{warm_requests.total} requests (target 0)"),
        hook,
    ]


if __name__ == "__main__":
    raise SystemExit(main())
