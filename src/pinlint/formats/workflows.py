"""GitHub Actions workflows: job containers, service containers and ``docker://`` steps.

What a workflow pulls (``jobs.<id>`` of a file under ``.github/workflows/``, or of any
YAML document with ``on`` and a ``jobs`` mapping):

- ``container``: a string, or a mapping whose ``image`` is one;
- ``services.<name>``: the same two shapes;
- ``steps[].uses: docker://IMAGE``: the reference after the scheme.

A value may be built from an expression.  ``${{ matrix.x }}`` (or ``matrix.x.y`` for a
list of mappings) stands for each literal value of ``x`` in the job's
``strategy.matrix``, its list and its ``include`` entries; ``${{ env.X }}`` for the
literal ``env`` of the job or of the workflow; a string literal written as a reference
for itself (``${{ matrix.pg || 'postgres:14' }}``).  Each such value is a reference of its
own, reported where it is written, and ``--fix`` rewrites it there when it is the whole
reference (``image: ${{ matrix.image }}``: the matrix entry) or exactly its tag
(``postgres:${{ matrix.pg }}``: the entry takes the new tag and digest).  A tag written
in the field itself (``org/${{ matrix.os }}:latest``) is one finding on the field, not
rewritten.  Names known only when the workflow runs (``needs``,
``inputs``, ``fromJSON``) are not reported.  Runner labels (``runs-on``, and matrix keys
that only feed it) are not images.  Each written scalar is reported once, however many
jobs use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import is_null, merged, position, scheme_occurrence
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]

DOCKER_SCHEME = "docker://"
# ``${{ matrix.a.b }}`` / ``${{ env.NAME }}``: the only expressions resolved statically.
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.S)
# In an expression: a string literal, or a ``matrix.a.b``/``env.X`` name.
_NAME = re.compile(r"(?<![\w.])(('(?:[^']|'')*')|(matrix|env)((?:\.[A-Za-z_][\w-]*)+))")
_REFERENCE_LITERAL = re.compile(r"[A-Za-z0-9][\w.\-/:@]*[/:][\w.\-/:@]*")

# (what the expression names, e.g. ("matrix", ["pg"])) -> the literal scalars it may be.
Values = Callable[[str, list[str]], "list[ScalarEvent] | None"]


def sniff(root: dict[str, Node]) -> bool:
    """``on`` and a ``jobs`` mapping whose jobs are mappings with ``runs-on``/``steps``."""
    jobs = root.get("jobs")
    if "on" not in root or not isinstance(jobs, dict):
        return False
    return any(
        isinstance(job, dict) and ("runs-on" in job or "steps" in job or "uses" in job)
        for job in jobs.values()
    )


def scan_document(doc: Document) -> list[Occurrence]:
    """The images of one workflow document."""
    from yaml.events import ScalarEvent

    root = doc.root
    jobs = root.get("jobs")
    if not isinstance(jobs, dict):
        return []
    found: list[Occurrence] = []
    seen: set[int] = set()
    workflow_env = _mapping(root.get("env"))
    for job_id, job in merged(jobs).items():
        if not isinstance(job, dict):
            continue
        job = merged(job)
        values = _job_values(job, workflow_env)
        prefix = f"jobs.{job_id}"
        fields: list[tuple[Node | None, str]] = []
        container = job.get("container")
        if isinstance(container, dict):
            fields.append((merged(container).get("image"), f"{prefix}.container.image"))
        else:
            fields.append((container, f"{prefix}.container"))
        services = job.get("services")
        if isinstance(services, dict):
            for name, service in merged(services).items():
                if isinstance(service, dict):
                    fields.append((merged(service).get("image"), f"{prefix}.services.{name}.image"))
                else:
                    fields.append((service, f"{prefix}.services.{name}"))
        for node, context in fields:
            if isinstance(node, ScalarEvent) and not is_null(node):
                found += _image_at(doc, node, context, values, seen)
        steps = job.get("steps")
        if isinstance(steps, list):
            for index, step in enumerate(steps):
                if not isinstance(step, dict):
                    continue
                uses = merged(step).get("uses")
                if (
                    isinstance(uses, ScalarEvent)
                    and uses.value.startswith(DOCKER_SCHEME)
                    and id(uses) not in seen
                ):
                    seen.add(id(uses))
                    context = f"{prefix}.steps[{index}].uses"
                    found += scheme_occurrence(doc, uses, context, DOCKER_SCHEME)
    return found


def _mapping(node: Node | None) -> dict[str, Node]:
    return merged(node) if isinstance(node, dict) else {}


def _job_values(job: dict[str, Node], workflow_env: dict[str, Node]) -> Values:
    """What ``matrix.*`` and ``env.*`` stand for in this job."""
    strategy = job.get("strategy")
    matrix = _mapping(strategy).get("matrix") if isinstance(strategy, dict) else None
    env = {**workflow_env, **_mapping(job.get("env"))}

    def values(kind: str, names: list[str]) -> list[ScalarEvent] | None:
        if kind == "env":
            return _leaves([env.get(names[0])], names[1:]) if len(names) == 1 else None
        if kind != "matrix" or not isinstance(matrix, dict):
            return None
        rows = merged(matrix)
        first, rest = names[0], names[1:]
        candidates: list[Node | None] = []
        column = rows.get(first)
        if isinstance(column, list):
            candidates += column
        elif column is not None:
            return None  # an expression (``fromJSON(...)``): known only at run time
        include = rows.get("include")
        if isinstance(include, list):
            for row in include:
                if isinstance(row, dict):
                    candidates.append(merged(row).get(first))
        elif include is not None:
            return None
        return _leaves(candidates, rest)

    return values


def _leaves(nodes: list[Node | None], rest: list[str]) -> list[ScalarEvent] | None:
    """The scalars at ``rest`` under each node; None when one is not literal."""
    from yaml.events import ScalarEvent

    out: list[ScalarEvent] = []
    for node in nodes:
        for key in rest:
            node = merged(node).get(key) if isinstance(node, dict) else None
        if node is None:
            continue
        if not isinstance(node, ScalarEvent):
            return None
        if is_null(node):
            continue
        if "${{" in node.value:
            return None
        out.append(node)
    return out


class _Literal:
    """A string literal inside an expression (``matrix.pg || 'postgres:14'``): its
    value and its offsets in the field's value."""

    __slots__ = ("end", "start", "value")

    def __init__(self, value: str, start: int, end: int) -> None:
        self.value, self.start, self.end = value, start, end


def _expression_values(
    value: str, values: Values
) -> tuple[str, str, list[ScalarEvent], list[_Literal]] | None:
    """``(before, after, scalars, literals)`` for a value with one expression.

    The expression stands for the literal values of every ``matrix.x``/``env.X`` name it
    mentions (``matrix.pg``, ``matrix.pg || 'postgres:14'``, ``contains(matrix.x, 'a') &&
    matrix.x || ''``) and for its string literals written as references (with a ``:`` or
    ``/``).  None when the value has no expression or more than one, or when a name it
    mentions has values known only when the workflow runs and it has no literal either.
    """
    matches = list(_EXPRESSION.finditer(value))
    if len(matches) != 1:
        return None
    match = matches[0]
    inner_start = match.start(1)
    scalars: list[ScalarEvent] = []
    literals: list[_Literal] = []
    for name in _NAME.finditer(match.group(1)):
        if name.group(2):  # a string literal
            literal = name.group(2)[1:-1]
            if _REFERENCE_LITERAL.fullmatch(literal):
                offset = inner_start + name.start(2) + 1
                literals.append(_Literal(literal.replace("''", "'"), offset, offset + len(literal)))
            continue
        found = values(name.group(3), name.group(4).split(".")[1:])
        if found is not None:
            scalars += found
    if not scalars and not literals:
        return None
    return value[: match.start()], value[match.end() :], scalars, literals


def _image_at(
    doc: Document,
    node: ScalarEvent,
    context: str,
    values: Values,
    seen: set[int],
) -> Iterator[Occurrence]:
    """The references an image field stands for: itself, or each value feeding it.

    A value that is the whole reference is reported where it is written (a matrix
    entry, an ``env`` value, a literal in the expression).  When the expression gives
    part of a reference, the finding is where the tag is written: the value itself for
    ``postgres:${{ matrix.pg }}``, the field for ``org/${{ matrix.os }}:latest`` (one
    finding: one tag to change); neither can be rewritten alone.
    """
    path, text = doc.path, doc.text
    value = node.value
    if "${{" not in value:
        if id(node) not in seen:
            seen.add(id(node))
            yield doc.occurrence(node, context)
        return
    resolved = _expression_values(value, values)
    if resolved is None:
        return
    before, after, scalars, literals = resolved
    field = doc.locate(node)
    if ":" in after or "@" in after:
        # The tag is written in the field: one finding there, for the first value.
        if id(node) not in seen and (scalars or literals):
            seen.add(id(node))
            first = scalars[0].value if scalars else literals[0].value
            yield Occurrence(
                path=path,
                start=field.start,
                end=field.end,
                line=field.line,
                column=field.column,
                written=text[field.start : field.end],
                image=before + first + after,
                context=context,
            )
        return
    for scalar in scalars:
        if id(scalar) in seen:
            continue
        seen.add(id(scalar))
        pieces = [parts.literal(before), parts.Piece(scalar.value, scalar), parts.literal(after)]
        pieces = [piece for piece in pieces if piece.text]
        # A value that is the whole reference, or exactly its tag, is rewritten where it
        # is written (``postgres:${{ matrix.pg }}``: the tag, with the name kept).
        yield parts.compose(path, text, doc.bom, pieces, context, anchor=node)
    for literal in literals:
        if field.verbatim:
            start, end = field.start + literal.start, field.start + literal.end
            line, column = position(text, field.start, field.line - 1, field.column - 1, start)
        else:
            start, end, line, column = field.start, field.end, field.line, field.column
        yield Occurrence(
            path=path,
            start=start,
            end=end,
            line=line,
            column=column,
            written=text[start:end],
            image=before + literal.value + after,
            context=context,
        )
