"""``--fix``: splice suggestions into files at their spans, atomically.

The fixer knows spans, not formats: an edit is ``(start, end, replacement)`` in the
decoded text, applied back to front, so every byte outside the spans (comments, quotes,
CRLF, a BOM, a missing final newline) stays as it was.  Nothing is ever re-serialised.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

from pinlint import formats, lint, rules
from pinlint.config import Config
from pinlint.formats import Project, ScanOptions
from pinlint.model import Finding, Frozen, Occurrence, ParseError, Record
from pinlint.report.escape import printable


class Edit(Frozen):
    __slots__ = ("end", "start", "text")
    start: int
    end: int
    text: str

    def __init__(self, start: int, end: int, text: str) -> None:
        self._fill(locals())


class Outcome(Record):
    __slots__ = ("changed", "diff", "files", "fixed", "remaining")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(
        self, remaining: list[Finding], changed: bool, diff: str, fixed: int = 0, files: int = 0
    ) -> None:
        self.remaining = remaining
        self.changed = changed
        self.diff = diff
        self.fixed = fixed  # findings whose edit is in the diff (written unless --diff)
        self.files = files  # files that change


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

    A failure at any point leaves the original file as it was.  A symlink is written
    through: its target changes, the link stays a link.

    The new file keeps the old one's mode, owner and group.  A rename needs only a
    writable folder, so without a check it would replace a file the user may not
    write (read-only, or another user's) and hand it to the user: such a file is
    refused (PermissionError) and stays as it was.
    """
    import errno
    import tempfile

    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    st = os.stat(path)
    mode = st.st_mode & 0o7777
    euid = os.geteuid() if hasattr(os, "geteuid") else None
    if euid is not None and euid != 0:
        if st.st_uid != euid:
            raise PermissionError(errno.EPERM, "the file belongs to another user", path)
        if not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, "the file is read-only", path)
    fd, tmp = tempfile.mkstemp(
        dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".pinlint"
    )
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(text.encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        if euid is not None:
            tmp_st = os.stat(tmp)
            if (tmp_st.st_uid, tmp_st.st_gid) != (st.st_uid, st.st_gid):
                try:
                    # root keeps the owner; a user keeps a group they belong to.
                    os.chown(tmp, st.st_uid if euid == 0 else -1, st.st_gid)
                except OSError:
                    raise PermissionError(
                        errno.EPERM, "its group could not be kept", path
                    ) from None
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _lines(text: str) -> list[str]:
    """``text`` cut after each LF, the only line end ``patch`` and ``git apply`` know.

    Not ``str.splitlines``: it also cuts at CR, form feed, NEL, U+2028 and more, which a
    comment may hold; such a diff has hunks whose line counts do not add up.
    """
    parts = text.split("\n")
    lines = [part + "\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def unified_diff(path: str, before: str, after: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        _lines(before), _lines(after), fromfile=f"a/{path}", tofile=f"b/{path}"
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _note(finding: Finding, why: str) -> Finding:
    return finding.replace(message=f"{finding.message}; not rewritten: {why}")


def _images(occurrences: Sequence[Occurrence]) -> Counter[tuple[str, str | None]]:
    return Counter((o.context, o.image) for o in occurrences)


class _FileResult(Record):
    __slots__ = ("diff", "fixed", "left")
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, left: list[Finding], fixed: list[Finding], diff: str | None) -> None:
        self.left = left  # findings not fixed, with the reason when there is one
        self.fixed = fixed  # findings whose edit is in the diff (and written, unless --diff)
        self.diff = diff  # None when nothing changes


def _why_not_fixable(occ: Occurrence) -> str:
    if "$" in occ.written:
        return "the reference is built from variables and other text"
    # A line continuation or an escape inside the reference, or a value given on the
    # command line in place of the one written.
    return f"its text in the file ({occ.written!r}) is not the reference itself"


def _display_name(path: str) -> str:
    """The name to print and diff: a symlink's target, which is the file that changes
    (``git apply`` would patch the link itself)."""
    if not os.path.islink(path):
        return path
    real = os.path.realpath(path)
    return real if os.path.isabs(path) else os.path.relpath(real)


def _diff_name(name: str) -> str:
    """``name`` as a diff names it: relative to the working directory when it is below
    it, since neither ``git apply`` nor ``patch -p1`` takes ``a//abs/path``."""
    if os.path.isabs(name):
        try:
            rel = os.path.relpath(name)
        except ValueError:  # another drive
            return name
        if not rel.startswith(os.pardir + os.sep) and rel != os.pardir:
            return rel
    return name


def _fix_file(
    path: str,
    kind: str | None,
    findings: list[Finding],
    options: ScanOptions,
    project: Project,
    diff: bool,
) -> _FileResult:
    """Fix one file: its findings left and fixed, and the diff."""
    left: list[Finding] = []
    edits: dict[tuple[int, int], Edit] = {}
    fixed: list[Finding] = []
    # What each edited reference must read after the rewrite, by its span in the file.
    expected_images: dict[tuple[int, int], str] = {}
    for f in findings:
        occ = f.occurrence
        if occ is None or f.suggestion is None or not rules.RULES[f.rule].fixable:
            left.append(f)
            continue
        if not occ.fixable:
            left.append(_note(f, _why_not_fixable(occ)))
            continue
        planned = _planned(occ, f.suggestion)
        if isinstance(planned, str):
            left.append(_note(f, planned))
            continue
        wanted, image = planned
        if any((e.start, e.end) in edits and edits[e.start, e.end].text != e.text for e in wanted):
            left.append(_note(f, "two suggestions disagree for the same text"))
            continue
        for e in wanted:
            edits[e.start, e.end] = e
        expected_images[occ.start, occ.end] = image
        fixed.append(f)

    def refused(why: str) -> _FileResult:
        return _FileResult(left + [_note(f, why) for f in fixed], [], None)

    if not edits:
        return _FileResult(left, [], None)
    if not _inside(path, project.roots):
        return refused("a symlink to outside the scanned tree")

    if kind is None:  # not a file the lint pass read
        return refused("no source reads this file")
    try:
        # Read again on purpose: a file changed since the lint pass is not written.
        before = lint.read_text(path)
        old = formats.scan(kind, path, before, options, project)
    except (OSError, ParseError):
        return refused("the file changed while pinlint ran")
    for f in fixed:
        occ = f.occurrence
        assert occ is not None
        if before[occ.start : occ.end] != occ.written:
            return refused("the file changed while pinlint ran")

    try:
        after = apply_edits(before, list(edits.values()))
    except ValueError:
        return refused("two references to rewrite overlap")
    if after == before:
        return _FileResult(left, fixed, None)
    # Re-scan the result: it must parse, and the only references that differ must be the
    # ones edited, now spelled as suggested.
    expected = Counter((o.context, expected_images.get((o.start, o.end), o.image)) for o in old)
    try:
        new = formats.scan(kind, path, after, options, project)
    except ParseError:
        return refused("the rewritten file would not parse")
    if _images(new) != expected:
        if _images(new) == _images(old):
            # The text edited does not decide the reference (a --build-arg does).
            return refused("rewriting its text would not change the reference")
        return refused("the rewrite would change other references too")

    name = _display_name(path)
    if not diff:
        try:
            write_atomic(path, after)
        except OSError as e:
            print(printable(f"pinlint: {name}: cannot write: {e.strerror}"), file=sys.stderr)
            return refused(f"cannot write: {e.strerror}")
        print(printable(f"Rewriting {name}"), file=sys.stderr)
    return _FileResult(left, fixed, unified_diff(_diff_name(name), before, after))


def _planned(occ: Occurrence, suggestion: str) -> tuple[list[Edit], str] | str:
    """The edits that spell ``suggestion`` where ``occ`` is written, and the reference
    the file then names; or why there are none.

    A reference written whole is replaced whole.  One written in parts (``occ.split``)
    gets its tag rewritten and the digest written where the split says (or after the
    tag): the fixer splices spans and knows nothing of the format that asked for them.
    """
    split = occ.split
    if split is None:
        return [Edit(occ.start, occ.end, suggestion)], suggestion
    at = suggestion.find("@")
    head, digest = (suggestion, None) if at == -1 else (suggestion[:at], suggestion[at + 1 :])
    colon = head.rfind(":")
    name, tag = (head[:colon], head[colon + 1 :]) if colon > head.rfind("/") else (head, None)
    if name != split.name:
        return f"the suggestion {suggestion} names another repository than {split.name}"
    if tag is None:  # --pin-style digest: the tag written stays
        old = occ.image or ""
        old_at = old.find("@")
        old_head = old if old_at == -1 else old[:old_at]
        tag = old_head[len(split.name) + 1 :] if len(old_head) > len(split.name) else ""
    if not tag:
        return "the reference has no tag to keep next to the digest"
    written = tag
    if split.suffix:
        if not tag.endswith(split.suffix) or len(tag) == len(split.suffix):
            return (
                f'the suggested tag "{tag}" does not end with "{split.suffix}", '
                "which is appended to the tag"
            )
        written = tag[: -len(split.suffix)]
        if split.digest is None:
            # The suffix follows the tag field: a digest written there would come before
            # it.  The exact tag is what can be pinned.
            digest = None
    image = f"{split.name}:{tag}" + (f"@{digest}" if digest else "")
    spelled = split.tag_text.replace("{tag}", written)
    if digest is None:
        return [Edit(occ.start, occ.end, spelled)], image
    if split.digest is None:
        return [Edit(occ.start, occ.end, split.tag_text.replace("{tag}", f"{tag}@{digest}"))], image
    hex_part = digest.split(":", 1)[-1]
    text = split.digest_text.replace("{digest}", digest).replace("{hex}", hex_part)
    start, end = split.digest
    wanted = [Edit(start, end, text)]
    if occ.written != written:
        wanted.append(Edit(occ.start, occ.end, spelled))
    return wanted, image


def _key(f: Finding) -> tuple[str, int, int, str | None] | None:
    occ = f.occurrence
    return None if occ is None else (f.rule, occ.start, occ.end, f.suggestion)


def fix_findings(
    findings: Sequence[Finding],
    cfg: Config,
    *,
    diff: bool,
    roots: Sequence[str],
    kinds: Mapping[str, str] | None = None,
    options: ScanOptions | None = None,
    options_for: Callable[[str], ScanOptions | None] | None = None,
) -> Outcome:
    """Rewrite what can be rewritten.  ``kinds`` (path -> kind) and ``options`` come
    from the lint pass (``LintResult.kinds()``, its settings); without them they are
    worked out again from the paths and ``cfg``.  ``options_for`` gives a file's own
    options (the build args of its own config), where it has them: the fixer re-scans
    each file as the lint pass scanned it."""
    if options is None:
        options = ScanOptions(build_args=dict(cfg.build_args))
    project = Project(roots)
    by_path: dict[str, list[Finding]] = {}
    for f in findings:
        by_path.setdefault(f.path, []).append(f)
    # A file scanned under two names (a symlink to a file in the tree, and the file) is
    # fixed once, through the file's own name: through both, the second pass would find
    # the file changed, and --diff would print the same change twice.
    names: dict[str, list[str]] = {}
    for path in sorted(by_path):
        names.setdefault(os.path.realpath(path), []).append(path)
    remaining: list[Finding] = []
    diffs: list[str] = []
    fixed_count = files_changed = 0
    for paths in names.values():
        paths.sort(key=os.path.islink)  # stable: the first name that is not a link
        path = paths[0]
        kind = kinds.get(path) if kinds is not None else None
        if kind is None:
            kind = formats.classify(path, project)
        own = options_for(path) if options_for is not None else None
        result = _fix_file(path, kind, by_path[path], own or options, project, diff)
        remaining.extend(result.left)
        if result.diff:
            diffs.append(result.diff)
            fixed_count += len(result.fixed)
            files_changed += 1
        fixed = {_key(f) for f in result.fixed}
        notes = {_key(f): f.message for f in result.left}
        for alias in paths[1:]:
            for f in by_path[alias]:
                key = _key(f)
                if key is not None and key in fixed:
                    continue
                if key is not None and key in notes:
                    f = f.replace(message=notes[key])
                remaining.append(f)
    return Outcome(
        remaining=remaining,
        changed=bool(diffs),
        diff="".join(diffs),
        fixed=fixed_count,
        files=files_changed,
    )
