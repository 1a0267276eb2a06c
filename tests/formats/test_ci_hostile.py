"""Hostile CI files: aliases that would expand exponentially, nesting past the parser's
limit, self-referencing placeholders, text that is not YAML.  Each is read in bounded
time and memory, reported as one parse error or not at all, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import time_limit
from pinlint import formats
from pinlint.config import Config
from pinlint.formats import ScanOptions
from pinlint.lint import lint_paths
from pinlint.model import ParseError

NAMES = [
    "cloudbuild.yaml",
    ".drone.yml",
    ".woodpecker.yml",
    ".circleci/config.yml",
    "bitbucket-pipelines.yml",
    "azure-pipelines.yml",
]


def _laughs(key: str, item: str) -> str:
    """A "billion laughs": 30 levels of 10 aliases each, then 200 uses of the last."""
    lines = ["x-laughs:", "  - &a0 alpine"]
    for level in range(1, 30):
        lines.append(f"  - &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    lines.append(f"{key}:")
    lines += [item.format(i=i) for i in range(200)]
    return "\n".join(lines) + "\n"


BOMBS = {
    "cloudbuild.yaml": _laughs("steps", "  - {{name: *a0, args: *a29}}"),
    ".drone.yml": _laughs("steps", "  - {{name: s{i}, image: *a0, commands: *a29}}"),
    ".woodpecker.yml": _laughs("steps", "  s{i}: {{image: *a0, commands: *a29}}"),
    ".circleci/config.yml": _laughs("jobs", "  j{i}: {{docker: [{{image: *a0}}], steps: *a29}}"),
    "bitbucket-pipelines.yml": _laughs("definitions", "  s{i}: {{image: *a0, steps: *a29}}"),
    "azure-pipelines.yml": _laughs("jobs", "  - {{job: j{i}, container: *a0, steps: *a29}}"),
}


@pytest.mark.parametrize("name", NAMES)
def test_alias_bomb_is_read_in_its_size(name: str) -> None:
    text = BOMBS[name]
    kind = formats.classify(name)
    assert kind is not None
    with time_limit(5):
        found = formats.scan(kind, name, text, ScanOptions())
    # The one written reference, once (the anchor), whatever the number of aliases.
    assert {o.written for o in found} <= {"alpine"}
    assert len(found) <= 1


@pytest.mark.parametrize("name", NAMES)
def test_nesting_past_the_limit_is_a_parse_error(name: str) -> None:
    # The words each source needs before it parses a file, then the nesting.
    text = "# image container\nsteps: " + "[" * 5000 + "]" * 5000 + "\n"
    kind = formats.classify(name)
    assert kind is not None
    with pytest.raises(ParseError, match="nesting too deep"):
        formats.scan(kind, name, text, ScanOptions())


def test_circleci_placeholder_defaults_do_not_recurse() -> None:
    text = (
        "executors:\n  e:\n    parameters:\n"
        "      a: {default: '<< parameters.b >>'}\n      b: {default: '<< parameters.a >>'}\n"
        "    docker: [{image: '<< parameters.a >>'}]\n"
    )
    found = formats.scan("circleci", ".circleci/config.yml", text, ScanOptions())
    # One substitution, as CircleCI makes: the default is taken as written.
    assert [(o.written, o.image) for o in found] == [("<< parameters.b >>", "<< parameters.b >>")]


@pytest.mark.parametrize("name", NAMES)
def test_not_yaml_is_one_parse_error_and_the_run_goes_on(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    # A stylesheet under a CI file's name, as a linter's test fixtures keep one.
    text = "steps: a\nimage: a\ncontainer: a\n@media (max-width: 850px) {\n.x>tbody {}\n}\n"
    (tmp_path / name).write_text(text)
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    monkeypatch.chdir(tmp_path)
    result = lint_paths(["."], Config())
    assert {(f.path, f.rule) for f in result.findings} == {
        ("Dockerfile", "PIN002"),
        (name, "PIN900"),
    }


# -- Drone/Woodpecker Go templates, read line by line ----------------------------------

TEMPLATE_NAMES = [".drone.yml", ".woodpecker.yml", ".woodpecker/build.yaml"]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_line_scan_is_linear(name: str) -> None:
    """Megabytes of template lines, near misses for the line pattern (a reference that
    never ends in a quote, a block scalar that never closes, a 1 MB ``image:`` line) are
    read in bounded time, and only the whole ``image: REF`` lines count."""
    lines = ["{{ if .input.x }}", "steps:"]
    lines += [f'- image: "alpine:3.{i}' for i in range(20_000)]  # unclosed quote
    lines += ["- image: " + "a" * 1_000_000 + " b"]  # two words
    lines += ["  commands: |"] + ["      image: in/block:1"] * 20_000
    lines += ["- image: busybox", "{{ end }}"]
    text = "\n".join(lines) + "\n"
    kind = formats.classify(name)
    assert kind is not None
    with time_limit(10):
        found = formats.scan(kind, name, text, ScanOptions())
    assert [(o.line, o.written) for o in found] == [(len(lines) - 1, "busybox")]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_template_with_binary_bytes_is_not_a_traceback(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control bytes in a template (YAML refuses them): what the line pattern does not
    take is ignored.  A NUL byte makes it a binary file, one parse error, as any file.
    The run goes on either way."""
    (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / name).write_bytes(
        b"{{ if .x }}\x01\x02\nsteps:\n- image: alpine\x1b\n- image: nginx\n\x7f{{ end }}\n"
    )
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / ".drone.yml").write_bytes(b"{{ if }}\nsteps:\n- image: nginx\x00\n")
    (tmp_path / "Dockerfile").write_text("FROM alpine\n")
    monkeypatch.chdir(tmp_path)
    result = lint_paths(["."], Config())
    assert {(f.path, f.rule, f.line) for f in result.findings} == {
        ("Dockerfile", "PIN002", 1),
        (name.replace("/", os.sep), "PIN002", 4),
        (os.path.join("bin", ".drone.yml"), "PIN900", 1),
    }


def test_template_names_that_are_not_files_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``.drone.yml`` that is a symlink to ``/dev/zero`` and a ``.woodpecker.yml`` that
    is a FIFO: neither blocks the run nor is read; a ``.woodpecker/`` file symlinked out
    of the tree is read as the file it is (the line scan opens nothing else)."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "t.yml").write_text("{{ if .x }}\nsteps:\n- image: other/image:1\n{{ end }}\n")
    tree = tmp_path / "tree"
    (tree / ".woodpecker").mkdir(parents=True)
    (tree / ".drone.yml").symlink_to("/dev/zero")
    os.mkfifo(tree / ".woodpecker.yml")
    (tree / ".woodpecker" / "t.yml").symlink_to(outside / "t.yml")
    monkeypatch.chdir(tree)
    with time_limit(20):
        result = lint_paths(["."], Config())
    assert {(f.path, f.rule, f.line) for f in result.findings} == {
        (os.path.join(".woodpecker", "t.yml"), "PIN004", 3)
    }
