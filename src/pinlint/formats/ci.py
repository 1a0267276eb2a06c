"""What the CI sources share: image scalars, their variables, walking a document.

Cloud Build, Drone, Woodpecker, CircleCI, Bitbucket Pipelines and Azure Pipelines each
have a module of their own that knows where its images are; this one turns a scalar in
an image position into an :class:`~pinlint.model.Occurrence`:

- ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``$$`` are read as compose reads them
  (Cloud Build substitutions, the CI servers' environment): a variable the file gives no
  value leaves the image unknown (``unresolved``), a default that supplies the whole
  reference is what a fix rewrites;
- a value another placeholder syntax computes (``<< parameters.x >>`` is CircleCI's own,
  resolved in its module) passes through ``lookup``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pinlint.formats.compose import interpolate, too_long
from pinlint.formats.yamltree import is_null, merged, position
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["Lookup", "image_node", "no_value", "reference", "walk"]

Lookup = Callable[[str], "str | None"]


def no_value(name: str) -> str | None:
    """The lookup of a file that defines no variables: every one is unknown."""
    return None


def image_node(node: Node | None, key: str = "image") -> ScalarEvent | None:
    """The image scalar of ``image: NAME`` or ``image: {key: NAME, ...}``, else None."""
    from yaml.events import ScalarEvent

    if isinstance(node, dict):
        node = merged(node).get(key)
    if isinstance(node, ScalarEvent) and not is_null(node):
        return node
    return None


def reference(
    doc: Document,
    node: ScalarEvent,
    context: str,
    lookup: Lookup = no_value,
    skip: int = 0,
    value: str | None = None,
) -> Occurrence:
    """The occurrence of the image written in ``node`` (after ``skip`` characters).

    ``skip`` drops a prefix of the value that is not part of the reference
    (``docker://``); ``value``, when given, is read instead of the node's (the same
    length: a source's own variable syntax spelled as compose spells it).
    """
    text = doc.text
    span = doc.locate(node)
    start, end, line, column = span.start, span.end, span.line, span.column
    if value is None:
        value = node.value
    value = value[skip:]
    if skip:
        if not span.verbatim:
            # Escapes or folding: the prefix is not written as it reads; keep the span
            # over the whole scalar (not fixable, as ``written != image``).
            skip = 0
        start += skip
        line, column = position(text, span.start, span.line - 1, span.column - 1, start)
    image: str | None = value
    unresolved = None
    if "$" in value:
        result = interpolate(value, lookup)
        if result.too_long:
            raise too_long(context, line, column)
        image, unresolved = result.value, result.unresolved
        if result.default is not None and span.verbatim:
            # The default supplies the whole reference: point at it, so that a fix
            # rewrites the default and keeps the variable.
            base = start
            start, end = base + result.default[0], base + result.default[1]
            line, column = position(text, span.start, span.line - 1, span.column - 1, start)
    return Occurrence(
        path=doc.path,
        start=start,
        end=end,
        line=line,
        column=column,
        written=text[start:end],
        image=image,
        context=context,
        unresolved=unresolved,
    )


def walk(root: Node) -> Iterator[tuple[dict[str, Node], str]]:
    """Every mapping under ``root`` (merge keys applied) with its path, in document order.

    Each node is visited once however many aliases name it (the tree is a graph), with
    a stack instead of recursion: depth is the input's.
    """
    seen: set[int] = set()
    stack: list[tuple[Node, str]] = [(root, "")]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Node, str]] = []
        if isinstance(node, dict):
            keys = merged(node)
            yield keys, path
            prefix = path + "." if path else ""
            children = [(v, prefix + k) for k, v in keys.items() if isinstance(v, (dict, list))]
        elif isinstance(node, list):
            children = [
                (v, f"{path}[{i}]") for i, v in enumerate(node) if isinstance(v, (dict, list))
            ]
        stack.extend(reversed(children))
