"""The output formats, one module each, and :func:`render`, the one dispatch to them.

``text`` (:mod:`~pinlint.report.text`) for people, ``json`` for scripts, ``sarif`` for
code scanning, ``github`` for workflow annotations (with the step summary).  The
command line and the GitHub Action both render through :func:`render`.  Each format's
module is imported only when it is used (CONTRIBUTING.md, "Start-up budget").
"""

from __future__ import annotations

from pinlint.model import Finding

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Protocol

    class Stream(Protocol):
        """An output written as it comes (:func:`stream`)."""

        # The severities of the findings added so far (what the exit status is decided on).
        severities: set[str]

        def add(self, findings: Sequence[Finding]) -> None: ...

        def close(self, *, skipped: int = 0, read: int | None = None, unread: int = 0) -> None: ...


def render(
    fmt: str,
    findings: Sequence[Finding],
    *,
    root: str = ".",
    color: bool = False,
    quiet: bool = False,
    skipped: int = 0,
    summary: str | None = None,
    notes: Sequence[str] = (),
    read: int | None = None,
    unread: int = 0,
) -> str:
    """``findings`` in the output format ``fmt`` (``text`` for an unknown one).

    ``root`` is the directory SARIF's file URIs are relative to; ``color``, ``quiet``
    (no summary line), ``skipped`` (files in third-party trees left out, for the
    summary), ``summary`` (a closing line instead of the count, as ``--fix`` says what it
    did), ``notes`` (lines after it), ``read`` and ``unread`` (the files linted, and the
    files named that no source reads, for the count) apply to ``text`` only.
    """
    if fmt == "json":
        from pinlint.report import json

        return json.render(findings)
    if fmt == "sarif":
        from pinlint.report import sarif

        return sarif.render(findings, root=root)
    if fmt == "github":
        from pinlint.report import github

        return github.render(findings)
    from pinlint.report import text

    return text.render(
        findings,
        color=color,
        quiet=quiet,
        skipped=skipped,
        summary=summary,
        notes=notes,
        read=read,
        unread=unread,
    )


def stream(
    fmt: str,
    write: Callable[[str], object],
    *,
    root: str = ".",
    color: bool = False,
    quiet: bool = False,
) -> Stream:
    """The output format ``fmt`` written with ``write`` as findings come, file by file:
    ``add`` each file's findings, the files in the order of their paths (the order the
    formats sort by), then ``close``; the same bytes as :func:`render` of all of them
    (with no ``summary`` or ``notes``), without holding them."""
    from pinlint.report import streams

    if fmt == "json":
        return streams.Json(write)
    if fmt == "sarif":
        return streams.Sarif(write, root=root)
    if fmt == "github":
        return streams.Github(write)
    return streams.Text(write, color=color, quiet=quiet)
