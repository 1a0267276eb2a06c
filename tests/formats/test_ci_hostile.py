"""Hostile CI files: aliases that would expand exponentially, nesting past the parser's
limit, self-referencing placeholders, text that is not YAML.  Each is read in bounded
time and memory, reported as one parse error or not at all, never a traceback.
"""

from __future__ import annotations

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
