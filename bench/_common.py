"""Helpers shared by the benchmarks: running a command and timing it, tables, verdicts."""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import os
import platform
import selectors
import shlex
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Run:
    wall: float  # seconds, from before the fork to after the exit
    cpu: float  # user + system seconds of the process (and its waited-for children)
    returncode: int
    output: bytes  # stdout and stderr together


# The pre-commit hooks of this checkout (the benches run from bench/).
HOOKS = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), ".pre-commit-hooks.yaml"
)


def hook_command(hook: str = "pinlint") -> list[str]:
    """The hook's entry as ``.pre-commit-hooks.yaml`` writes it and pre-commit splits it,
    run by this interpreter: pre-commit runs ``python`` from the hook's environment."""
    import yaml

    with open(HOOKS, encoding="utf-8") as f:
        hooks = {h["id"]: h for h in yaml.safe_load(f)}
    words = shlex.split(hooks[hook]["entry"])
    return [sys.executable, *words[1:]] if words[0] == "python" else words


def pinlint_command() -> list[str]:
    """``pinlint`` as installed for this interpreter: its console script, run by
    ``sys.executable``, so that it is compared with ``sys.executable -c pass``."""
    script = os.path.join(sysconfig.get_path("scripts"), "pinlint")
    if os.path.isfile(script):
        return [sys.executable, script]
    return [sys.executable, "-m", "pinlint"]


_PYCACHE: list[str] = []


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of the measured commands: the caller's, minus what would change
    pinlint's output format or read a user's settings, and with bytecode caching on.

    A development shell often sets PYTHONDONTWRITEBYTECODE, which makes every run compile
    pinlint's modules from source (tens of milliseconds); installed tools run from cached
    bytecode.  The cache goes to a temporary PYTHONPYCACHEPREFIX, so that the benchmark
    writes nothing next to the sources; the warm-up runs fill it.
    """
    if not _PYCACHE:
        _PYCACHE.append(tempfile.mkdtemp(prefix="pinlint-bench-pycache-"))
        atexit.register(shutil.rmtree, _PYCACHE[0], True)
    env = dict(os.environ)
    for name in (
        "GITHUB_ACTIONS",
        "GITHUB_STEP_SUMMARY",
        "PINLINT_CACHE_DIR",
        "PYTHONDONTWRITEBYTECODE",
        "PYTHONUNBUFFERED",
    ):
        env.pop(name, None)
    env["PYTHONPYCACHEPREFIX"] = _PYCACHE[0]
    env.update(extra)
    return env


def run(cmd: Sequence[str], cwd: str, env: Mapping[str, str], timeout: float = 600.0) -> Run:
    """Run ``cmd`` with its output in a pipe (never /dev/null: grep stops at the first
    match when its output is /dev/null); ``wait4`` gives the CPU time of this one child
    and its waited-for children (not its memory: see ``measure_memory``)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), cwd=cwd, env=dict(env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert proc.stdout is not None
    try:
        output = _read_all(proc, timeout)
        _, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    finally:
        proc.stdout.close()
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # so that Popen does not wait again
    return Run(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        returncode=proc.returncode,
        output=output,
    )


def _read_all(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    assert proc.stdout is not None
    chunks: list[bytes] = []
    deadline = time.perf_counter() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{proc.args!r} did not finish in {timeout:.0f} s")
            if not sel.select(left):
                continue
            chunk = os.read(proc.stdout.fileno(), 1 << 16)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


@dataclasses.dataclass(frozen=True)
class Memory:
    max_process_mb: float | None  # peak RSS of the largest single process (``time -f %M``)
    tree_rss_mb: float  # peak of the summed RSS of the process and its children (sampled)
    tree_pss_mb: float  # the same with PSS: pages shared after fork are counted once
    # The sum over the processes of each one's peak PSS: at least the peak of the sum,
    # and not missed when the processes are at their highest together for a few
    # milliseconds only (the sampler may not look then).
    pss_peaks_mb: float = 0.0


def measure_memory(
    cmd: Sequence[str], cwd: str, env: Mapping[str, str], timeout: float = 600.0
) -> Memory:
    """One untimed run for memory.

    ``wait4``'s ru_maxrss is no good here: exec keeps the high-water mark of the process
    it replaces, which after ``vfork`` is this benchmark's own size.  ``/usr/bin/time``
    forks from a small process, so its ``%M`` is the command's own peak.  A process that
    forks workers (``multiprocessing``) uses the sum of them, so the process tree is also
    sampled every few milliseconds from ``/proc``.
    """
    fd, out_name = tempfile.mkstemp(prefix="pinlint-bench-time-")
    os.close(fd)
    timer = shutil.which("time", path="/usr/bin:/bin")
    full = [timer, "-f", "%M", "-o", out_name, *cmd] if timer else list(cmd)
    proc = subprocess.Popen(
        full, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    peak = [0.0, 0.0]
    peaks: dict[int, float] = {}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.004):
            rss = pss = 0.0
            for pid in _descendants(proc.pid, include_self=timer is None):
                r, p = _rss_pss_kib(pid)
                rss += r
                pss += p
                peaks[pid] = max(peaks.get(pid, 0.0), p)
            peak[0] = max(peak[0], rss)
            peak[1] = max(peak[1], pss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        done.set()
        sampler.join()
    max_process: float | None = None
    try:
        with open(out_name) as f:
            text = f.read().strip().splitlines()
        if timer and text:
            max_process = int(text[-1]) / 1024
    except (OSError, ValueError):
        pass
    finally:
        os.unlink(out_name)
    return Memory(max_process, peak[0] / 1024, peak[1] / 1024, sum(peaks.values()) / 1024)


def _descendants(root: int, include_self: bool) -> list[int]:
    found = [root] if include_self else []
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            found += kids
            todo += kids
    return found


def _rss_pss_kib(pid: int) -> tuple[float, float]:
    rss = pss = 0.0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = float(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = float(line.split()[1])
    except OSError:
        pass
    return rss, pss


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> list[tuple[str, str]]:
    """What the README records next to the figures."""
    model = "?"
    if shutil.which("lscpu"):
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                    break
    except OSError:
        pass
    return [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")),
        ("cpus (nproc)", str(os.cpu_count())),
        ("cpu model", model),
        ("memory", mem),
        ("python", f"{platform.python_version()} ({sys.executable})"),
        ("load average (1, 5 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg()[:2])),
    ]


def table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> None:
    all_rows = [list(header)] if header else []
    all_rows += [list(r) for r in rows]
    widths = [max(len(r[i]) for r in all_rows) for i in range(len(all_rows[0]))]
    for n, r in enumerate(all_rows):
        print(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if header and n == 0:
            print("  ".join("-" * w for w in widths))
    print()


def verdict(results: Sequence[tuple[str, bool | None, str]]) -> None:
    """Print one line per target: PASS, FAIL, or SKIP (None: could not be measured)."""
    for name, ok, detail in results:
        word = "SKIP" if ok is None else ("PASS" if ok else "FAIL")
        print(f"{word}  {name}: {detail}")
