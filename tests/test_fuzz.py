"""Fuzzing the Dockerfile and YAML scanners: no input ends in exit 3 or a hang.

Hypothesis builds files from the pieces that make the scanners branch (instructions,
flags, quotes, escapes, variables and their operators, heredocs, parser directives,
continuations, CR, BOM; YAML anchors, aliases, merge keys, tags, flow and block styles,
compose and Kubernetes shapes) and runs each through what a lint run does: read, scan,
rules, directives, and every report format.  The only acceptable outcomes are findings,
a parse-error finding or a read error: anything raised is what the CLI would turn into
exit 3.  Each example also runs under a time limit.

The normal suite runs a short budget; ``bench/fuzz.py`` runs the same tests for minutes
(``PINLINT_FUZZ_EXAMPLES``).
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import time_limit
from pinlint import discover, lint
from pinlint.config import Config
from pinlint.report import github, sarif, text
from pinlint.report import json as json_report

EXAMPLES = int(os.environ.get("PINLINT_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_DOCKER_PIECES = [
    "FROM ",
    "from ",
    "ARG ",
    "COPY ",
    "RUN ",
    "ADD ",
    "ONBUILD ",
    " AS ",
    " as ",
    "--from=",
    "--mount=type=cache,from=",
    "--platform=$BUILDPLATFORM ",
    "--",
    "nginx",
    "nginx:1.27",
    "alpine:3",
    "@sha256:" + "a" * 64,
    "ghcr.io/o/app",
    "localhost:5000/x",
    "${",
    "}",
    "$",
    "${A}",
    "${A:-nginx}",
    "${A-x}",
    "${A:+y}",
    "${A:?e}",
    "${A#*:}",
    "${A##*/}",
    "${A%:*}",
    "${A//a/b}",
    "$A",
    "A=",
    "B=${A}${A}",
    '"',
    "'",
    "\\",
    "`",
    "\\\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "#",
    "# escape=`\n",
    "# syntax=docker/dockerfile:1\n",
    "# pinlint: ignore\n",
    "<<EOF",
    "<<-EOF",
    "EOF\n",
    "\ufeff",
    "scratch",
    "0",
    "=",
    ",",
    "\x00",
    "\u2028",
    "é",
]

_YAML_PIECES = [
    "services:\n",
    "  web:\n",
    "    image: ",
    "    build: .\n",
    "apiVersion: v1\n",
    "kind: Pod\n",
    "kind: Deployment\n",
    "spec:\n",
    "  containers:\n",
    "  - name: a\n",
    "    image: nginx\n",
    "image: ",
    "nginx:latest",
    "${TAG:-1}",
    "${",
    "$$",
    "&a ",
    "*a",
    "<<: *a\n",
    "<<: [*a, *b]\n",
    "!!str ",
    "!!binary ",
    "!custom ",
    "? ",
    ": ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    '"',
    "'",
    '"\\e\\n"',
    "|\n",
    ">-\n",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "# pinlint: ignore\n",
    "\n",
    "  ",
    "\t",
    "\r\n",
    "\ufeff",
    "null",
    "~",
    "123",
    "0x1F",
    "é",
    "\u2028",
]


def _file(pieces: list[str]) -> st.SearchStrategy[str]:
    fragment = st.one_of(
        st.sampled_from(pieces),
        st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=8),
    )
    return st.lists(fragment, max_size=60).map("".join)


def _lint(name: str, content: str) -> None:
    """Everything a lint run does with one file, and every report; raises on a bug."""
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
        cfg = Config()
        s = lint.settings(cfg, [directory])
        kind = discover.classify(path, s.project)
        assert kind is not None
        with time_limit(10):
            result = lint.lint_file(path, kind, s)
        findings = result.findings
        text.render(findings)
        json_report.render(findings)
        sarif.render(findings, root=directory)
        github.render(findings)
        github.summary(findings)


@FUZZ
@given(_file(_DOCKER_PIECES))
def test_dockerfile_scanner_never_crashes(content: str) -> None:
    _lint("Dockerfile", content)


@FUZZ
@given(_file(_YAML_PIECES))
def test_compose_scanner_never_crashes(content: str) -> None:
    _lint("compose.yaml", content)


@FUZZ
@given(_file(_YAML_PIECES))
def test_yaml_scanner_never_crashes(content: str) -> None:
    _lint("deploy.yaml", content)
