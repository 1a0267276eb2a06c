"""Drone and Woodpecker pipelines: the ``image`` of each step, service and clone step.

``.drone.yml`` holds one pipeline per document (``kind: pipeline``; ``steps`` and
``services`` are lists of ``{name, image}``).  Woodpecker (``.woodpecker.yml``,
``.woodpecker/*.yml``) writes ``steps``, ``services`` and ``clone`` as lists or as
mappings from a name to the step, and its older files ``pipeline`` instead of ``steps``.
Plugins are steps too: their ``image`` is the plugin.

Images are often shared through anchors (``variables: [&golang 'golang:1.22']``, then
``image: *golang`` in every step): the reference is written once and reported once,
where it is written, so that a fix edits the anchor.  ``${VAR}`` is the server's
environment, unknown to a lint: such an image is unresolved unless the variable has a
default.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats import ci
from pinlint.formats.yamltree import merged

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Document, Node
    from pinlint.model import Occurrence

__all__ = ["scan_document", "sniff"]

_SECTIONS = ("steps", "pipeline", "services", "clone")


def sniff(root: dict[str, Node]) -> bool:
    """A Drone pipeline document in a file not named ``.drone.yml``."""
    from yaml.events import ScalarEvent

    kind = root.get("kind")
    return (
        isinstance(kind, ScalarEvent)
        and kind.value == "pipeline"
        and "apiVersion" not in root
        and isinstance(root.get("steps"), list)
    )


def scan_document(doc: Document) -> list[Occurrence]:
    root = merged(doc.root)
    found: list[Occurrence] = []
    seen: set[int] = set()
    for section in _SECTIONS:
        block = root.get(section)
        items: list[tuple[str, Node]]
        if isinstance(block, dict):
            items = [(f"{section}.{name}", step) for name, step in merged(block).items()]
        elif isinstance(block, list):
            items = [(f"{section}[{index}]", step) for index, step in enumerate(block)]
        else:
            continue
        for context, step in items:
            if not isinstance(step, dict):
                continue
            node = ci.image_node(merged(step).get("image"))
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            found.append(ci.reference(doc, node, context + ".image"))
    return found
