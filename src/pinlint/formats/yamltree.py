"""The YAML tree every YAML-based source reads: documents, spans, merge keys, anchors.

A light tree of each document, built from libyaml's event stream rather
than PyYAML's composer: mappings become dicts the rules look keys up in, no tag is
resolved, and it is a little faster than ``yaml.compose_all`` (with libyaml, on a
generated tree of compose files and manifests: events alone 14.7 MB/s, this tree
9.5 MB/s, ``compose_all`` 8.9 MB/s, ``load_all`` 4.3 MB/s; a whole YAML scan 6.5 MB/s).

The tree is made of plain ``dict`` (mappings with string keys), ``list`` (sequences)
and the parser's own ``ScalarEvent`` objects (scalars, which carry their value, style
and marks).  An alias is the very object its anchor names, so the tree is a graph in
which each node exists once: walkers that keep a set of visited nodes see every node
once, never expand aliases (a "billion laughs" document costs its size, not its
expansion) and report an anchored reference once, where it is written.  A merge key
``<<`` stays an ordinary key whose value is the merged mapping (or a list of them); see
``merged``.

Marks of libyaml are character offsets, so spans are exact in the decoded text.  A BOM
is stripped before parsing and added back to every offset (it is character 0 of the
text); columns do not count it, as editors do not show it.

This module imports no source: the sources (``compose``, ``kubernetes``, ...) import it,
and :mod:`pinlint.formats.yamlfile` hands them the documents of a YAML file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from typing import TypeAlias

    from yaml.events import (
        AliasEvent,
        DocumentEndEvent,
        Event,
        MappingEndEvent,
        MappingStartEvent,
        ScalarEvent,
        SequenceEndEvent,
        SequenceStartEvent,
    )

    from pinlint.formats import Project, ScanOptions

    class _EventSource(Protocol):
        def get_event(self) -> Event | None: ...

    Node: TypeAlias = dict[str, "Node"] | list["Node"] | ScalarEvent

__all__ = [
    "MAX_DEPTH",
    "Document",
    "Span",
    "is_null",
    "iter_documents",
    "locate",
    "mappings",
    "merged",
    "occurrence",
    "position",
    "scalar_text",
    "scheme_occurrence",
]

# libyaml 0.2.6 stops at 1000 levels of block or flow nesting; other builds have no
# limit.  Nothing here recurses, so this only keeps every build's answer the same.
MAX_DEPTH = 1000

# YAML 1.1 line breaks, as libyaml counts lines.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))


class _Same:
    """The default ``image`` of :func:`occurrence`: the scalar's own value."""

    __slots__ = ()


SAME = _Same()


class Document:
    """One YAML document as a source sees it: the root and what locates its scalars.

    ``bom`` is 1 when the text starts with a BOM (offsets of the parser do not count it);
    ``project`` answers questions about other files of the scanned tree.
    """

    __slots__ = ("bom", "options", "path", "project", "root", "text")

    def __init__(
        self,
        path: str,
        text: str,
        bom: int,
        root: dict[str, Node],
        options: ScanOptions,
        project: Project,
    ) -> None:
        self.path = path
        self.text = text
        self.bom = bom
        self.root = root
        self.options = options
        self.project = project

    def occurrence(
        self,
        node: ScalarEvent,
        context: str,
        *,
        image: str | _Same | None = SAME,
        unresolved: str | None = None,
    ) -> Occurrence:
        """The occurrence at a scalar of this document: by default one that is a reference
        by itself; ``image``/``unresolved`` when the scalar computes it (variables)."""
        return occurrence(
            self.path, self.text, self.bom, node, context, image=image, unresolved=unresolved
        )

    def locate(self, node: ScalarEvent) -> Span:
        return locate(self.text, self.bom, node)


def cuttable(text: str) -> bool:
    """Whether ``text`` can be cut where its documents start into parts that parse as they
    do in the whole: no directives, no line breaks other than ``\\n``, no BOM."""
    if text.startswith(("\ufeff", "%")) or "\n%" in text:
        return False
    return not any(c in text for c in ("\r", "\x85", "\u2028", "\u2029"))


def next_document_start(text: str, pos: int) -> int:
    """The first offset from ``pos`` on where a line starts a document, or -1: where
    ``^---(?=[ \\t\\n]|\\Z)`` matches in MULTILINE mode (str.find is ~10x faster than the
    regex over megabytes)."""
    if pos == 0 and text.startswith("---") and (len(text) == 3 or text[3] in " \t\n"):
        return 0
    nl = text.find("\n---", max(pos - 1, 0))
    while nl >= 0:
        after = nl + 4
        if after == len(text) or text[after] in " \t\n":
            return nl + 1
        nl = text.find("\n---", after)
    return -1


def document_starts(text: str) -> list[int] | None:
    """Offsets of the lines that start a document (``---``), where a file can be cut
    into parts that parse as they do in the whole; None when it is not :func:`cuttable`."""
    if not cuttable(text):
        return None
    starts: list[int] = []
    at = next_document_start(text, 0)
    while at >= 0:
        starts.append(at)
        at = next_document_start(text, at + 3)
    return starts


def blank_documents(text: str, words: Sequence[str]) -> str:
    """``text`` with every document that holds none of ``words`` made blank, spaces and
    line breaks of the same length: it parses to an empty document, cheaply, and every
    other document keeps its offsets, lines and columns.  ``text`` itself when no
    document can be blanked or the file is not plain enough to cut
    (:func:`document_starts`)."""
    starts = document_starts(text)
    if not starts:
        return text
    bounds = [(0, starts[0], 0)] if starts[0] else []  # text before the first ``---``
    bounds += [(a, b, 3) for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    pieces: list[str] = []
    last = 0
    for a, b, marker in bounds:
        if any(text.find(w, a, b) >= 0 for w in words):
            continue
        body = a + marker  # the ``---`` stays: the document is still there, empty
        lines = text.count("\n", body, b)
        pieces += (text[last:body], " " * (b - body - lines), "\n" * lines)
        last = b
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


# -- the light tree ------------------------------------------------------------------

_KEY = object()  # the mapping on top of the stack expects a key
_SKIP = object()  # its key is not a scalar: drop the value


def iter_documents(text: str) -> Iterator[Node | None]:
    """Yield the root of each document of ``text`` (an empty one is a null scalar).

    One document is held at a time, so a large multi-document file needs the memory of
    its largest document.  Raises ``ParseError`` for text that is not YAML.
    """
    import yaml

    types = _events()
    scalar_event, alias_event, document_end = types.scalar, types.alias, types.document_end
    mapping_start, sequence_start = types.mapping_start, types.sequence_start
    mapping_end, sequence_end = types.mapping_end, types.sequence_end
    source = text[1:] if text.startswith("\ufeff") else text
    c_parser = True
    # The container being filled (None between documents) and, for a mapping, the key
    # waiting for its value; the enclosing ones are saved on ``stack``.  Kept in locals
    # because this loop is most of the time spent on a file; events are told apart by
    # their exact type (the parser makes no subclasses), cheaper than isinstance.
    current: dict[str, Node] | list[Node] | None = None
    key: object = _KEY
    stack: list[tuple[dict[str, Node] | list[Node] | None, object]] = []
    anchors: dict[str, Node] = {}
    root: Node | None = None
    node: Node
    try:
        parser = _parser(source)
        c_parser = type(parser).__name__ == "CParser"
        # Any: mypy cannot narrow on ``type(event) is <variable>``.
        get_event: Callable[[], Any] = parser.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:  # about half of all events
                if event.anchor is not None:
                    anchors[event.anchor] = event
                if type(current) is dict:
                    if key is _KEY:
                        key = event.value
                    else:
                        if type(key) is str:
                            current[key] = event
                        key = _KEY
                elif current is not None:
                    current.append(event)  # type: ignore[union-attr]
                else:
                    root = event
                continue
            if kind is mapping_start or kind is sequence_start:
                container: dict[str, Node] | list[Node] = {} if kind is mapping_start else []
                if event.anchor is not None:
                    anchors[event.anchor] = container
                stack.append((current, key))
                if len(stack) > MAX_DEPTH:
                    raise _error("nesting too deep", event.start_mark)
                current, key = container, _KEY
                continue
            if (kind is mapping_end or kind is sequence_end) and current is not None:
                node = current
                current, key = stack.pop()
            elif kind is alias_event:
                target = anchors.get(event.anchor or "")
                if target is None:
                    raise _error(f"found undefined alias {event.anchor!r}", event.start_mark)
                node = target
            elif kind is document_end:
                yield root
                root = None
                anchors = {}  # anchors are local to their document
                continue
            elif event is None:
                return
            else:  # stream and document start, stream end
                continue
            # A finished container or an alias: the key or the value in ``current``.
            if type(current) is dict:
                if key is _KEY:
                    key = node.value if type(node) is scalar_event else _SKIP
                else:
                    if type(key) is str:
                        current[key] = node
                    key = _KEY
            elif current is not None:
                current.append(node)  # type: ignore[union-attr]
            else:
                root = node
    except yaml.MarkedYAMLError as e:
        error = _error(e.problem or "cannot be parsed", e.problem_mark, e.context)
        lines = source.splitlines()
        if lines and error.line > len(lines):
            # The end of the stream, after the last newline: the parser's mark is on a
            # line the file does not have; the problem is at the end of the last line.
            error = ParseError(error.message, len(lines), len(lines[-1]) + 1)
        raise error from None
    except UnicodeEncodeError as e:
        # A lone surrogate (text decoded with "surrogateescape"): libyaml reads UTF-8.
        line = source.count("\n", 0, e.start) + 1
        column = e.start - source.rfind("\n", 0, e.start)
        raise ParseError("invalid YAML: not valid Unicode", line, column) from None
    except yaml.YAMLError as e:
        # ``ReaderError``: a character YAML does not allow (NUL, other controls).
        offset = getattr(e, "position", 0) or 0
        if c_parser and not source.isascii():
            # libyaml counts this one in bytes of the UTF-8 it was given.
            offset = len(source.encode()[:offset].decode(errors="ignore"))
        line = source.count("\n", 0, offset) + 1
        column = offset - source.rfind("\n", 0, offset)
        reason = str(e).splitlines()[0] if str(e) else "unreadable text"
        raise ParseError(f"invalid YAML: {reason}", line, column) from None


class _EventTypes(NamedTuple):
    scalar: type[ScalarEvent]
    mapping_start: type[MappingStartEvent]
    sequence_start: type[SequenceStartEvent]
    mapping_end: type[MappingEndEvent]
    sequence_end: type[SequenceEndEvent]
    alias: type[AliasEvent]
    document_end: type[DocumentEndEvent]


_EVENT_TYPES: _EventTypes | None = None


def _events() -> _EventTypes:
    """The event classes, imported on first use: PyYAML costs ~20 ms to import."""
    global _EVENT_TYPES
    if _EVENT_TYPES is None:
        from yaml import events

        _EVENT_TYPES = _EventTypes(
            events.ScalarEvent,
            events.MappingStartEvent,
            events.SequenceStartEvent,
            events.MappingEndEvent,
            events.SequenceEndEvent,
            events.AliasEvent,
            events.DocumentEndEvent,
        )
    return _EVENT_TYPES


def _parser(source: str) -> _EventSource:
    try:
        from yaml._yaml import CParser
    except ImportError:  # PyYAML built without libyaml: the same events, 20x slower
        from yaml import SafeLoader

        return SafeLoader(source)
    return CParser(source)


def _error(problem: str, mark: object, context: str | None = None) -> ParseError:
    """A one-line ``ParseError`` at a 0-based mark of the parser."""
    if "nesting depth" in problem:  # libyaml's own limit
        problem, context = "nesting too deep", None
    message = f"invalid YAML: {problem}" + (f" {context}" if context else "")
    return ParseError(message, getattr(mark, "line", 0) + 1, getattr(mark, "column", 0) + 1)


def merged(mapping: dict[str, Node]) -> dict[str, Node]:
    """``mapping`` with its merge keys (``<<: *base``, ``<<: [*a, *b]``) applied.

    Keys written in the mapping win over merged ones, and earlier merged mappings over
    later ones, as YAML's merge key type says.  Each merged mapping is read once, so a
    merge cycle ends.
    """
    if "<<" not in mapping:
        return mapping
    # Mappings from the highest precedence down: the mapping, then each merged mapping
    # followed by what it merges itself (depth first, in the order written).
    order: list[dict[str, Node]] = []
    seen: set[int] = {id(mapping)}
    pending: list[dict[str, Node]] = [mapping]
    while pending:
        current = pending.pop()
        order.append(current)
        sources = current.get("<<")
        if isinstance(sources, dict):
            sources = [sources]
        if isinstance(sources, list):
            for source in reversed(sources):
                if isinstance(source, dict) and id(source) not in seen:
                    seen.add(id(source))
                    pending.append(source)
    result: dict[str, Node] = {}
    for source in reversed(order):  # higher precedence last, so it overwrites
        result.update(source)
    result.pop("<<", None)
    return result


# -- scalars -------------------------------------------------------------------------


def mappings(node: Node | None) -> Iterator[dict[str, Node]]:
    """The mappings of a sequence, merge keys applied (``- name: x`` entries); nothing
    for a node that is not a sequence, and other items are passed over."""
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                yield merged(item)


def is_null(node: Node | None) -> bool:
    """Whether ``node`` is absent or a YAML null (``key:``, ``~``, ``null``)."""
    if node is None:
        return True
    if isinstance(node, (dict, list)):
        return False
    if node.tag == "tag:yaml.org,2002:null":
        return True
    return not node.style and node.tag is None and node.value in _NULLS


def scalar_text(node: Node | None) -> str | None:
    """The value of a non-null scalar, else ``None``."""
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node.value


class Span(NamedTuple):
    """Where a scalar's text is written: ``text[start:end]``, at ``line``:``column``."""

    start: int
    end: int
    line: int
    column: int
    # ``text[start:end] == value``: the value is written verbatim, so an offset in the
    # value is the same offset in the text.
    verbatim: bool


def locate(text: str, bom: int, node: ScalarEvent) -> Span:
    """The written text of a scalar: the scalar itself, inside its quotes if quoted.

    For a block scalar it is the content after the header line; a value that is not
    written verbatim (escapes, folding, a multi-line plain scalar, a block scalar's
    final line break) keeps a span over what is written, with ``verbatim`` false.
    """
    start_mark, end_mark = node.start_mark, node.end_mark
    # Events from the parser always have marks.
    assert start_mark is not None
    assert end_mark is not None
    mark = start_mark.index + bom
    start = mark
    end = end_mark.index + bom
    if node.anchor is not None or node.tag is not None:
        start = _skip_properties(text, start, end)
    style = node.style
    if style == '"' or style == "'":
        start, end = start + 1, end - 1
    elif style:  # "|" or ">": the content starts on the line after the header
        header_end = _LINE_BREAK.search(text, start, end)
        start = header_end.end() if header_end else end
        while start < end and text[start] in " \t\r\n":
            start += 1
        while end > start and text[end - 1] in " \t\r\n":
            end -= 1
    if start - mark <= 1 and not (style and style in "|>"):
        # The usual case: the scalar, or its opening quote, is at the mark.
        line, column = start_mark.line + 1, start_mark.column + 1 + start - mark
    else:
        line, column = position(text, mark, start_mark.line, start_mark.column, start)
    return Span(start, end, line, column, text[start:end] == node.value)


def _skip_properties(text: str, start: int, end: int) -> int:
    """Offset of a scalar's content after its anchor and tag (``&a !!str "x"``)."""
    pos = start
    while pos < end and text[pos] in "&!":
        if text.startswith("!<", pos):
            close = text.find(">", pos, end)
            pos = close + 1 if close >= 0 else end
        else:
            while pos < end and text[pos] not in " \t\r\n,[]{}":
                pos += 1
        # Separation: white space, line breaks and comments.
        while pos < end:
            char = text[pos]
            if char in " \t\r\n":
                pos += 1
            elif char == "#":
                newline = _LINE_BREAK.search(text, pos, end)
                pos = newline.end() if newline else end
            else:
                break
    return pos


def position(text: str, ref: int, ref_line: int, ref_column: int, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``, given a 0-based mark at ``ref <= offset``."""
    breaks = list(_LINE_BREAK.finditer(text, ref, offset))
    if not breaks:
        return ref_line + 1, ref_column + (offset - ref) + 1
    return ref_line + len(breaks) + 1, offset - breaks[-1].end() + 1


def occurrence(
    path: str,
    text: str,
    bom: int,
    node: ScalarEvent,
    context: str,
    *,
    image: str | _Same | None = SAME,
    unresolved: str | None = None,
    use_line: int | None = None,
) -> Occurrence:
    """The occurrence spanning a scalar: the reference it is by itself (no interpolation),
    or the ``image`` it computes (``None`` with ``unresolved`` naming what is missing);
    ``use_line`` where the reference is used, when that is another line."""
    span = locate(text, bom, node)
    return Occurrence(
        path=path,
        start=span.start,
        end=span.end,
        line=span.line,
        column=span.column,
        written=text[span.start : span.end],
        image=node.value if isinstance(image, _Same) else image,
        context=context,
        use_line=use_line if use_line != span.line else None,
        unresolved=unresolved,
    )


def scheme_occurrence(
    doc: Document, node: ScalarEvent, context: str, scheme: str
) -> list[Occurrence]:
    """The reference after ``scheme`` in a scalar (``docker://x``, ``docker-image://x``).

    The span is what follows the scheme, so a fix keeps the scheme; nothing when the
    value has no such reference or builds it from variables or expressions.
    """
    value = node.value
    offset = value.find(scheme)
    if offset < 0 or "$" in value:
        return []
    image = value[offset + len(scheme) :]
    if not image:
        return []
    text = doc.text
    span = doc.locate(node)
    if not span.verbatim:
        start, end, line, column = span.start, span.end, span.line, span.column
    else:
        start, end = span.start + offset + len(scheme), span.end
        line, column = position(text, span.start, span.line - 1, span.column - 1, start)
    return [
        Occurrence(
            path=doc.path,
            start=start,
            end=end,
            line=line,
            column=column,
            written=text[start:end],
            image=image,
            context=context,
        )
    ]
