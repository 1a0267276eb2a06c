"""References put together from parts: a template with placeholders and its values.

Tekton writes ``image: $(params.builder)`` or ``golang:$(params.version)`` and declares
the value as a param ``default`` elsewhere; Argo writes ``{{inputs.parameters.image}}``;
Helm values and Kustomize entries write the repository in one field and the tag in
another.  The Kubernetes-ecosystem sources describe such a reference as a list of
:class:`Piece` (literal text, or the text of a scalar somewhere in the document) and
:func:`compose` turns it into one :class:`~pinlint.model.Occurrence` placed where it must
be changed:

- one scalar that supplies the whole reference: the occurrence is that scalar (the
  fixer rewrites it like any other);
- one scalar that supplies exactly the tag: the occurrence is the tag, with a
  :class:`~pinlint.model.Split` saying what the rest is (fixable: the tag is rewritten
  and the digest written after it, or where the source says);
- anything else (a value feeding part of a tag): reported at the last scalar, not
  rewritten;
- a placeholder without a value: an occurrence with ``image=None`` (PIN006, a warning,
  never an invalid reference).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from pinlint.formats.yamltree import locate, occurrence
from pinlint.model import Occurrence, ParseError, Split

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

__all__ = ["Piece", "compose", "event_at", "literal", "name_end", "value_offsets", "whole"]


class Piece(NamedTuple):
    """Literal text (``node`` is None) or the value of a scalar of the document."""

    text: str
    node: ScalarEvent | None = None


def literal(text: str) -> Piece:
    return Piece(text, None)


# How much a value with placeholders may expand to.  Each placeholder may stand for a
# value with more placeholders: twenty in each of six chained parameters are 20**6
# pieces if every use is expanded on its own.  A reference is a few hundred characters.
MAX_PIECES = 4096
MAX_CHARS = 64 * 1024


class TooLong(ParseError):
    """A value whose placeholders expand past the limits: an error of the file, even in
    a file with ``{{`` (which the YAML sources otherwise take for a Go template)."""


def check_size(pieces: list[Piece], node: ScalarEvent) -> None:
    """ParseError ("value too long", at ``node``) once ``pieces`` pass the limits."""
    if len(pieces) > MAX_PIECES or sum(len(p.text) for p in pieces) > MAX_CHARS:
        mark = node.start_mark
        raise TooLong(
            f"value too long after substituting placeholders (more than {MAX_CHARS}"
            f" characters or {MAX_PIECES} parts)",
            mark.line + 1 if mark is not None else 1,
            mark.column + 1 if mark is not None else 1,
        )


def name_end(image: str) -> int:
    """Where the repository part of ``image`` ends: at its tag's ``:`` or its ``@``."""
    at = image.find("@")
    head = image if at == -1 else image[:at]
    colon = head.rfind(":")
    if colon > head.rfind("/"):
        return colon
    return len(head)


def whole(
    path: str, text: str, bom: int, node: ScalarEvent, context: str, use_line: int | None = None
) -> Occurrence:
    """The occurrence of a scalar that is a reference by itself."""
    span = locate(text, bom, node)
    return Occurrence(
        path=path,
        start=span.start,
        end=span.end,
        line=span.line,
        column=span.column,
        written=text[span.start : span.end],
        image=node.value,
        context=context,
        use_line=use_line if use_line != span.line else None,
    )


def compose(
    path: str,
    text: str,
    bom: int,
    pieces: list[Piece],
    context: str,
    *,
    anchor: ScalarEvent,
    unresolved: str | None = None,
    digest: tuple[int, int] | None = None,
    digest_text: str = "{digest}",
) -> Occurrence:
    """One occurrence for the reference ``pieces`` spell.

    ``anchor`` is the scalar that uses the reference (the step's ``image``); with
    ``unresolved`` (a placeholder without a value) the occurrence is that scalar, with
    no image.  ``digest``/``digest_text``: where a digest goes, for a split reference.
    """
    anchor_span = locate(text, bom, anchor)
    if unresolved is not None:
        return Occurrence(
            path=path,
            start=anchor_span.start,
            end=anchor_span.end,
            line=anchor_span.line,
            column=anchor_span.column,
            written=text[anchor_span.start : anchor_span.end],
            image=None,
            context=context,
            unresolved=unresolved,
        )
    image = "".join(p.text for p in pieces)
    use_line = anchor_span.line
    scalars = [p for p in pieces if p.node is not None]
    if len(pieces) == 1 and scalars:
        node = scalars[0].node
        assert node is not None
        if locate(text, bom, node).verbatim:
            return whole(path, text, bom, node, context, use_line)
    # The piece that is exactly the tag, if any.
    end = name_end(image)
    offset = 0
    tag_piece: Piece | None = None
    for piece in pieces:
        if (
            piece.node is not None
            and offset == end + 1
            and image[end : end + 1] == ":"
            and offset + len(piece.text) == len(image)
        ):
            tag_piece = piece
        offset += len(piece.text)
    if tag_piece is not None and tag_piece.node is not None:
        span = locate(text, bom, tag_piece.node)
        if span.verbatim:
            return Occurrence(
                path=path,
                start=span.start,
                end=span.end,
                line=span.line,
                column=span.column,
                written=text[span.start : span.end],
                image=image,
                context=context,
                use_line=use_line if use_line != span.line else None,
                split=Split(image[:end], digest, digest_text),
            )
    # Not rewritable: report at the last value that feeds the reference.
    node = scalars[-1].node if scalars else anchor
    assert node is not None
    return occurrence(path, text, bom, node, context, image=image, use_line=use_line)


def value_offsets(text: str, bom: int, node: ScalarEvent) -> list[int] | None:
    """For each character of a scalar's value, its offset in ``text``; None when the
    value is not written line for line (escapes, folding).

    A ``|`` block holds its lines one indentation further in; a quoted or plain scalar
    on one line is its own text.
    """
    span = locate(text, bom, node)
    value = node.value
    if span.verbatim:
        return list(range(span.start, span.start + len(value)))
    if node.style != "|":
        return None
    line_start = text.rfind("\n", 0, span.start) + 1
    indent = span.start - line_start
    offsets: list[int] = []
    pos = line_start
    for index, line in enumerate(value.split("\n")):
        if index:
            newline = text.find("\n", pos)
            if newline == -1:
                return None
            pos = newline + 1
        if line and text[pos + indent : pos + indent + len(line)] != line:
            return None
        offsets.extend(range(pos + indent, pos + indent + len(line)))
        offsets.append(pos + indent + len(line))  # the line break
    return offsets[: len(value)]


def event_at(text: str, bom: int, offsets: list[int], start: int, end: int) -> ScalarEvent | None:
    """A double-quoted scalar for ``value[start:end]`` (quotes included) of a scalar whose
    characters lie at ``offsets``: a JSON string inside a YAML value, located like any
    other scalar so that a finding points at it and a fix can rewrite it."""
    from yaml.error import Mark
    from yaml.events import ScalarEvent

    if end > len(offsets) or start >= end:
        return None
    first, last = offsets[start], offsets[end - 1] + 1
    if last - first != end - start:  # spans a line break
        return None
    content = text[first + 1 : last - 1]
    if "\\" in content:
        return None

    def mark(offset: int) -> Mark:
        line = text.count("\n", 0, offset)
        column = offset - (text.rfind("\n", 0, offset) + 1) - (bom if line == 0 else 0)
        return Mark("", offset - bom, line, column, None, 0)

    return ScalarEvent(None, None, (True, False), content, mark(first), mark(last), style='"')
