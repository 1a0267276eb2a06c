"""The pre-commit hooks' entry (.pre-commit-hooks.yaml), run as pre-commit runs it: its
words, then the file names, with the hook environment's interpreter (here the test's).

Its start-up cost (CONTRIBUTING.md, "Start-up budget") and its isolation from the
repository it runs in; tests/test_precommit_hooks.py runs it through pre-commit itself.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import write_file as write

ROOT = Path(__file__).resolve().parents[1]

# What the one-Dockerfile path of the hook must not import: each costs start-up time on
# every commit (re alone is about half of what pinlint adds), and nothing needs them.
LIGHT_STDLIB = {"re", "collections", "collections.abc", "functools", "enum", "types", "typing"}
HEAVY = {"argparse", "dataclasses", "inspect", "yaml", "httpx", "json", "subprocess", "shutil"}

DIGEST = "sha256:" + "a" * 64
# The shape of bench/bench_lint.py's one Dockerfile: a parser directive, an ARG, stages,
# flags, a mount, references pinned by digest and one moving tag.
DOCKERFILE = f"""\
# syntax=docker/dockerfile:1.10.0@{DIGEST}
ARG PYTHON_VERSION=3.12.7
FROM python:${{PYTHON_VERSION}}-slim-bookworm@{DIGEST} AS build
RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
FROM gcr.io/distroless/python3-debian12:nonroot AS final
COPY --from=build /deps /deps
ENTRYPOINT ["python", "-m", "app"]
"""
FINDING = "Dockerfile:5:6: PIN003"


def entry(hook: str) -> list[str]:
    """The hook's entry as pre-commit splits it, with this interpreter for ``python``."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    words = shlex.split(hooks[hook]["entry"])
    assert words[0] == "python", "the entry runs the hook environment's interpreter"
    return [sys.executable, *words[1:]]


def _code(words: list[str]) -> int:
    assert "-c" in words, f"not a python -c entry: {words}"
    return words.index("-c") + 1


def run_entry(
    words: list[str], cwd: Path, *args: str, prelude: str = ""
) -> subprocess.CompletedProcess[str]:
    """The entry's words and ``args`` in ``cwd``; the cache under ``cwd``, no CI job's
    or Docker setup's variables."""
    if prelude:
        i = _code(words)
        words = [*words[:i], prelude + words[i], *words[i + 1 :]]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "PINLINT_", "DOCKER_"))
    }
    env.update(PINLINT_CACHE_DIR=str(cwd / ".cache"), DOCKER_CONFIG=str(cwd / ".docker"))
    return subprocess.run(
        [*words, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )


# Runs before the entry's code, in the same interpreter: notes the modules already
# loaded at start-up (site, os, ...), and at the end, as ``cli.run`` leaves through
# os._exit, writes to stderr the modules that loaded since.
_IMPORTS = """\
import os, sys
_before = set(sys.modules)
_exit = os._exit
def _report(code):
    sys.stdout.flush()
    sys.stderr.write("\\nimported: " + " ".join(sorted(set(sys.modules) - _before)) + "\\n")
    sys.stderr.flush()
    _exit(code)
os._exit = _report
"""


def _imported(proc: subprocess.CompletedProcess[str]) -> set[str]:
    last = proc.stderr.rstrip("\n").rsplit("\n", 1)[-1]
    assert last.startswith("imported: "), proc.stderr
    return set(last.removeprefix("imported: ").split())


def test_entry_is_the_isolated_console_function() -> None:
    for hook in ("pinlint", "pinlint-fix"):
        words = entry(hook)
        i = _code(words)
        assert "-I" in words[1:i], "without -I, -c imports from the repository's directory"
        assert words[i] == "from pinlint.cli import run; raise SystemExit(run())"
    assert entry("pinlint")[_code(entry("pinlint")) + 1 :] == []
    assert entry("pinlint-fix")[_code(entry("pinlint-fix")) + 1 :] == ["--fix"]


def test_one_dockerfile_through_the_hook_imports_only_what_it_needs(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", DOCKERFILE)
    proc = run_entry(entry("pinlint"), tmp_path, "Dockerfile", prelude=_IMPORTS)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith(FINDING), proc.stdout
    imported = _imported(proc)
    assert "pinlint.formats.dockerfile" in imported, "the run linted the file"
    assert sorted(imported & (LIGHT_STDLIB | HEAVY)) == []


def test_the_file_names_reach_pinlint_after_the_options(tmp_path: Path) -> None:
    write(tmp_path, "Dockerfile", DOCKERFILE)
    write(tmp_path, "sub/Containerfile", "FROM redis\n")
    proc = run_entry(entry("pinlint"), tmp_path, "Dockerfile", "sub/Containerfile")
    assert proc.returncode == 1, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(FINDING)
    assert lines[1].startswith("sub/Containerfile:1:6: PIN002 redis")
    # The fix hook's --fix reaches pinlint's options, before the others pre-commit's
    # user may add (--diff --offline: writes nothing, asks no registry).
    proc = run_entry(entry("pinlint-fix"), tmp_path, "--diff", "--offline", "Dockerfile")
    assert "Would fix 0 findings in 0 files; 1 remains." in proc.stderr, proc.stderr


@pytest.mark.parametrize("hook", ["pinlint", "pinlint-fix"])
def test_a_pinlint_package_in_the_repository_is_not_imported(hook: str, tmp_path: Path) -> None:
    """``python -c`` puts the current directory first on sys.path, unless -I: a
    repository (a stranger's pull request) that holds a ``pinlint/`` package must not
    run its code in place of pinlint's."""
    write(tmp_path, "Dockerfile", DOCKERFILE)
    for name in ("pinlint/__init__.py", "pinlint/cli.py", "pinlint/__main__.py"):
        write(
            tmp_path,
            name,
            "import sys\nprint('HIJACKED')\nsys.exit(0)\ndef run():\n    return 0\n",
        )
    write(tmp_path, "yaml/__init__.py", "print('HIJACKED')\n")
    write(tmp_path, "re.py", "print('HIJACKED')\n")
    write(tmp_path, "compose.yaml", "services:\n  web:\n    image: redis\n")
    words = entry(hook)
    if hook == "pinlint-fix":
        words.append("--offline")  # the cache is empty: every finding stays, no network
    proc = run_entry(words, tmp_path, "Dockerfile", "compose.yaml")
    assert "HIJACKED" not in proc.stdout + proc.stderr
    assert FINDING in proc.stdout, proc.stdout + proc.stderr
    assert "compose.yaml:3:12: PIN002 redis" in proc.stdout, proc.stdout + proc.stderr
    assert proc.returncode == 1, proc.stderr
