"""The offline pass: discover files, scan each one, apply the rules and directives."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from pinlint import directives, discover, rules
from pinlint.config import Config
from pinlint.formats import ScanOptions
from pinlint.model import Finding, Occurrence, ParseError

# Larger files are not read: nobody writes a 16 MiB Dockerfile or manifest by hand, and
# reading one would blow the memory budget of a pre-commit hook.
MAX_FILE_SIZE = 16 * 1024 * 1024

# Below this many files a second process costs more than it saves.
_PARALLEL_MIN_FILES = 400


class FileResult:
    __slots__ = ("findings", "occurrences", "read_error")

    def __init__(
        self,
        findings: list[Finding],
        occurrences: list[Occurrence],
        read_error: str | None = None,
    ) -> None:
        self.findings = findings
        self.occurrences = occurrences
        self.read_error = read_error


class LintResult:
    __slots__ = ("findings", "occurrences", "read_errors")

    def __init__(
        self, findings: list[Finding], occurrences: list[Occurrence], read_errors: int
    ) -> None:
        self.findings = findings
        self.occurrences = occurrences
        self.read_errors = read_errors


class _Settings:
    # Plain classes here and in the other records on the lint path: importing
    # ``dataclasses`` (and ``inspect`` behind it) costs a one-file run more than linting.
    __slots__ = ("allow", "enabled", "exact_patterns", "scan")

    def __init__(
        self,
        enabled: frozenset[str],
        allow: tuple[str, ...],
        exact_patterns: tuple[str, ...],
        scan: ScanOptions,
    ) -> None:
        self.enabled = enabled
        self.allow = allow
        self.exact_patterns = exact_patterns
        self.scan = scan


def settings(cfg: Config) -> _Settings:
    enabled = rules.selected_rules(cfg.select, cfg.ignore)
    if cfg.require_digest:
        enabled |= rules.selected_rules(["PIN005"], cfg.ignore)
    return _Settings(
        enabled=enabled,
        allow=tuple(cfg.allow),
        exact_patterns=tuple(cfg.exact_tag_patterns),
        scan=ScanOptions(build_args=dict(cfg.build_args)),
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


def scan_text(path: str, kind: str, text: str, options: ScanOptions) -> list[Occurrence]:
    if kind == discover.DOCKERFILE:
        from pinlint.formats import dockerfile

        return dockerfile.scan(path, text, options)
    from pinlint.formats import yamlfile

    return yamlfile.scan(path, text, options)


def lint_file(path: str, kind: str, s: _Settings) -> FileResult:
    try:
        text = read_text(path)
        occurrences = scan_text(path, kind, text, s.scan)
    except ParseError as e:
        return FileResult([rules.parse_error(path, e.message, e.line, e.column)], [])
    except OSError as e:
        return FileResult([], [], read_error=f"{path}: cannot read: {e.strerror}")
    except RecursionError:
        return FileResult([rules.parse_error(path, "nesting too deep")], [])
    findings: list[Finding] = []
    seen: set[tuple[int, int]] = set()
    for occ in occurrences:
        # One ARG default feeding several stages is one finding, at the default.
        key = (occ.start, occ.end)
        if key in seen:
            continue
        finding = rules.check(occ, s.enabled, allow=s.allow, exact_patterns=s.exact_patterns)
        if finding is not None:
            seen.add(key)
            findings.append(finding)
    return FileResult(directives.apply(text, findings), occurrences)


def _lint_chunk(args: tuple[list[tuple[str, str]], _Settings, bool]) -> list[FileResult]:
    files, s, keep_occurrences = args
    results = [lint_file(path, kind, s) for path, kind in files]
    if not keep_occurrences:
        # Sending every occurrence back to the parent costs more than scanning some
        # formats; an offline run needs only the findings (which carry their own).
        for r in results:
            r.occurrences = []
    return results


def _lint_parallel(
    files: list[tuple[str, str]], s: _Settings, workers: int, keep_occurrences: bool
) -> list[FileResult]:
    import multiprocessing

    # fork: the children inherit the imported modules, so they start in a millisecond.
    ctx = multiprocessing.get_context("fork")
    size = max(1, len(files) // (workers * 8))
    chunks = [(files[i : i + size], s, keep_occurrences) for i in range(0, len(files), size)]
    with ctx.Pool(workers) as pool:
        results = pool.map(_lint_chunk, chunks)
    return [r for chunk in results for r in chunk]


def lint_paths(paths: Sequence[str], cfg: Config, *, keep_occurrences: bool = True) -> LintResult:
    """Lint every file; ``keep_occurrences=False`` when only the findings are wanted."""
    s = settings(cfg)
    files = list(discover.discover(paths, cfg.exclude))
    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
    if len(files) >= _PARALLEL_MIN_FILES and workers > 1 and sys.platform == "linux":
        results = _lint_parallel(files, s, workers, keep_occurrences)
    else:
        results = [lint_file(path, kind, s) for path, kind in files]
    findings: list[Finding] = []
    occurrences: list[Occurrence] = []
    read_errors = 0
    for r in results:
        if r.read_error:
            print(f"pinlint: {r.read_error}", file=sys.stderr)
            read_errors += 1
        findings.extend(r.findings)
        occurrences.extend(r.occurrences)
    return LintResult(findings, occurrences, read_errors)
