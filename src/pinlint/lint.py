"""The offline pass: discover files, scan each one, apply the rules and directives.

One pass per file: each file is read and scanned once, and its record
(:class:`FileResult`: kind, occurrences, directives per line, findings) is all that later
passes need (the online rules, the fixer), apart from the fixer's deliberate re-read
before it writes.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

from pinlint import directives, discover, formats, rules
from pinlint.config import Config
from pinlint.formats import MAX_FILE_SIZE, Project, ScanOptions
from pinlint.model import Finding, Occurrence, ParseError

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False

__all__ = [
    "MAX_FILE_SIZE",
    "FileResult",
    "LintResult",
    "enabled_rules",
    "lint_paths",
    "read_text",
    "settings",
]

# Below this many files a second process costs more than it saves.
_PARALLEL_MIN_FILES = 400


class FileResult:
    """The record of one file: what the later passes know of it without reading it."""

    __slots__ = ("findings", "kind", "occurrences", "path", "read_error", "suppressions")

    def __init__(
        self,
        findings: list[Finding],
        occurrences: list[Occurrence],
        read_error: str | None = None,
        *,
        path: str = "",
        kind: str = "",
        suppressions: Mapping[int, frozenset[str]] = directives.NO_LINES,
    ) -> None:
        self.path = path
        self.kind = kind  # the source that read it (``pinlint.formats.SOURCES``)
        self.findings = findings
        # Each stamped with the rules the file's directives ignore at it.
        self.occurrences = occurrences
        self.read_error = read_error
        # Rule ids ignored per 1-based line (``pinlint.directives.suppressions``).
        self.suppressions = suppressions


class LintResult:
    __slots__ = ("default_excluded", "files", "findings", "occurrences", "read_errors", "settings")

    def __init__(
        self,
        findings: list[Finding],
        occurrences: list[Occurrence],
        read_errors: int,
        files: list[FileResult] | None = None,
        settings: _Settings | None = None,
        default_excluded: int = 0,
    ) -> None:
        self.findings = findings
        self.occurrences = occurrences
        self.read_errors = read_errors
        self.files = files if files is not None else []
        self.settings = settings
        # Files left out because they lie in a third-party tree (vendor/, ...).
        self.default_excluded = default_excluded

    def kinds(self) -> dict[str, str]:
        """The kind of each file read, for the fixer (which need not classify again)."""
        return {r.path: r.kind for r in self.files if r.kind}


class _Settings:
    # A plain class, as every record on the lint path (CONTRIBUTING.md, "Start-up budget").
    __slots__ = ("allow", "enabled", "exact_patterns", "exact_schemes", "project", "scan")

    def __init__(
        self,
        enabled: frozenset[str],
        allow: tuple[str, ...],
        exact_patterns: tuple[str, ...],
        scan: ScanOptions,
        roots: tuple[str, ...] = (),
        exact_schemes: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.enabled = enabled
        self.allow = allow
        self.exact_patterns = exact_patterns
        self.exact_schemes = exact_schemes
        self.scan = scan
        # What sources may read beyond one file: one per run, over the paths given.
        self.project = Project(roots)


def enabled_rules(cfg: Config) -> frozenset[str]:
    """The rules a run applies (``--require-digest`` turns PIN005 on)."""
    enabled = rules.selected_rules(cfg.select, cfg.ignore)
    if cfg.require_digest:
        enabled |= rules.selected_rules([rules.MISSING_DIGEST.id], cfg.ignore)
    return enabled


def settings(cfg: Config, roots: Sequence[str] = ()) -> _Settings:
    """What every file of a run is linted with, computed once (``LintResult.settings``
    hands them on); ``roots`` are the paths given (the scanned tree of
    :class:`~pinlint.formats.Project`)."""
    return _Settings(
        enabled=enabled_rules(cfg),
        allow=tuple(cfg.allow),
        exact_patterns=tuple(cfg.exact_tag_patterns),
        exact_schemes=tuple(cfg.exact_tag_schemes.items()),
        scan=ScanOptions(build_args=dict(cfg.build_args)),
        roots=tuple(roots),
    )


def read_text(path: str) -> str:
    """The decoded file; ParseError for what pinlint cannot read as text."""
    size = os.path.getsize(path)
    if size > MAX_FILE_SIZE:
        raise ParseError(f"file too large ({size} bytes; the limit is {MAX_FILE_SIZE})")
    with open(path, "rb") as f:
        data = f.read()
    nul = data.find(b"\0")
    if nul != -1:
        raise ParseError(f"binary file (NUL byte at offset {nul})")
    try:
        # Not utf-8-sig: a BOM stays character 0, so offsets match the bytes on disk.
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ParseError(
            f"not valid UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start})"
        ) from None


def lint_file(path: str, kind: str, s: _Settings) -> FileResult:
    try:
        text = read_text(path)
        occurrences = formats.scan(kind, path, text, s.scan, s.project)
    except ParseError as e:
        error = rules.parse_error(path, e.message, e.line, e.column)
        return FileResult([error], [], path=path, kind=kind)
    except OSError as e:
        return FileResult(
            [], [], read_error=f"{path}: cannot read: {e.strerror}", path=path, kind=kind
        )
    except RecursionError:
        return FileResult([rules.parse_error(path, "nesting too deep")], [], path=path, kind=kind)
    suppressions = directives.suppressions(text)
    if suppressions:
        stamped = []
        for occ in occurrences:
            ignored = directives.ignored_at(suppressions, occ.line, occ.use_line)
            stamped.append(occ.with_ignored(ignored) if ignored else occ)
        occurrences = stamped
    findings: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    for occ in occurrences:
        # One ARG default feeding several stages is one finding, at the default.
        key = (occ.start, occ.end)
        if key in seen:
            continue
        finding = rules.check(
            occ,
            s.enabled,
            allow=s.allow,
            exact_patterns=s.exact_patterns,
            exact_schemes=s.exact_schemes,
        )
        if finding is not None:
            seen.add(key)
            findings.append(finding)
    return FileResult(
        directives.filter_findings(suppressions, findings),
        occurrences,
        path=path,
        kind=kind,
        suppressions=suppressions,
    )


# What a worker sends back for one file when only the findings are wanted: plain tuples,
# which pickle and unpickle several times faster than the records (each Finding would
# carry its Occurrence): (path, kind, read_error, suppressions or None, findings), each
# finding as the fields of Finding without its occurrence, the severity as its value.
if TYPE_CHECKING:
    _SentFinding = tuple[str, int, int, str, str, str, str, str | None, int | None, int | None]
    _Sent = tuple[str, str, str | None, Mapping[int, frozenset[str]] | None, list[_SentFinding]]


def _lint_chunk(args: tuple[list[tuple[str, str]], _Settings, bool]) -> list[FileResult]:
    files, s, _ = args
    return [lint_file(path, kind, s) for path, kind in files]


def _lint_chunk_findings(args: tuple[list[tuple[str, str]], _Settings, bool]) -> list[_Sent]:
    files, s, _ = args
    sent: list[_Sent] = []
    for path, kind in files:
        r = lint_file(path, kind, s)
        findings = [
            (
                f.path,
                f.line,
                f.column,
                f.rule,
                f.severity.value,
                f.message,
                f.as_written,
                f.suggestion,
                f.end_line,
                f.end_column,
            )
            for f in r.findings
        ]
        sent.append((r.path, r.kind, r.read_error, r.suppressions or None, findings))
    return sent


def _received(sent: list[_Sent]) -> list[FileResult]:
    """The records of a worker's tuples (findings without their occurrence)."""
    from pinlint.model import Severity

    severity = {s.value: s for s in Severity}
    results = []
    new = Finding.__new__
    for path, kind, read_error, suppressions, sent_findings in sent:
        findings = []
        for t in sent_findings:
            f = new(Finding)
            (
                f.path,
                f.line,
                f.column,
                f.rule,
                sev,
                f.message,
                f.as_written,
                f.suggestion,
                f.end_line,
                f.end_column,
            ) = t
            f.severity = severity[sev]
            f.occurrence = None
            findings.append(f)
        results.append(
            FileResult(
                findings,
                [],
                read_error,
                path=path,
                kind=kind,
                suppressions=suppressions or directives.NO_LINES,
            )
        )
    return results


def _lint_parallel(
    files: list[tuple[str, str]], s: _Settings, workers: int, keep_occurrences: bool
) -> list[FileResult]:
    import gc
    import multiprocessing

    # fork: the children inherit the imported modules, so they start in a millisecond.
    ctx = multiprocessing.get_context("fork")
    size = max(1, len(files) // (workers * 8))
    chunks = [(files[i : i + size], s, keep_occurrences) for i in range(0, len(files), size)]
    # The parent's heap moves out of the collector's sight (the children do not touch its
    # pages to scan them), and the collector stays off while results arrive: every
    # unpickled record is a new object, and collections would walk them again and again.
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        with ctx.Pool(workers) as pool:
            if keep_occurrences:
                return [r for chunk in pool.map(_lint_chunk, chunks) for r in chunk]
            sent = pool.map(_lint_chunk_findings, chunks)
        return [r for chunk in sent for r in _received(chunk)]
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def lint_paths(paths: Sequence[str], cfg: Config, *, keep_occurrences: bool = True) -> LintResult:
    """Lint every file; ``keep_occurrences=False`` when only the findings are wanted
    (then the findings of a run in worker processes come without their occurrence)."""
    s = settings(cfg, paths)
    skipped: list[str] = []
    unreadable: list[str] = []
    files = list(
        discover.discover(
            paths,
            cfg.exclude,
            s.project,
            default_excludes=cfg.default_excludes,
            skipped=skipped,
            errors=unreadable,
        )
    )
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
    if len(files) >= _PARALLEL_MIN_FILES and workers > 1 and sys.platform == "linux":
        results = _lint_parallel(files, s, workers, keep_occurrences)
    else:
        results = [lint_file(path, kind, s) for path, kind in files]
    findings: list[Finding] = []
    occurrences: list[Occurrence] = []
    read_errors = 0
    for message in unreadable:
        from pinlint.report.escape import printable

        print(printable(f"pinlint: {message}"), file=sys.stderr)
        read_errors += 1
    for r in results:
        if r.read_error:
            from pinlint.report.escape import printable

            print(printable(f"pinlint: {r.read_error}"), file=sys.stderr)
            read_errors += 1
        findings.extend(r.findings)
        occurrences.extend(r.occurrences)
    return LintResult(findings, occurrences, read_errors, results, s, len(skipped))
