from __future__ import annotations

import pytest

from pinlint import directives
from pinlint.model import Finding, Occurrence, Severity


def _finding(line: int, rule: str = "PIN001", use_line: int | None = None) -> Finding:
    occ = Occurrence(
        path="f",
        start=0,
        end=1,
        line=line,
        column=1,
        written="x",
        image="x",
        context="FROM",
        use_line=use_line,
    )
    return Finding("f", line, 1, rule, Severity.ERROR, "m", "x", occurrence=occ)


@pytest.mark.parametrize(
    ("text", "line", "rule"),
    [
        pytest.param("image: nginx:latest  # pinlint: ignore\n", 1, "PIN001", id="trailing"),
        pytest.param("image: a # pinlint: ignore[PIN001]\n", 1, "PIN001", id="trailing-listed"),
        pytest.param("x: # pinlint: ignore[pin004, PIN001]\n", 1, "PIN001", id="list-any-case"),
        pytest.param("# pinlint: ignore\nFROM nginx\n", 2, "PIN002", id="line-above"),
        pytest.param("  #pinlint:ignore[PIN003]\n  image: a\n", 2, "PIN003", id="above-tight"),
        pytest.param("a\r\nb # pinlint: ignore\r\n", 2, "PIN001", id="crlf"),
    ],
)
def test_suppressed(text: str, line: int, rule: str) -> None:
    assert directives.apply(text, [_finding(line, rule)]) == []


@pytest.mark.parametrize(
    ("text", "line", "rule"),
    [
        pytest.param("image: nginx:latest\n", 1, "PIN001", id="no-directive"),
        pytest.param("image: a # pinlint: ignore[PIN004]\n", 1, "PIN001", id="other-rule"),
        pytest.param("# pinlint: ignore\n\nFROM nginx\n", 3, "PIN002", id="two-lines-above"),
        pytest.param("FROM a # pinlint: ignore\nFROM b\n", 2, "PIN001", id="trailing-not-next"),
        pytest.param("x: '# pinlint: ignore' y\n", 1, "PIN001", id="not-at-end"),
        pytest.param("# pinlint: ignored\nFROM a\n", 2, "PIN001", id="misspelt"),
    ],
)
def test_not_suppressed(text: str, line: int, rule: str) -> None:
    finding = _finding(line, rule)
    assert directives.apply(text, [finding]) == [finding]


def test_directive_on_use_line_counts() -> None:
    text = "ARG BASE=nginx:latest\nFROM ${BASE} # pinlint: ignore\n"
    assert directives.apply(text, [_finding(1, use_line=2)]) == []
