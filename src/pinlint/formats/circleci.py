"""CircleCI configs (``.circleci/config.yml``): the images of the Docker executor.

Every ``docker:`` list names the images a job runs in, the first the primary container
and the others its services: under ``jobs.<job>``, ``executors.<executor>``, and the
same places of inline ``orbs``.  ``machine`` and ``macos`` executors name VM images of
CircleCI's own (``ubuntu-2204:2024.01.1``), not container images, and are not read.

``<< parameters.x >>`` takes the default of the parameter ``x`` of the job or executor
that writes it, ``<< pipeline.parameters.x >>`` that of the top-level ``parameters``.
An image that is one such placeholder points at the default, where a fix pins it; one
built from a placeholder and other text (``cimg/python:<< parameters.tag >>``) is
reported at the image and not rewritten; a parameter without default is unresolved.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import ci
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document"]

_PLACEHOLDER = re.compile(r"<<\s*(pipeline\.)?parameters\.([A-Za-z0-9_-]+)\s*>>")
_NOT_CONTAINERS = frozenset(("machine", "macos", "windows"))


def scan_document(doc: Document) -> list[Occurrence]:
    root = merged(doc.root)
    pipeline = _defaults(root.get("parameters"))
    found: list[Occurrence] = []
    seen: set[int] = set()
    # (node, path, the parameters in scope); a stack, not recursion, and each node once.
    visited: set[int] = set()
    stack: list[tuple[Node, str, dict[str, ScalarEvent]]] = [(doc.root, "", {})]
    while stack:
        node, path, scope = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        children: list[tuple[Node, str, dict[str, ScalarEvent]]] = []
        if isinstance(node, dict):
            keys = merged(node)
            if "parameters" in keys and path:
                scope = {**scope, **_defaults(keys.get("parameters"))}
            prefix = path + "." if path else ""
            for key, value in keys.items():
                if key in _NOT_CONTAINERS or key == "parameters":
                    continue
                if key == "docker" and isinstance(value, list):
                    for index, item in enumerate(value):
                        image = ci.image_node(item) if isinstance(item, dict) else None
                        if image is not None and id(image) not in seen:
                            seen.add(id(image))
                            context = f"{prefix}docker[{index}].image"
                            found.append(_occurrence(doc, image, context, scope, pipeline))
                elif isinstance(value, (dict, list)):
                    children.append((value, prefix + key, scope))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    children.append((item, f"{path}[{index}]", scope))
        stack.extend(reversed(children))
    return found


def _defaults(node: Node | None) -> dict[str, ScalarEvent]:
    """The scalar ``default`` of each parameter of a ``parameters`` mapping."""
    from yaml.events import ScalarEvent

    result: dict[str, ScalarEvent] = {}
    if isinstance(node, dict):
        for name, spec in merged(node).items():
            default = merged(spec).get("default") if isinstance(spec, dict) else None
            if isinstance(default, ScalarEvent) and not is_null(default):
                result[name] = default
    return result


def _occurrence(
    doc: Document,
    node: ScalarEvent,
    context: str,
    scope: dict[str, ScalarEvent],
    pipeline: dict[str, ScalarEvent],
) -> Occurrence:
    value = node.value
    if "<<" not in value:
        return ci.reference(doc, node, context)
    defaults: list[ScalarEvent | None] = []
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        default = (pipeline if match.group(1) else scope).get(match.group(2))
        defaults.append(default)
        if default is None:
            missing.append(match.group(2))
            return ""
        return default.value

    image = _PLACEHOLDER.sub(substitute, value)
    whole = _PLACEHOLDER.fullmatch(value.strip())
    if whole is not None and defaults and defaults[0] is not None:
        # The parameter's default is the whole reference: that is the text to pin.
        return ci.reference(doc, defaults[0], context)
    occurrence = ci.reference(doc, node, context)
    if missing:
        return Occurrence(
            path=occurrence.path,
            start=occurrence.start,
            end=occurrence.end,
            line=occurrence.line,
            column=occurrence.column,
            written=occurrence.written,
            image=None,
            context=context,
            unresolved=missing[0],
        )
    return Occurrence(
        path=occurrence.path,
        start=occurrence.start,
        end=occurrence.end,
        line=occurrence.line,
        column=occurrence.column,
        written=occurrence.written,
        image=image,
        context=context,
    )
