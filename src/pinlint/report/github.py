"""``--format github``: workflow commands that GitHub Actions shows as annotations, and a
Markdown table for the job summary (``$GITHUB_STEP_SUMMARY``).

Escaping follows the runner's own toolkit (actions/toolkit, packages/core/src/command.ts):
in the message ``%``, CR and LF; in property values also ``:`` and ``,``, which would
otherwise end the value.  An unescaped newline would end the command and print the rest
of the message as a plain log line.

Everything that comes from a file or a registry (paths, messages, images, suggestions)
is first made printable (:func:`pinlint.report.escape.printable`): no raw ESC reaches the
log viewer, no control character the summary.  In the summary, text cells are code spans,
the one place where GitHub's Markdown makes no link of a URL, ``www.`` name or e-mail
address that a file put in a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pinlint.model import Finding, Severity
from pinlint.report.escape import printable
from pinlint.rules import RULES

__all__ = ["escape_data", "escape_property", "render", "summary", "write_summary"]

# GitHub caps a step summary at 1 MiB; a table this long is unreadable anyway.
MAX_SUMMARY_ROWS = 500

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _message(finding: Finding) -> str:
    if finding.suggestion is None:
        return finding.message
    return f"{finding.message} -> {finding.suggestion}"


def annotation(finding: Finding) -> str:
    """``::error file=…,line=…,col=…,title=PIN001::message`` for one finding."""
    properties = (
        ("file", finding.path),
        ("line", str(finding.line)),
        ("col", str(finding.column)),
        ("title", finding.rule),
    )
    props = ",".join(f"{key}={escape_property(printable(value))}" for key, value in properties)
    message = escape_data(printable(_message(finding)))
    return f"::{_COMMANDS[finding.severity]} {props}::{message}"


def render(findings: Sequence[Finding]) -> str:
    """One annotation line per finding, in the order of the text and JSON formats (empty
    text when there are none)."""
    ordered = sorted(findings, key=_key)
    return "".join(annotation(f) + "\n" for f in ordered)


def _key(f: Finding) -> tuple[str, int, int, str]:
    return (f.path, f.line, f.column, f.rule)


# Characters that Markdown (GFM) would read as formatting, a link, HTML or a table cell
# border; a backslash makes each of them literal.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&#!])")


def _md_text(text: str) -> str:
    """Our own words (rule names) as literal Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", printable(text))


def _md_code(text: str) -> str:
    """``text`` as an inline code span that is safe inside a table cell: printable, no
    HTML, no links (GFM makes none inside a code span)."""
    if not text:
        return ""
    text = printable(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    # GFM splits table cells on "|" before it parses code spans: escape it even there.
    return f"{fence}{pad}{text.replace('|', chr(92) + '|')}{pad}{fence}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _rows(findings: Iterable[Finding]) -> Iterable[str]:
    for f in findings:
        rule = RULES.get(f.rule)
        rule_cell = f"{f.rule} {rule.name}" if rule is not None else f.rule
        cells = (
            _md_code(f"{f.path}:{f.line}:{f.column}"),
            _md_text(rule_cell),
            f.severity.value,
            _md_code(f.as_written),
            _md_code(f.message),
            _md_code(f.suggestion) if f.suggestion is not None else "",
        )
        yield "| " + " | ".join(cells) + " |\n"


def summary(findings: Sequence[Finding]) -> str:
    """The Markdown that :func:`write_summary` appends."""
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    if not findings:
        return "### pinlint\n\nNo unpinned image references found.\n\n"
    parts = [
        "### pinlint\n\n",
        f"{_plural(len(findings), 'finding')} "
        f"({_plural(errors, 'error')}, {_plural(warnings, 'warning')}).\n\n",
        "| Location | Rule | Severity | Image | Message | Suggestion |\n",
        "|---|---|---|---|---|---|\n",
    ]
    parts.extend(_rows(findings[:MAX_SUMMARY_ROWS]))
    if len(findings) > MAX_SUMMARY_ROWS:
        parts.append(
            f"\n{_plural(len(findings) - MAX_SUMMARY_ROWS, 'more finding')} not shown; "
            "run pinlint locally or upload the SARIF file to see them all.\n"
        )
    if not any(f.suggestion for f in findings):
        parts.append("\nRun `pinlint --resolve` to see the exact version and digest to pin.\n")
    parts.append("\n")
    return "".join(parts)


def write_summary(findings: Sequence[Finding], path: str) -> None:
    """Append the findings as a Markdown table to ``path`` (``$GITHUB_STEP_SUMMARY``)."""
    with open(path, "a", encoding="utf-8", newline="") as f:
        f.write(summary(findings))
