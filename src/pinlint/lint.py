"""The offline pass: discover files, scan each one, apply the rules and directives.

One pass per file: each file is read and scanned once, and its record
(:class:`FileResult`: kind, occurrences, directives per line, findings) is all that later
passes need (the online rules, the fixer), apart from the fixer's deliberate re-read
before it writes.
"""

from __future__ import annotations

import itertools
import os
import sys

from pinlint import discover, formats, rules
from pinlint.config import Config
from pinlint.formats import MAX_FILE_SIZE, Project, ScanOptions
from pinlint.model import NO_LINES, Finding, Occurrence, ParseError, Split

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

__all__ = [
    "MAX_FILE_SIZE",
    "FileResult",
    "FileSettings",
    "LintResult",
    "enabled_rules",
    "lint_paths",
    "read_text",
    "settings",
]

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# Below this many files a second process costs more than it saves.
_PARALLEL_MIN_FILES = 400
# Files in one task at most: a worker holds a task's records until it sends them, so a
# tree's size must not set how many that is (about 8 tasks a worker below this).
_TASK_MAX_FILES = 512


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
        suppressions: Mapping[int, frozenset[str]] = NO_LINES,
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
    __slots__ = (
        "default_excluded",
        "files",
        "findings",
        "occurrences",
        "own_settings",
        "read",
        "read_errors",
        "settings",
        "streamed",
    )

    def __init__(
        self,
        findings: list[Finding],
        occurrences: list[Occurrence],
        read_errors: int,
        files: list[FileResult] | None = None,
        settings: _Settings | None = None,
        default_excluded: int = 0,
        own_settings: Mapping[str, _Settings] | None = None,
        read: int | None = None,
    ) -> None:
        self.findings = findings
        self.occurrences = occurrences
        self.read_errors = read_errors
        self.files = files if files is not None else []
        self.settings = settings
        # Files left out because they lie in a third-party tree (vendor/, ...).
        self.default_excluded = default_excluded
        # The settings of the files linted with a config of their own, not the run's.
        self.own_settings = own_settings if own_settings is not None else {}
        # How many files were linted, when ``files`` holds only the records of the files
        # with findings (or a read error): an offline run keeps nothing of a clean file.
        self.read = read
        # The findings went to the run's output as they came (lint_paths' ``stream``):
        # ``findings`` and ``files`` hold none of them.
        self.streamed = False

    def settings_for(self, path: str) -> FileSettings | None:
        """What ``path`` was linted with: its own config's settings, else the run's."""
        return self.own_settings.get(path, self.settings)

    def files_read(self) -> int:
        """How many files were linted (a file that could not be read is not)."""
        if self.read is not None:
            return self.read
        return sum(1 for r in self.files if r.read_error is None)

    def kinds(self) -> dict[str, str]:
        """The kind of each file read, for the fixer (which need not classify again)."""
        return {r.path: r.kind for r in self.files if r.kind}


class _Settings:
    # A plain class, as every record on the lint path (CONTRIBUTING.md, "Start-up budget").
    __slots__ = ("allow", "enabled", "exact_patterns", "exact_schemes", "online", "project", "scan")

    def __init__(
        self,
        enabled: frozenset[str],
        allow: tuple[str, ...],
        exact_patterns: tuple[str, ...],
        scan: ScanOptions,
        roots: tuple[str, ...] = (),
        exact_schemes: tuple[tuple[str, str], ...] = (),
        project: Project | None = None,
        online: bool = False,
    ) -> None:
        self.enabled = enabled
        # The online rules run after this pass (--resolve, --fix): a bare directive on a
        # reference may be there for them (pinlint.directives.problems).
        self.online = online
        self.allow = allow
        self.exact_patterns = exact_patterns
        self.exact_schemes = exact_schemes
        self.scan = scan
        # What sources may read beyond one file: one per run, over the paths given
        # (shared by the settings of every config of the run).
        self.project = project if project is not None else Project(roots)


# What the files of one config are linted with (rules, allow, scan options): the name the
# later passes (pinlint.drift, pinlint.fix) know it by.
FileSettings = _Settings


def enabled_rules(cfg: Config) -> frozenset[str]:
    """The rules a run applies (``--require-digest`` turns PIN005 on)."""
    enabled = rules.selected_rules(cfg.select, cfg.ignore)
    if cfg.require_digest:
        enabled |= rules.selected_rules([rules.MISSING_DIGEST.id], cfg.ignore)
    return enabled


def settings(
    cfg: Config, roots: Sequence[str] = (), project: Project | None = None, online: bool = False
) -> _Settings:
    """What the files of one config are linted with, computed once per config
    (``LintResult.settings`` hands on the run's); ``roots`` are the paths given (the
    scanned tree of :class:`~pinlint.formats.Project`), or ``project`` is the run's;
    ``online``: the online rules run after this pass."""
    return _Settings(
        enabled=enabled_rules(cfg),
        allow=tuple(cfg.allow),
        exact_patterns=tuple(cfg.exact_tag_patterns),
        exact_schemes=tuple(cfg.exact_tag_schemes.items()),
        scan=ScanOptions(build_args=dict(cfg.build_args)),
        roots=tuple(roots),
        project=project,
        online=online,
    )


def read_text(path: str) -> str:
    """The decoded file; ParseError for what pinlint cannot read as text."""
    return _read(path, lenient=False)[0]


def _read(path: str, *, lenient: bool) -> tuple[str, ParseError | None]:
    """The decoded file, and with ``lenient`` the first byte that is not UTF-8 (as a
    ParseError to report, the text decoded with U+FFFD in its place): one stray byte
    must not hide every finding of the file.  The fixer reads strictly, and so never
    writes such a file."""
    # os.open/fstat/read: a third of the cost of os.path.getsize, open() and a buffered
    # read, on a tree of small files.
    fd = os.open(path, os.O_RDONLY | _O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_SIZE:
            raise ParseError(f"file too large ({size} bytes; the limit is {MAX_FILE_SIZE})")
        data = os.read(fd, size + 1)
        if len(data) > size:
            # Grown since, or no size to go by: read on, never past the limit.
            parts = [data]
            total = len(data)
            while chunk := os.read(fd, 1 << 16):
                total += len(chunk)
                if total > MAX_FILE_SIZE:
                    raise ParseError(f"file too large (the limit is {MAX_FILE_SIZE} bytes)")
                parts.append(chunk)
            data = b"".join(parts)
    finally:
        os.close(fd)
    nul = data.find(b"\0")
    if nul != -1:
        raise ParseError(f"binary file (NUL byte at offset {nul})")
    try:
        # Not utf-8-sig: a BOM stays character 0, so offsets match the bytes on disk.
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        start = e.start
    message = f"not valid UTF-8 (byte 0x{data[start]:02x} at offset {start}"
    if not lenient:
        raise ParseError(message + ")")
    head = data[:start].decode("utf-8")
    line = head.count("\n") + 1
    column = len(head) - (head.rfind("\n") + 1) + 1
    error = ParseError(f"{message}; read with it replaced)", line, column)
    return data.decode("utf-8", errors="replace"), error


def _parse_error(path: str, e: ParseError, source: str | None) -> Finding:
    """PIN900 for ``e``, quoting the line of ``source`` it points at; an error past the
    last line (the end of the stream) is at the end of the last line."""
    line, column, message = e.line, e.column, e.message
    if source is not None and e.located:
        from pinlint.report.escape import excerpt

        lines = source.split("\n")
        if len(lines) > 1 and lines[-1] == "":
            lines.pop()  # the final newline ends the last line; it starts none
        if line > len(lines):
            line, column = len(lines), len(lines[-1].rstrip("\r")) + 1
        quoted = excerpt(lines[line - 1], column) if line >= 1 else ""
        if quoted:
            message = f'{message} in "{quoted}"'
    return rules.parse_error(path, message, line, column)


def lint_file(path: str, kind: str, s: _Settings) -> FileResult:
    trailing: list[tuple[int, int, str]] = []
    trailing_errors: list[ParseError] = []  # reported beside the findings
    source: str | None = None  # the text as read, for the line a parse error quotes
    try:
        text, bad_byte = _read(path, lenient=True)
        source = text
        if bad_byte is not None:
            trailing_errors.append(bad_byte)
        if kind == "dockerfile" and "pinlint:" in text:
            from pinlint import directives

            text, trailing = directives.dockerfile_trailing(text)
        occurrences = formats.scan(kind, path, text, s.scan, s.project)
    except ParseError as e:
        return FileResult([_parse_error(path, e, source)], [], path=path, kind=kind)
    except OSError as e:
        return FileResult(
            [], [], read_error=f"{path}: cannot read: {e.strerror}", path=path, kind=kind
        )
    except RecursionError:
        return FileResult([rules.parse_error(path, "nesting too deep")], [], path=path, kind=kind)
    extra = [
        rules.parse_error(
            path,
            f'"{written}": Dockerfiles have no end-of-line comments; put it on the line '
            "above (Docker reads it as more arguments)",
            line,
            column,
        )
        for line, column, written in trailing
    ]
    extra += [_parse_error(path, e, source) for e in trailing_errors]
    return _checked(path, kind, text, occurrences, s, extra)


def _checked(
    path: str,
    kind: str,
    text: str,
    occurrences: list[Occurrence],
    s: _Settings,
    extra: Sequence[Finding] = (),
    lines: range | None = None,
) -> FileResult:
    """The record of a scanned file: directives stamped, rules applied; ``extra``
    findings (of the text itself) added."""
    # A file without the word has no directive: pinlint.directives is not even loaded
    # (CONTRIBUTING.md, "Start-up budget").
    suppressions = NO_LINES
    if "pinlint:" in text:
        from pinlint import directives

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
    unfiltered = findings
    if suppressions:
        findings = directives.filter_findings(suppressions, findings)
    findings.extend(extra)
    if suppressions and rules.UNUSED_IGNORE.id in s.enabled:
        targets = frozenset(
            n for occ in occurrences for n in (occ.line, occ.use_line) if n is not None
        )
        for line, column, message in directives.problems(
            text, targets, lines, *_fired(unfiltered, occurrences, s.enabled, s.online)
        ):
            findings.append(rules.unused_ignore(path, message, line, column))
        # In the order of the file, as the findings of a file read in parts are.
        findings.sort(key=lambda f: (f.line, f.column))
    return FileResult(
        findings,
        occurrences,
        path=path,
        kind=kind,
        suppressions=suppressions,
    )


def _fired(
    findings: Sequence[Finding],
    occurrences: Sequence[Occurrence],
    enabled: frozenset[str],
    online: bool,
) -> tuple[dict[int, frozenset[str]], frozenset[str], frozenset[int]]:
    """What :func:`pinlint.directives.problems` judges directives by: the rules whose
    findings a directive on each line would silence (the finding's line, and the line
    that uses a variable default), the rules this pass applied (the online rules and
    the findings of the file itself, PIN900 and PIN901, are not silenced here), and the
    lines where a bare directive may be there for the online rules: those of
    digest-pinned references (which only they check), and with ``online`` (they run
    next) those of every reference."""
    fired: dict[int, set[str]] = {}
    for f in findings:
        use = f.occurrence.use_line if f.occurrence is not None else None
        for n in (f.line, use):
            if n is not None:
                fired.setdefault(n, set()).add(f.rule)
    pinned = frozenset(
        n
        for occ in occurrences
        if online or (occ.image is not None and "@" in occ.image)
        for n in (occ.line, occ.use_line)
        if n is not None
    )
    judged = enabled - rules.ONLINE - {rules.PARSE_ERROR.id, rules.UNUSED_IGNORE.id}
    return {n: frozenset(r) for n, r in fired.items()}, judged, pinned


# What a worker sends back for one file when only the findings are wanted: plain tuples,
# which pickle and unpickle several times faster than the records (each Finding would
# carry its Occurrence): (path, kind, read_error, suppressions or None, findings), each
# finding as the fields of Finding without its occurrence, the severity as its value.
if TYPE_CHECKING:
    _SentFinding = tuple[
        str, int, int, str, str, str, str, str | None, int | None, int | None, str | None
    ]
    _Sent = tuple[str, str, str | None, Mapping[int, frozenset[str]] | None, list[_SentFinding]]


class _Packed:
    """The files of a run, packed as discovery finds them: their paths in blocks of
    :data:`_BLOCK` files, each block one string, and each file's kind as one byte, an
    index into ``kinds``.  In a block, a path is written as how much of the path before
    it it repeats (its directories that are the same: one character, ``chr(1 + n)``,
    n < 255) and the rest of it, NUL between paths (no path holds one): sorted paths
    share their directories, so this is about a third of the paths' length.  A whole
    block is compressed (zlib), to a sixth of that; the last, shorter one is left as it
    is (a one-file run imports nothing for it).  A parallel run's workers inherit it
    (fork), and a task names a run of files of one block, so the parent pickles no path
    and keeps no object per file while the workers lint, and no process writes to (and
    so copies) the pages they are in."""

    __slots__ = ("blocks", "codes", "kinds", "ordered")

    def __init__(
        self,
        blocks: Sequence[str | bytes] = (),
        codes: bytes = b"",
        kinds: tuple[str, ...] = (),
        ordered: bool = True,
    ) -> None:
        self.blocks = blocks
        self.codes = codes
        self.kinds = kinds
        # Each path sorts after the one before it (as the walk of one directory gives).
        self.ordered = ordered

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        """``(path, kind)`` of each file, in order (one block's paths at a time)."""
        kinds, codes = self.kinds, self.codes
        i = 0
        for block in self.blocks:
            for path in _paths(block):
                yield path, kinds[codes[i]]
                i += 1

    def run(self, block: int, first: int, last: int) -> list[tuple[str, str]]:
        """``(path, kind)`` of files ``first`` to ``last`` (excluded) of ``block``."""
        kinds, at = self.kinds, block * _BLOCK
        paths = _paths(self.blocks[block])[first - at : last - at]
        return list(zip(paths, [kinds[c] for c in self.codes[first:last]], strict=True))


def _paths(block: str | bytes) -> list[str]:
    """The paths of one block of :class:`_Packed`."""
    if isinstance(block, bytes):
        import zlib

        block = zlib.decompress(block).decode("utf-8", "surrogatepass")
    paths = []
    path = ""
    for entry in block.split("\0"):
        path = path[: ord(entry[0]) - 1] + entry[1:]
        paths.append(path)
    return paths


_FILES = _Packed()
# Files in one block of packed paths: a task takes files of one block only.
_BLOCK = _TASK_MAX_FILES


def _pack(found: Iterable[tuple[str, str]]) -> _Packed:
    """The files of ``found``, packed as they come: no list of every path (or of a
    tuple per file) is ever built, nor a second copy of the packed paths, so that what a
    tree's discovery leaves behind in this process, and in the workers that inherit its
    memory, is the packed form alone."""
    sep = os.sep
    blocks: list[str | bytes] = []
    block: list[str] = []
    codes = bytearray()
    code: dict[str, int] = {}  # kind -> its byte, in the order met
    last = ""
    ordered = True
    for path, kind in found:
        if path <= last:
            ordered = False
        c = code.get(kind)
        if c is None:
            c = code[kind] = len(code)
        codes.append(c)
        # How much of the path before it this one repeats (none at a block's start): its
        # nearest directory that the path before lies in too (two calls in C a level).
        n = 0
        if block:
            n = path.rfind(sep, 0, 254) + 1
            while n and not last.startswith(path[:n]):
                n = path.rfind(sep, 0, n - 1) + 1
        block.append(chr(1 + n) + path[n:])
        last = path
        if len(block) == _BLOCK:
            # A whole block (a run of more than one): compressed, a sixth of its size.
            import zlib

            text = "\0".join(block).encode("utf-8", "surrogatepass")
            blocks.append(zlib.compress(text, 1))
            block.clear()
    if block:
        blocks.append("\0".join(block))
    return _Packed(blocks, bytes(codes), tuple(code), ordered)


if TYPE_CHECKING:
    _Run = tuple[int, int, int, _Settings, bool]


def _lint_chunk(args: _Run) -> list[FileResult]:
    block, first, last, s, _ = args
    files = _FILES.run(block, first, last)
    return [lint_file(path, kind, s) for path, kind in files]


def _lint_chunk_findings(args: _Run) -> list[_Sent]:
    """The files with findings or a read error; nothing of a clean file (the parent
    counts the files it sent)."""
    block, first, last, s, _ = args
    return [
        _sent(r)
        for path, kind in _FILES.run(block, first, last)
        if (r := lint_file(path, kind, s)).findings or r.read_error
    ]


def _sent(r: FileResult) -> _Sent:
    findings: list[_SentFinding] = [
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
            f.reference,
        )
        for f in r.findings
    ]
    return (r.path, r.kind, r.read_error, r.suppressions or None, findings)


# A file this large, of the generic YAML kind, is scanned in parts (whole documents) by
# every worker when only the findings are wanted.
_SPLIT_MIN_BYTES = 1 << 20
# Texts of the files to split, read before the workers fork (they inherit them).
_SPLIT_TEXTS: dict[str, str] = {}


def _parts(text: str, count: int) -> list[tuple[int, int]]:
    """About ``count`` spans of ``text`` of about the same size, each cut where a
    document starts."""
    from pinlint.formats.yamltree import cuttable, next_document_start

    if not cuttable(text):
        return [(0, len(text))]
    cuts = [0]
    step = len(text) / count
    for k in range(1, count):
        # Only the starts next to the cuts are looked for, not every document's.
        at = next_document_start(text, int(k * step))
        if at > cuts[-1]:
            cuts.append(at)
    cuts.append(len(text))
    return list(itertools.pairwise(cuts))


def _lint_part(args: tuple[str, str, int, int, _Settings]) -> list[_Sent] | None:
    """The findings of one part of a split file, at their places in the whole file;
    None when the part does not parse (the parent scans the whole file)."""
    path, kind, start, end, s = args
    text = _SPLIT_TEXTS[path]
    reader = formats.load(formats.source(kind))
    try:
        found = reader.scan_part(path, text, start, end, s.scan, s.project)
    except (ParseError, RecursionError):
        return None
    if start:
        lines = text.count("\n", 0, start)
        found = [_shifted(o, start, lines) for o in found]
    # The part's own lines, for the directives it reports (PIN901).
    first = text.count("\n", 0, start) + 1
    r = _checked(
        path, kind, text, found, s, lines=range(first, first + text.count("\n", start, end))
    )
    return [_sent(r)]


def _shifted(o: Occurrence, offset: int, lines: int) -> Occurrence:
    """An occurrence of a part at its place in the whole file (the part starts a line)."""
    split = o.split
    if split is not None and split.digest is not None:
        d0, d1 = split.digest
        split = Split(split.name, (d0 + offset, d1 + offset), split.digest_text, split.tag_text)
    return Occurrence(
        o.path,
        o.start + offset,
        o.end + offset,
        o.line + lines,
        o.column,
        o.written,
        o.image,
        o.context,
        None if o.use_line is None else o.use_line + lines,
        o.unresolved,
        o.ignored,
        split,
    )


def _received(sent: list[_Sent]) -> list[FileResult]:
    """The records of a worker's tuples (findings without their occurrence)."""
    from pinlint.model import Severity

    severity = {s.value: s for s in (Severity.ERROR, Severity.WARNING)}
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
                f.effective,
            ) = t
            f.severity = severity[sev]
            f.occurrence = None
            f.resolution = None  # no registry asked in the offline pass
            findings.append(f)
        results.append(
            FileResult(
                findings,
                [],
                read_error,
                path=path,
                kind=kind,
                suppressions=suppressions or NO_LINES,
            )
        )
    return results


def _default_sigterm() -> None:
    """A worker dies of SIGTERM: that is how the pool stops its workers at the end, and a
    handler inherited from the process that forked it (one that raises, as the fixer's
    does) could leave a worker waiting on the pool's queue for ever."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _lint_parallel(
    files: _Packed,
    s: _Settings,
    workers: int,
    keep_occurrences: bool,
    split: Mapping[str, tuple[str, list[tuple[int, int]]]] | None,
    out: Callable[[FileResult], object],
) -> None:
    """Each file's record to ``out``, in the order of the files (offline, only those with
    findings or a read error).  ``split``: the texts of the files to scan in parts and
    their parts, by path (offline runs).  The workers inherit ``files`` (:data:`_FILES`)."""
    import gc
    import multiprocessing

    from pinlint import heap

    # fork: the children inherit the imported modules, so they start in a millisecond.
    ctx = multiprocessing.get_context("fork")
    split = split or {}
    size = min(max(1, (len(files) - len(split)) // (workers * 8)), _TASK_MAX_FILES)
    # Tasks in the order of the files: runs of whole files of one block (the block,
    # indexes of the first and past the last file), and the parts of a split file.
    tasks: list[tuple[object, ...]] = []
    # For each task, the part of a split file it scans (path, kind, start, end), or None.
    where: list[tuple[str, str, int, int] | None] = []
    for b, block in enumerate(files.blocks):
        at = b * _BLOCK
        paths = _paths(block) if split else []
        run_first = at
        for i in range(at, min(at + _BLOCK, len(files))):
            if paths and paths[i - at] in split:
                path = paths[i - at]
                if i > run_first:
                    tasks.append((b, run_first, i, s, keep_occurrences))
                    where.append(None)
                kind = files.kinds[files.codes[i]]
                for start, stop in split[path][1]:
                    tasks.append((path, kind, start, stop, s))
                    where.append((path, kind, start, stop))
                run_first = i + 1
            elif i + 1 - run_first >= size:
                tasks.append((b, run_first, i + 1, s, keep_occurrences))
                where.append(None)
                run_first = i + 1
        if min(at + _BLOCK, len(files)) > run_first:
            tasks.append((b, run_first, min(at + _BLOCK, len(files)), s, keep_occurrences))
            where.append(None)
    _FILES.blocks, _FILES.codes, _FILES.kinds = files.blocks, files.codes, files.kinds
    # The parent's heap moves out of the collector's sight (the children do not touch its
    # pages to scan them), and the collector stays off while results arrive: every
    # unpickled record is a new object, and collections would walk them again and again.
    enabled = gc.isenabled()
    _SPLIT_TEXTS.update((path, text) for path, (text, _) in split.items())
    frozen = heap.freeze()
    gc.disable()
    try:
        with ctx.Pool(workers, initializer=_default_sigterm) as pool:
            if keep_occurrences:
                for chunk in pool.map(_lint_chunk, tasks, 1):  # type: ignore[arg-type]
                    for r in chunk:
                        out(r)
                return
            # In order, as they arrive: each chunk's tuples are dropped once made records.
            parts: list[FileResult] | None = []
            for part, got in zip(where, pool.imap(_task, tasks, 1), strict=True):
                if part is None:
                    assert got is not None
                    for r in _received(got):
                        out(r)
                    continue
                path, kind, start, end = part
                if start == 0:
                    parts = []
                if parts is not None:
                    # Records made as each part arrives: this process waits for the
                    # workers anyway, and only the last part's are left for the end.
                    parts = None if got is None else parts + _received(got)
                if end == len(split[path][0]):
                    if parts is None:  # a part that does not parse: the whole file reports it
                        record = lint_file(path, kind, s)
                    else:
                        record = parts[0]  # path, kind and directives of the first part
                        record.findings = [f for p in parts for f in p.findings]
                    if record.findings or record.read_error:
                        out(record)
    finally:
        _SPLIT_TEXTS.clear()
        _FILES.blocks, _FILES.codes, _FILES.kinds = (), b"", ()
        heap.thaw(frozen)  # a caller's own freeze stays as it was
        if enabled:
            gc.enable()


def _task(args: tuple[object, ...]) -> list[_Sent] | None:
    if isinstance(args[0], int):
        return _lint_chunk_findings(args)  # type: ignore[arg-type]
    return _lint_part(args)  # type: ignore[arg-type]


def _splittable(
    files: Iterable[tuple[str, str]], workers: int
) -> dict[str, tuple[str, list[tuple[int, int]]]]:
    """The texts of the generic YAML files large enough to scan in parts, and their
    parts."""
    split: dict[str, tuple[str, list[tuple[int, int]]]] = {}
    if formats.source(formats.YAML).reader == formats.YAML:
        return split
    for path, kind in files:
        if kind != formats.YAML:
            continue
        try:
            if os.path.getsize(path) < _SPLIT_MIN_BYTES:
                continue
            text = read_text(path)
        except (OSError, ParseError):
            continue  # reported when the file is linted whole
        parts = _parts(text, workers * 4)
        if len(parts) > 1:
            split[path] = (text, parts)
    return split


def _own_settings(
    found: Iterable[tuple[str, str]],
    cfg: Config,
    s: _Settings,
    config_for: Callable[[str], Config],
    own: dict[str, _Settings],
) -> Iterator[tuple[str, str]]:
    """The files of ``found`` but those their own config excludes; the settings of each
    file with a config of its own (computed once per config) go into ``own``, by path.
    Nothing is kept of a file linted with the run's config."""
    by_config: dict[int, _Settings] = {id(cfg): s}
    for path, kind in found:
        file_cfg = config_for(path)
        if file_cfg is not cfg:
            fs = by_config.get(id(file_cfg))
            if fs is None:
                fs = by_config[id(file_cfg)] = settings(
                    file_cfg, project=s.project, online=s.online
                )
            if discover.is_excluded(path, file_cfg.exclude):
                continue
            own[path] = fs
        yield path, kind


def lint_paths(
    paths: Sequence[str],
    cfg: Config,
    *,
    keep_occurrences: bool = True,
    config_for: Callable[[str], Config] | None = None,
    online: bool = False,
    stream: Callable[[Sequence[Finding]], object] | None = None,
) -> LintResult:
    """Lint every file; ``keep_occurrences=False`` when only the findings are wanted
    (then the findings of a run in worker processes come without their occurrence).

    ``config_for`` gives the config of each file (the nearest one, as ruff finds it);
    without it, or where it returns ``cfg`` itself, a file is linted with ``cfg``.  A
    file's own config decides its rules, ``allow``, ``exact-tags``, ``build-args`` and
    ``exclude`` (on top of the run's); everything else is the run's (``cfg``).
    ``online``: the online rules run next (``--resolve``, ``--fix``).

    ``stream``: with ``keep_occurrences=False``, when the files come in the order of
    their paths (one directory, or paths given in order), each file's findings are
    passed to it as soon as they are known, file by file in that order, and none is
    kept (``LintResult.streamed``); otherwise it is not called.
    """
    s = settings(cfg, paths, online=online)
    skipped: list[str] = []
    unreadable: list[str] = []
    found = discover.discover(
        paths,
        cfg.exclude,
        s.project,
        default_excludes=cfg.default_excludes,
        skipped=skipped,
        errors=unreadable,
    )
    # The settings of the files whose own config is not the run's, by path; the files,
    # packed as discovery finds them (the only thing kept of a file linted with the
    # run's config).
    own: dict[str, _Settings] = {}
    if config_for is not None:
        found = _own_settings(found, cfg, s, config_for, own)
    files = _pack(found)
    read_errors = 0
    for message in unreadable:
        from pinlint.report.escape import printable

        print(printable(f"pinlint: {message}"), file=sys.stderr)
        read_errors += 1
    streamed = stream is not None and not keep_occurrences and files.ordered
    results: list[FileResult] = []
    unread_files = 0

    def out(r: FileResult) -> None:
        nonlocal unread_files
        if r.read_error:
            from pinlint.report.escape import printable

            print(printable(f"pinlint: {r.read_error}"), file=sys.stderr)
            unread_files += 1
        if streamed:
            assert stream is not None
            stream(r.findings)
        else:
            results.append(r)

    workers = min(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1, 4)
    # Worker processes take the run's settings: a tree whose files have configs of their
    # own is linted in this process.
    parallel = workers > 1 and sys.platform == "linux" and not own
    # A large multi-document YAML file is scanned in parts by every worker.
    splittable = parallel and not keep_occurrences and formats.YAML in files.kinds
    split = _splittable(files, workers) if splittable else {}
    count = len(files)
    if parallel and (count >= _PARALLEL_MIN_FILES or split):
        _lint_parallel(files, s, workers, keep_occurrences, split, out)
    else:
        for path, kind in files:
            r = lint_file(path, kind, own.get(path, s))
            # Offline, a clean file leaves no record (nothing later reads it).
            if keep_occurrences or r.findings or r.read_error:
                out(r)
    del files
    findings: list[Finding] = []
    occurrences: list[Occurrence] = []
    for r in results:
        findings.extend(r.findings)
        occurrences.extend(r.occurrences)
    # Every file sent to be linted was read, but those whose record says it could not be.
    result = LintResult(
        findings,
        occurrences,
        read_errors + unread_files,
        results,
        s,
        len(skipped),
        own,
        count - unread_files,
    )
    result.streamed = streamed
    return result
