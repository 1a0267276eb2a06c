"""Inline ``# pinlint: ignore`` directives, applied after the rules ran (like yamllint).

``# pinlint: ignore`` or ``# pinlint: ignore[PIN001,PIN004]`` at the end of the line that
holds the reference, or alone on the line above it.  For a reference fed by a variable
default, a directive on the line that uses it (the FROM) counts too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from pinlint.model import Finding

_RULES = r"(?:\[(?P<rules>[A-Za-z0-9_, ]*)\])?"


# Compiled on first use: most files have no directive, and a one-file run should not
# pay for them.
@functools.cache
def _trailing() -> re.Pattern[str]:
    """At the end of a line, after the reference and any other text."""
    return re.compile(r"#\s*pinlint:\s*ignore" + _RULES + r"\s*$")


@functools.cache
def _alone() -> re.Pattern[str]:
    """A whole-line comment: applies to the next line."""
    return re.compile(r"^\s*#\s*pinlint:\s*ignore" + _RULES + r"\s*$")


_ALL = frozenset({"*"})


def _rules(match: re.Match[str]) -> frozenset[str]:
    listed = match.group("rules")
    if listed is None:
        return _ALL
    return frozenset(r.strip().upper() for r in listed.split(",") if r.strip())


def _ignored_on(lines: Sequence[str], line: int) -> frozenset[str]:
    """Rule ids ignored for a reference on 1-based ``line``."""
    ignored: set[str] = set()
    if 0 < line <= len(lines):
        m = _trailing().search(lines[line - 1])
        if m:
            ignored |= _rules(m)
    if 1 < line <= len(lines) + 1:
        m = _alone().match(lines[line - 2])
        if m:
            ignored |= _rules(m)
    return frozenset(ignored)


def apply(text: str, findings: list[Finding]) -> list[Finding]:
    """The findings that no directive in ``text`` suppresses."""
    if "pinlint:" not in text or not findings:
        return findings
    lines = text.splitlines()
    kept = []
    for finding in findings:
        ignored = _ignored_on(lines, finding.line)
        occ = finding.occurrence
        if occ is not None and occ.use_line is not None:
            ignored |= _ignored_on(lines, occ.use_line)
        if ignored is _ALL or "*" in ignored or finding.rule in ignored:
            continue
        kept.append(finding)
    return kept
