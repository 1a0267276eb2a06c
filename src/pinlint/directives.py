"""Inline ``# pinlint: ignore`` directives, applied after the rules ran (like yamllint).

``# pinlint: ignore`` or ``# pinlint: ignore[PIN001,partial-version]`` (ids or names) at
the end of the line that holds the reference (YAML), or alone on the line above it (YAML
and Dockerfiles, which have no end-of-line comments).  For a reference fed by a variable
default, a directive on the line that uses it (the FROM) counts too.

The lint pass reads a file's directives once (:func:`suppressions`, per line) and stamps
each occurrence with the rules ignored at it (``Occurrence.ignored``), so the online rules
apply them without reading the file again.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from pinlint.model import NO_LINES, Finding, suppresses

_RULES = r"(?:\[(?P<rules>[A-Za-z0-9_, -]*)\])?"


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
    from pinlint import rules

    ids = set()
    for r in listed.split(","):
        if r.strip():
            rule = rules.lookup(r.strip())
            ids.add(rule.id if rule is not None else r.strip().upper())
    return frozenset(ids)


@functools.cache
def _comment() -> re.Pattern[str]:
    """Anything that looks meant as a directive."""
    return re.compile(r"#\s*pinlint:.*$")


def problems(
    text: str,
    targets: frozenset[int],
    lines: range | None = None,
    fired: Mapping[int, frozenset[str]] | None = None,
    judged: frozenset[str] = frozenset(),
    pinned: frozenset[int] = frozenset(),
) -> list[tuple[int, int, str]]:
    """(line, column, message) of each directive that does nothing (PIN901), as ruff's
    RUF100: not one pinlint reads (``# pinlint: ignore [PIN004]``), naming an unknown
    rule, with no image reference on the line it applies to (``targets``: the lines that
    hold or use a reference), or with nothing there to ignore.

    ``fired``: the rules whose findings each line's directives would silence; with it, a
    directive naming a rule of ``judged`` (the rules this pass applied) that did not fire
    there does nothing, and neither does a bare ``# pinlint: ignore`` where nothing fired,
    unless the line is one of ``pinned``, where the online rules of ``--resolve`` may
    fire (pinlint.lint says which)."""
    if "pinlint:" not in text:
        return []
    from pinlint import rules

    found: list[tuple[int, int, str]] = []
    for index, line in enumerate(text.splitlines()):
        if "pinlint:" not in line:
            continue
        comment = _comment().search(line)
        if comment is None:
            continue
        number, column = index + 1, comment.start() + 1
        if lines is not None and number not in lines:
            # A part of a file (pinlint.lint), cut where a document starts: its own
            # directives only (the line after its last is a "---", no reference).
            continue
        written = comment.group(0).rstrip()
        alone = _alone().match(line)
        match = alone or _trailing().search(line)
        if match is None:
            found.append(
                (
                    number,
                    column,
                    f'"{written}" is not a directive pinlint reads; write '
                    '"# pinlint: ignore" or "# pinlint: ignore[RULE,...]"',
                )
            )
            continue
        listed = match.group("rules")
        names = [r.strip() for r in (listed or "").split(",") if r.strip()]
        for name in names:
            if not rules.lookup(name):
                found.append((number, column, f'unknown rule "{name}" in "{written}"'))
        target = number + 1 if alone else number
        if target not in targets:
            found.append(
                (
                    number,
                    column,
                    f'"{written}" has nothing to ignore: no image reference on line {target}',
                )
            )
            continue
        if fired is None:
            continue
        here = fired.get(target, NONE)
        if listed is None:
            if not here and target not in pinned:
                found.append(
                    (
                        number,
                        column,
                        f'"{written}" has nothing to ignore: no finding on line {target}',
                    )
                )
            continue
        unused = []
        for name in names:
            rule = rules.lookup(name)
            if rule is not None and rule.id in judged and rule.id not in here:
                unused.append(name)
        if unused:
            found.append(
                (
                    number,
                    column,
                    f'"{written}": no {" or ".join(unused)} finding on line {target} to ignore',
                )
            )
    return found


@functools.cache
def _dockerfile_trailing() -> re.Pattern[str]:
    return re.compile(
        r"^[ \t]*(?:FROM|COPY|ADD|ONBUILD)\b[^\r\n]*?[ \t](#[ \t]*pinlint:[^\r\n]*)",
        re.IGNORECASE | re.MULTILINE,
    )


def dockerfile_trailing(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """A Dockerfile's text with each ``# pinlint:`` at the end of a FROM, COPY or ADD line
    blanked (Docker reads it as more arguments, so the build fails), and where each was
    (line, column, the text): scanning goes on as if it were on the line above."""
    if "pinlint:" not in text:
        return text, []
    spans = [(m.start(1), m.end(1)) for m in _dockerfile_trailing().finditer(text)]
    if not spans:
        return text, []
    where = []
    parts = []
    last = 0
    for start, end in spans:
        line = text.count("\n", 0, start) + 1
        column = start - (text.rfind("\n", 0, start) + 1) + 1
        where.append((line, column, text[start:end].rstrip()))
        parts.append(text[last:start])
        parts.append(" " * (end - start))
        last = end
    parts.append(text[last:])
    return "".join(parts), where


NONE: frozenset[str] = frozenset()


def suppressions(text: str) -> Mapping[int, frozenset[str]]:
    """Rule ids ignored for a reference on each 1-based line (``*``: every rule).

    Computed once per file by the lint pass; lines with no directive are absent, and a
    file without the word ``pinlint:`` costs one search.
    """
    if "pinlint:" not in text:
        return NO_LINES
    found: dict[int, frozenset[str]] = {}
    for index, line in enumerate(text.splitlines()):
        if "pinlint:" not in line:
            continue
        m = _trailing().search(line)
        if m:
            found[index + 1] = found.get(index + 1, NONE) | _rules(m)
        m = _alone().match(line)
        if m:
            found[index + 2] = found.get(index + 2, NONE) | _rules(m)
    return found


def ignored_at(
    lines: Mapping[int, frozenset[str]], line: int, use_line: int | None = None
) -> frozenset[str]:
    """Rule ids ignored for a reference on ``line`` and, if any, used on ``use_line``."""
    if not lines:
        return NONE
    ignored = lines.get(line, NONE)
    if use_line is not None:
        ignored = ignored | lines.get(use_line, NONE)
    return ignored


def filter_findings(lines: Mapping[int, frozenset[str]], findings: list[Finding]) -> list[Finding]:
    """The findings that no directive of a file (its :func:`suppressions`) suppresses."""
    if not lines or not findings:
        return findings
    kept = []
    for finding in findings:
        occ = finding.occurrence
        ignored = ignored_at(lines, finding.line, None if occ is None else occ.use_line)
        if not suppresses(ignored, finding.rule):
            kept.append(finding)
    return kept


def apply(text: str, findings: list[Finding]) -> list[Finding]:
    """The findings that no directive in ``text`` suppresses."""
    return filter_findings(suppressions(text), findings)
