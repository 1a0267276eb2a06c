"""The README's examples are real: every ``$ pinlint ...`` in its text blocks is run and
its output compared with what the README shows (``...`` stands for lines left out)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from helpers import run_pinlint

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# Commands the test does not run, and why.  A new example in the README must be run here
# or listed with its reason.
NOT_RUN = {
    # The Ollama case needs a registry whose `latest` was rolled back and a pin of another
    # tag's digest (tests/test_drift.py builds that case against the test registry).
    "--resolve .",
    "--fix .",
}


def _examples() -> list[tuple[str, list[str]]]:
    """(arguments, output lines shown) of each ``$ pinlint`` in a ``text`` block."""
    text = README.read_text(encoding="utf-8")
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```text\n(.*?)```", text, re.S):
        current: list[str] | None = None
        for line in block.splitlines():
            if line.startswith("$ "):
                command = line[2:].split("#", 1)[0].strip()
                assert command.startswith("pinlint"), line
                current = []
                found.append((command.removeprefix("pinlint").strip(), current))
            elif current is not None:
                current.append(line)
    return found


def _matches(shown: list[str], actual: list[str]) -> bool:
    """``actual`` is what ``shown`` shows, ``...`` standing for any lines."""
    pattern = "\n".join(".*?" if line == "..." else re.escape(line) for line in shown)
    return (
        re.fullmatch(pattern.replace("\n.*?\n", "(?:\n.*?)?\n"), "\n".join(actual), re.S)
        is not None
    )


def test_the_readme_shows_examples() -> None:
    commands = {args for args, _ in _examples()}
    assert "examples/" in commands
    assert commands >= NOT_RUN, "NOT_RUN names a command the README no longer shows"


@pytest.mark.parametrize(
    ("args", "shown"),
    [pytest.param(a, s, id=a) for a, s in _examples() if a not in NOT_RUN],
)
def test_readme_example_output(tmp_path: Path, args: str, shown: list[str]) -> None:
    argv = shlex.split(args)
    if argv == ["--fix", "Dockerfile"]:
        # A registry that does not answer (nothing listens on port 9).
        cwd = tmp_path / "tree"
        cwd.mkdir()
        (cwd / "Dockerfile").write_text("FROM 127.0.0.1:9/team/app:latest\n")
    else:
        cwd = ROOT
        for arg in argv:
            if not arg.startswith("-"):
                assert (cwd / arg).exists(), f"the README's example names {arg}, not in the tree"
    proc = run_pinlint(tmp_path, cwd, *argv)
    actual = proc.stdout.decode("utf-8").splitlines()
    assert _matches(shown, actual), "\n".join(actual)
    assert proc.returncode == (1 if any(" [error]" in line for line in shown) else 0)
