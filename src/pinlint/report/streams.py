"""The output formats written as findings come, file by file (:func:`pinlint.report.stream`).

Each writer gives the bytes of its format's ``render`` over all the findings, without
holding them: ``add`` each file's findings, the files in the order of their paths (the
order text, JSON and GitHub annotations sort by, and the order SARIF lists), then
``close``.  Not imported on a run that names files only (the one-file pre-commit path):
a run of a directory streams (``pinlint.cli``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pinlint.model import Finding
from pinlint.report.escape import json_dumps, json_escape_unsafe

# Stands for the results in the SARIF log written around them (a string no result is).
_MARK = "pinlint-sarif-results"
# SARIF results written by one json.dumps call at most: one call per result costs more
# than the results themselves, one for all of them holds them all.
_BATCH = 256


class Text:
    """The text output written as it comes, file by file: :meth:`add` each file's
    findings, the files in the order of their paths, then :meth:`close`; the same bytes
    as ``render`` of all the findings (with no ``summary`` or ``notes``), without
    holding them."""

    def __init__(self, write: Callable[[str], object], *, color: bool, quiet: bool) -> None:
        # Each writer imports its own format only: a text run loads no JSON or SARIF.
        from pinlint.report import text

        self._text = text
        self._write = write
        self._color = color
        self._quiet = quiet
        self.findings = 0
        self.errors = 0
        self.files = 0
        # Each severity met (the exit status is decided on them).
        self.severities: set[str] = set()

    def add(self, findings: Sequence[Finding]) -> None:
        if not findings:
            return
        text = self._text
        ordered = sorted(findings, key=text._order)
        errors, files = text._counts(ordered)
        self.findings += len(ordered)
        self.errors += errors
        self.files += files
        if errors:
            self.severities.add("error")
        if errors < len(ordered):
            self.severities.add("warning")
        color = self._color
        self._write("".join([text._line(f, color) + "\n" for f in ordered]))

    def close(self, *, skipped: int = 0, read: int | None = None, unread: int = 0) -> None:
        if self._quiet:
            return
        text = self._text
        tail = text._tail(read, unread)
        lines = [text._count(self.findings, self.errors, self.files, tail)]
        if skipped:
            lines.append(text.skipped_note(skipped))
        self._write("".join(line + "\n" for line in lines))


class Json:
    """The JSON output written as it comes, file by file: :meth:`add` each file's
    findings, the files in the order of their paths, then :meth:`close`; the same bytes
    as ``render`` of all the findings, without holding them.  An object the template
    does not fit is written by ``json.dumps`` alone, as it lies in the array."""

    def __init__(self, write: Callable[[str], object]) -> None:
        from pinlint.report import json

        self._json = json
        self._write = write
        self._keys: tuple[str, ...] | None = None
        self._template = ""
        self.severities: set[str] = set()

    def add(self, findings: Sequence[Finding]) -> None:
        if not findings:
            return
        json = self._json
        ordered = sorted(findings, key=json._key)
        self.severities.update({f.severity.value for f in ordered})
        if self._keys is None:
            from json.encoder import encode_basestring

            keys = self._keys = tuple(ordered[0].as_dict())
            fields = [
                encode_basestring(k).replace("{", "{{").replace("}", "}}") + ": {}" for k in keys
            ]
            self._template = "  {{\n    " + ",\n    ".join(fields) + "\n  }}"
            head = "[\n"
        else:
            head = ",\n"
        keys, template, encode = self._keys, self._template, json._ENCODE
        objects = []
        for f in ordered:
            d = f.as_dict()
            try:
                if tuple(d) != keys:
                    raise json._Other
                objects.append(template.format(*[encode[type(v)](v) for v in d.values()]))
            except (json._Other, KeyError):
                # json.dumps of the object alone, indented as an element of the array.
                objects.append("  " + json_dumps(d).replace("\n", "\n  "))
        self._write(json_escape_unsafe(head + ",\n".join(objects)))

    def close(self, *, skipped: int = 0, read: int | None = None, unread: int = 0) -> None:
        """The end of the output (``skipped``, ``read`` and ``unread`` are the text's)."""
        self._write("[]\n" if self._keys is None else "\n]\n")


class Sarif:
    """The SARIF log written as it comes: :meth:`add` the findings of each file (in
    the order of ``render``'s ``findings``), then :meth:`close`; the same bytes as
    ``render`` of all of them, holding at most :data:`_BATCH` results."""

    def __init__(self, write: Callable[[str], object], *, root: str) -> None:
        import os

        from pinlint.report import sarif
        from pinlint.rules import RULES

        self._sarif = sarif
        self._write = write
        self._root = root = os.path.abspath(root)
        self._rule_index = {rule.id: i for i, rule in enumerate(RULES.values())}
        whole = json_dumps(sarif._log(root, [_MARK]))
        mark = whole.index(json_dumps(_MARK))
        start = whole.rindex("\n", 0, mark) + 1
        # The log up to its first result, the indent of a result, the rest of the log.
        self._head = whole[:start]
        self._indent = whole[start:mark]
        self._tail = whole[mark + len(json_dumps(_MARK)) :]
        self._batch: list[object] = []
        self._written = False
        self.severities: set[str] = set()

    def add(self, findings: Sequence[Finding]) -> None:
        root, rule_index, sarif = self._root, self._rule_index, self._sarif
        for f in findings:
            self.severities.add(f.severity.value)
            self._batch.append(sarif._result(f, root, rule_index))
        if len(self._batch) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        # json.dumps of a list of the results, its brackets cut off: each element's lines
        # are one level deep, and strings hold no line break.
        lines = json_dumps(self._batch).split("\n")[1:-1]
        self._batch = []
        indent = self._indent[:-2]
        text = "\n".join([indent + line for line in lines])
        self._write((",\n" if self._written else self._head) + text)
        self._written = True

    def close(self, *, skipped: int = 0, read: int | None = None, unread: int = 0) -> None:
        """The end of the output (``skipped``, ``read`` and ``unread`` are the text's)."""
        self._flush()
        if self._written:
            self._write(self._tail + "\n")
        else:
            self._write(json_dumps(self._sarif._log(self._root, [])) + "\n")


class Github:
    """The annotations written as they come, file by file: :meth:`add` each file's
    findings, the files in the order of their paths, then :meth:`close`; the same bytes
    as ``render`` of all the findings, without holding them."""

    def __init__(self, write: Callable[[str], object]) -> None:
        from pinlint.report import github

        self._render = github.render
        self._write = write
        self.severities: set[str] = set()

    def add(self, findings: Sequence[Finding]) -> None:
        if findings:
            self.severities.update(f.severity.value for f in findings)
            self._write(self._render(findings))

    def close(self, *, skipped: int = 0, read: int | None = None, unread: int = 0) -> None:
        """Nothing ends the annotations."""
