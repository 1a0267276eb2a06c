"""``--fix``: splice suggestions into files at their spans, atomically.

The fixer knows spans, not formats: an edit is ``(start, end, replacement)`` in the
decoded text, applied back to front, so every byte outside the spans (comments, quotes,
CRLF, a BOM, a missing final newline) stays as it was.  Nothing is ever re-serialised.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
from collections import Counter
from collections.abc import Sequence

from pinlint import discover, lint
from pinlint.config import Config
from pinlint.formats import ScanOptions
from pinlint.model import Finding, Occurrence, ParseError

# Which half of a tag@digest pair is wrong is the user's call.
_NOT_FIXED = frozenset({"PIN103"})


@dataclasses.dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: str


@dataclasses.dataclass
class Outcome:
    remaining: list[Finding]
    changed: bool
    diff: str


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Splice non-overlapping edits into ``text``, back to front."""
    out = text
    last_start = len(text) + 1
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        if edit.end > last_start:
            raise ValueError(f"overlapping edits at {edit.start}")
        out = out[: edit.start] + edit.text + out[edit.end :]
        last_start = edit.start
    return out


def _inside(path: str, roots: Sequence[str]) -> bool:
    """Is ``path`` inside the scanned tree once symlinks are resolved?

    A symlink that leads out of the tree is never written through: the target may
    belong to another project, or to nobody who asked for a fix.
    """
    real = os.path.realpath(path)
    for root in roots:
        if os.path.isdir(root):
            real_root = os.path.realpath(root)
            if real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep):
                return True
        elif os.path.abspath(root) == os.path.abspath(path) and not os.path.islink(path):
            return True
    return False


def write_atomic(path: str, text: str) -> None:
    """Replace ``path`` with ``text``: temp file in the same folder, fsync, rename.

    A failure at any point leaves the original file as it was.
    """
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".pinlint"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _note(finding: Finding, why: str) -> Finding:
    return dataclasses.replace(finding, message=f"{finding.message}; not rewritten: {why}")


def _images(occurrences: Sequence[Occurrence]) -> Counter[tuple[str, str | None]]:
    return Counter((o.context, o.image) for o in occurrences)


def _fix_file(
    path: str, findings: list[Finding], options: ScanOptions, roots: Sequence[str], diff: bool
) -> tuple[list[Finding], str | None]:
    """Fix one file; returns (findings left, diff text or None when unchanged)."""
    left: list[Finding] = []
    edits: dict[tuple[int, int], Edit] = {}
    fixed: list[Finding] = []
    for f in findings:
        occ = f.occurrence
        if occ is None or f.suggestion is None or f.rule in _NOT_FIXED:
            left.append(f)
        elif not occ.fixable:
            left.append(_note(f, "the reference is built from variables and other text"))
        elif (occ.start, occ.end) in edits and edits[occ.start, occ.end].text != f.suggestion:
            left.append(_note(f, "two suggestions disagree for the same text"))
        else:
            edits[occ.start, occ.end] = Edit(occ.start, occ.end, f.suggestion)
            fixed.append(f)
    if not edits:
        return left, None
    if not _inside(path, roots):
        return left + [_note(f, "a symlink to outside the scanned tree") for f in fixed], None

    kind = discover.classify(path) or discover.DOCKERFILE
    try:
        before = lint.read_text(path)
        old = lint.scan_text(path, kind, before, options)
    except (OSError, ParseError):
        return left + [_note(f, "the file changed while pinlint ran") for f in fixed], None
    if any(before[e.start : e.end] != fixed_occ.written for e, fixed_occ in _pairs(edits, fixed)):
        return left + [_note(f, "the file changed while pinlint ran") for f in fixed], None

    after = apply_edits(before, list(edits.values()))
    if after == before:
        return left, None
    # Re-scan the result: it must parse, and the only references that differ must be the
    # ones edited, now spelled as suggested.
    replaced = {(e.start, e.end): e.text for e in edits.values()}
    expected = Counter((o.context, replaced.get((o.start, o.end), o.image)) for o in old)
    try:
        new = lint.scan_text(path, kind, after, options)
    except ParseError:
        return left + [_note(f, "the rewritten file would not parse") for f in fixed], None
    if _images(new) != expected:
        return left + [
            _note(f, "the rewrite would change other references too") for f in fixed
        ], None

    if not diff:
        try:
            write_atomic(path, after)
        except OSError as e:
            print(f"pinlint: {path}: cannot write: {e.strerror}", file=sys.stderr)
            return left + [_note(f, f"cannot write: {e.strerror}") for f in fixed], None
        print(f"Rewriting {path}", file=sys.stderr)
    return left, unified_diff(path, before, after)


def _pairs(
    edits: dict[tuple[int, int], Edit], fixed: Sequence[Finding]
) -> list[tuple[Edit, Occurrence]]:
    pairs = []
    for f in fixed:
        assert f.occurrence is not None
        pairs.append((edits[f.occurrence.start, f.occurrence.end], f.occurrence))
    return pairs


def fix_findings(
    findings: Sequence[Finding], cfg: Config, *, diff: bool, roots: Sequence[str]
) -> Outcome:
    options = ScanOptions(build_args=dict(cfg.build_args))
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    remaining: list[Finding] = []
    diffs: list[str] = []
    for path in sorted(by_path):
        left, text = _fix_file(path, by_path[path], options, roots, diff)
        remaining.extend(left)
        if text:
            diffs.append(text)
    return Outcome(remaining=remaining, changed=bool(diffs), diff="".join(diffs))
