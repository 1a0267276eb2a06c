"""``--format text``: one line a finding, ruff-style, and a closing count."""

from __future__ import annotations

from pinlint.model import Finding, Severity
from pinlint.report.escape import printable

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_RESET = "\033[0m"
_BOLD = "\033[1m"
_RED = "\033[31m"
_YELLOW = "\033[33m"
_GREEN = "\033[32m"


def _line(f: Finding, color: bool) -> str:
    # Paths, messages and suggestions hold text from files and registries: escaped, so
    # that no control sequence reaches the terminal (pinlint.report.escape).
    path, message = printable(f.path), printable(f.message)
    # The severity last, so that the documented prefix ``path:line:col: PIN001 message``
    # stays what scripts match; CI logs have no colour to tell errors from warnings.
    suggestion = f" -> {printable(f.suggestion)}" if f.suggestion else ""
    severity = f.severity.value
    if not color:
        return f"{path}:{f.line}:{f.column}: {f.rule} {message}{suggestion} [{severity}]"
    rule_color = _RED if f.severity is Severity.ERROR else _YELLOW
    if suggestion:
        suggestion = f" -> {_GREEN}{printable(f.suggestion or '')}{_RESET}"
    return (
        f"{_BOLD}{path}{_RESET}:{f.line}:{f.column}: "
        f"{rule_color}{_BOLD}{f.rule}{_RESET} {message}{suggestion} "
        f"[{rule_color}{severity}{_RESET}]"
    )


def count(findings: Sequence[Finding], read: int | None = None, unread: int = 0) -> str:
    """``Found 3 findings (2 errors, 1 warning) in 2 files; 5 files read.``

    ``read``: the files linted (None: not said); ``unread``: the files named on the
    command line that no source reads (said on stderr one by one)."""
    return _count(len(findings), *_counts(findings), _tail(read, unread))


def _counts(findings: Sequence[Finding]) -> tuple[int, int]:
    """Errors among ``findings``, and the files they are in."""
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    return errors, len({f.path for f in findings})


def _tail(read: int | None, unread: int) -> str:
    tail = "."
    if read is not None:
        tail = f"; {read} file{'s' if read != 1 else ''} read"
        if unread:
            tail += (
                f", {unread} named file{'s' if unread != 1 else ''} skipped "
                f"(not {'a file' if unread == 1 else 'files'} pinlint reads)"
            )
        tail += "."
    return tail


def _count(n: int, errors: int, files: int, tail: str) -> str:
    if not n:
        return "No findings" + tail
    warnings = n - errors
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return (
        f"Found {n} finding{'s' if n != 1 else ''} ({', '.join(parts)}) "
        f"in {files} file{'s' if files != 1 else ''}{tail}"
    )


def skipped_note(skipped: int) -> str:
    """What the default excludes left out (``pinlint.discover.DEFAULT_EXCLUDES``)."""
    return (
        f"Skipped {skipped} file{'s' if skipped != 1 else ''} in third-party trees "
        "(vendor/, node_modules/, third_party/); --no-default-excludes reads them."
    )


def render(
    findings: Sequence[Finding],
    *,
    color: bool = False,
    quiet: bool = False,
    skipped: int = 0,
    summary: str | None = None,
    notes: Sequence[str] = (),
    read: int | None = None,
    unread: int = 0,
) -> str:
    """The findings, then the count (or ``summary``), the files the default excludes
    skipped, and ``notes``; ``read`` and ``unread`` as for :func:`count`."""
    lines = [_line(f, color) for f in sorted(findings, key=_order)]
    if not quiet:
        lines.append(summary if summary is not None else count(findings, read, unread))
        if skipped:
            lines.append(skipped_note(skipped))
        lines.extend(printable(n) for n in notes)
    # Each line followed by a newline, without a second copy of every line.
    lines.append("")
    return "\n".join(lines)


def _order(f: Finding) -> tuple[str, int, int, str]:
    return (f.path, f.line, f.column, f.rule)
