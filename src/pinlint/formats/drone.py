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
default, or is a column of Woodpecker's ``matrix`` (its lists, every combination, or its
``include`` rows): then each value is a reference of its own, placed where it is written
when it is the whole reference or exactly the tag (``golang:${GO_VERSION}``), so that a
fix rewrites the matrix entry.

A file so named that is a Go template (Drone's template extension: ``{{ if .input.cpu
}}`` lines, rendered by the server) is not YAML until rendered.  Rather than skipping it
or calling it broken, its ``image:`` lines are read as text, as Helm chart templates
are (:func:`scan_template`): a line that is all of ``image: REFERENCE`` (quotes and a
comment allowed) is a reference, and ``--fix`` rewrites exactly that reference and
nothing else of the line; a value with ``{{``, ``${`` or an alias is the template's
business and skipped, and so are the lines of block scalars (``commands: |``), which are
shell, not keys.  A YAML file of another name that does not parse and has a ``kind:
pipeline`` line (``.drone/drone.yml``) is read the same way (:mod:`pinlint.formats.yamlfile`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import ci, parts
from pinlint.formats.yamltree import merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "scan_template", "sniff"]

# ``image: REF`` as the whole line (YAML's ``- image:`` list item too), a plain reference
# in optional quotes, an optional comment.  No ``{``, ``$``, ``*`` or ``&``: those are
# the template's or YAML's own, never a reference as written.
_TEMPLATE_IMAGE = re.compile(
    r"""[ \t]*(?:-[ \t]+)?image:[ \t]*(?P<q>["']?)(?P<ref>[A-Za-z0-9][A-Za-z0-9._/:@-]*)(?P=q)"""
    r"""[ \t]*(?:\#[^\n]*)?"""
)
# ``${NAME`` followed by an operator of drone/envsubst that compose does not have.
_ENVSUBST = re.compile(
    r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?=|#{1,2}|%{1,2}|/{1,2}|\^{1,2}|,{1,2}|:[0-9])"
)
_ENVSUBST_DEFAULT = re.compile(r"(\$\{[A-Za-z_][A-Za-z0-9_]*)(:?)=")
# ``${NAME}`` of a Woodpecker matrix variable; combinations read at most.
_MATRIX_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_MAX_ROWS = 256
# Variables the Drone and Woodpecker servers set on every run.
_SERVER_VARIABLES = ("CI_", "DRONE_")
# A key whose value is a block scalar (``commands: |``, ``script: >-``): the lines below
# it that are indented deeper are its text.
_BLOCK_SCALAR = re.compile(r"""[^#]*:[ \t]*[|>][-+0-9]*[ \t]*(?:\#.*)?""")

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
    rows = _matrix_rows(root)
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
            expanded = _matrix_references(doc, node, context + ".image", rows)
            if expanded is not None:
                found += expanded
            else:
                found.append(_reference(doc, node, context + ".image"))
    return found


def _matrix_rows(root: dict[str, Node]) -> list[dict[str, ScalarEvent]]:
    """Woodpecker's ``matrix``: its ``include`` rows, else every combination of its
    lists (at most ``_MAX_ROWS``), each a name -> scalar mapping."""
    from yaml.events import ScalarEvent

    matrix = root.get("matrix")
    if not isinstance(matrix, dict):
        return []
    keys = merged(matrix)
    include = keys.get("include")
    rows: list[dict[str, ScalarEvent]] = []
    if isinstance(include, list):
        for item in include[:_MAX_ROWS]:
            if isinstance(item, dict):
                rows.append({k: v for k, v in merged(item).items() if isinstance(v, ScalarEvent)})
        return rows
    rows = [{}]
    for name, values in keys.items():
        if not isinstance(values, list):
            continue
        scalars = [v for v in values if isinstance(v, ScalarEvent)]
        if not scalars:
            continue
        rows = [{**row, name: v} for row in rows for v in scalars][:_MAX_ROWS]
    return rows if rows != [{}] else []


def _matrix_references(
    doc: Document, node: ScalarEvent, context: str, rows: list[dict[str, ScalarEvent]]
) -> list[Occurrence] | None:
    """The references of an image written with matrix variables (``golang:${GO}``), one
    per combination, each placed where its value is written (the matrix entry, when it
    is the whole reference or exactly the tag); None when the image names none."""
    value = node.value
    if not rows or "${" not in value:
        return None
    names = {m.group(1) for m in _MATRIX_VARIABLE.finditer(value)}
    if not names or not any(name in row for row in rows for name in names):
        return None
    out: list[Occurrence] = []
    seen: set[tuple[int, int, str | None]] = set()
    for row in rows:
        pieces: list[parts.Piece] = []
        position = 0
        for match in _MATRIX_VARIABLE.finditer(value):
            scalar = row.get(match.group(1))
            if scalar is None:
                break
            if match.start() > position:
                pieces.append(parts.literal(value[position : match.start()]))
            pieces.append(parts.Piece(scalar.value, scalar))
            position = match.end()
        else:
            if position < len(value):
                pieces.append(parts.literal(value[position:]))
            if "$" in "".join(p.text for p in pieces):
                continue  # another variable the server sets, or a value with one
            occurrence = parts.compose(doc.path, doc.text, doc.bom, pieces, context, anchor=node)
            key = (occurrence.start, occurrence.end, occurrence.image)
            if key not in seen:
                seen.add(key)
                out.append(occurrence)
    return out if out else None


def _reference(doc: Document, node: ScalarEvent, context: str) -> Occurrence:
    """The image of ``node``, its ``${...}`` read as the servers' envsubst reads them.

    ``${NAME:-x}``/``${NAME-x}`` are compose's too; ``${NAME:=x}`` is ``${NAME:-x}``, and
    ``${NAME=x}`` is ``${NAME-x}`` (the default when the variable is unset), unless the
    server itself sets NAME (``CI_*``, ``DRONE_*``: set on every run, so the default
    never applies).  Envsubst's string operations (``${NAME##v}``, ``${NAME,,}``,
    ``${NAME:0:8}``, ...) compute the image on the server: unknown here, like a variable
    without a default, never an invalid reference.
    """
    value = node.value
    if "${" not in value:
        return ci.reference(doc, node, context)
    computed = None
    for match in _ENVSUBST.finditer(value):
        name, operator = match.group(1), match.group(2)
        if operator.endswith("=") and not name.startswith(_SERVER_VARIABLES):
            continue
        computed = name
        break
    if computed is None:
        # Same length: the spans of a default stay where they are written.
        spelled = _ENVSUBST_DEFAULT.sub(lambda m: m.group(1) + m.group(2) + "-", value)
        return ci.reference(doc, node, context, value=spelled)
    return doc.occurrence(node, context, image=None, unresolved=computed)


def scan_template(path: str, text: str, project: Project) -> list[Occurrence]:
    """The images written as plain text in the lines of a Drone/Woodpecker Go template
    (a file claimed by name that does not parse as YAML because of ``{{ }}`` actions)."""
    if "image" not in text:
        return []
    bom = 1 if text.startswith("\ufeff") else 0
    found: list[Occurrence] = []
    block: int | None = None  # indentation of the key that opened a block scalar
    offset = 0
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        start = offset
        offset += len(raw)
        line = raw.rstrip("\r\n")
        stripped = line.lstrip(" \t")
        indent = len(line) - len(stripped)
        if block is not None:
            if not stripped or indent > block:
                continue
            block = None
        if _BLOCK_SCALAR.fullmatch(line):
            block = indent
            continue
        match = _TEMPLATE_IMAGE.fullmatch(line)
        if match is None:
            continue
        ref = match.group("ref")
        if not any(c.isalpha() for c in ref):
            continue
        ref_start = start + match.start("ref")
        column = match.start("ref") + 1 - (bom if number == 1 else 0)
        found.append(
            Occurrence(
                path=path,
                start=ref_start,
                end=ref_start + len(ref),
                line=number,
                column=column,
                written=ref,
                image=ref,
                context="template line",
            )
        )
    return found
