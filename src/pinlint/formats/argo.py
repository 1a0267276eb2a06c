"""Argo Workflows: container images, and the parameters that feed ``{{...}}`` images.

Documents with ``apiVersion: argoproj.io/...`` of kind ``Workflow``,
``WorkflowTemplate``, ``ClusterWorkflowTemplate`` or ``CronWorkflow``.  Literal images
(``container``, ``script``, ``containerSet``, init containers, sidecars) are read as in
any Kubernetes manifest.  An image written with placeholders is resolved where Argo
takes the values from:

- ``{{inputs.parameters.x}}``: the template's input ``value`` or ``default``, else the
  ``arguments.parameters`` of each step or DAG task that calls the template (one
  reference per caller, and per item of its ``withItems``);
- ``{{workflow.parameters.x}}``: ``spec.arguments.parameters``;
- ``{{item}}``, ``{{item.key}}``: the items of the calling step's ``withItems``, or of
  its ``withParam`` when that names a parameter whose value in the file is a JSON list
  (each item's strings placed where they are written in the JSON text).

Each resolved reference is reported where its value is written (the item's ``tag``, the
parameter's ``value``).  A placeholder with no value in the file (``withParam`` from an
earlier step's output, an argument given at submit time): PIN006, a warning.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import kubernetes, parts
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]

_KINDS = frozenset(("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"))
_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_MAX_DEPTH = 8
# Callers times items: a bound on the references one image field can expand to.
_MAX_EXPANSIONS = 256

Pieces = list[parts.Piece]


class _Unresolved(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def sniff(root: dict[str, Node]) -> bool:
    kind = root.get("kind")
    version = root.get("apiVersion")
    return (
        kind is not None
        and version is not None
        and not isinstance(kind, (dict, list))
        and not isinstance(version, (dict, list))
        and kind.value in _KINDS
        and version.value.startswith("argoproj.io/")
    )


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def _parameters(node: Node | None) -> dict[str, dict[str, Node]]:
    found: dict[str, dict[str, Node]] = {}
    if isinstance(node, dict):
        node = merged(node).get("parameters")
    if isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                item = merged(item)
                name = _scalar(item.get("name"))
                if name is not None:
                    found.setdefault(name.value, item)
    return found


class _Workflow:
    def __init__(self, spec: dict[str, Node]) -> None:
        self.arguments = _parameters(spec.get("arguments"))
        entrypoint = _scalar(spec.get("entrypoint"))
        self.entrypoint = entrypoint.value if entrypoint is not None else None
        self.templates: dict[str, dict[str, Node]] = {}
        # template name -> (calling template, the step or task that calls it)
        self.callers: dict[str, list[tuple[dict[str, Node], dict[str, Node]]]] = {}
        templates = spec.get("templates")
        if not isinstance(templates, list):
            return
        for template in templates:
            if not isinstance(template, dict):
                continue
            template = merged(template)
            name = _scalar(template.get("name"))
            if name is not None:
                self.templates.setdefault(name.value, template)
            for step in _steps(template):
                target = _scalar(step.get("template"))
                if target is not None:
                    self.callers.setdefault(target.value, []).append((template, step))


def _steps(template: dict[str, Node]) -> list[dict[str, Node]]:
    found: list[dict[str, Node]] = []
    steps = template.get("steps")
    if isinstance(steps, list):
        for group in steps:
            items = group if isinstance(group, list) else [group]
            found += [merged(s) for s in items if isinstance(s, dict)]
    dag = template.get("dag")
    if isinstance(dag, dict):
        tasks = merged(dag).get("tasks")
        if isinstance(tasks, list):
            found += [merged(t) for t in tasks if isinstance(t, dict)]
    return found


def _images(template: dict[str, Node]) -> list[tuple[ScalarEvent, str]]:
    found: list[tuple[ScalarEvent, str]] = []
    for key in ("container", "script"):
        box = template.get(key)
        if isinstance(box, dict):
            image = _scalar(merged(box).get("image"))
            if image is not None:
                found.append((image, f"{key}.image"))
    lists: list[tuple[str, Node | None]] = [
        ("initContainers", template.get("initContainers")),
        ("sidecars", template.get("sidecars")),
    ]
    container_set = template.get("containerSet")
    if isinstance(container_set, dict):
        lists.append(("containerSet.containers", merged(container_set).get("containers")))
    for name, items in lists:
        if isinstance(items, list):
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    image = _scalar(merged(item).get("image"))
                    if image is not None:
                        found.append((image, f"{name}[{index}].image"))
    return found


def scan_document(doc: Document) -> list[Occurrence]:
    """The images of one Argo workflow document."""
    path, text, bom, root = doc.path, doc.text, doc.bom, doc.root
    found = kubernetes.scan_document(doc)
    spec = root.get("spec")
    if isinstance(spec, dict):
        spec = merged(spec)
        workflow_spec = spec.get("workflowSpec")  # CronWorkflow
        if isinstance(workflow_spec, dict):
            spec = merged(workflow_spec)
        workflow = _Workflow(spec)
        seen = {(o.start, o.end, o.image) for o in found}
        for name, template in workflow.templates.items():
            for node, key in _images(template):
                if "{{" not in node.value:
                    continue
                context = f"spec.templates[{name}].{key}"
                for occ in _resolve(path, text, bom, workflow, template, node, context):
                    if (occ.start, occ.end, occ.image) not in seen:
                        seen.add((occ.start, occ.end, occ.image))
                        found.append(occ)
    found.sort(key=lambda o: o.start)
    return found


class _Frame:
    """Where placeholders are evaluated: a template, the item of the step that called
    it, and that step's arguments (evaluated in the caller's own frame)."""

    __slots__ = ("arguments", "caller", "item", "template")

    def __init__(
        self,
        template: dict[str, Node],
        item: Node | None = None,
        arguments: dict[str, dict[str, Node]] | None = None,
        caller: _Frame | None = None,
    ) -> None:
        self.template = template
        self.item = item
        self.arguments = arguments
        self.caller = caller


def _frames(
    workflow: _Workflow, template: dict[str, Node], depth: int, text: str, bom: int
) -> list[_Frame]:
    """One frame per way the template is called (caller, item), or itself if never."""
    name = _scalar(template.get("name"))
    callers = workflow.callers.get(name.value if name is not None else "", [])
    if not callers or depth >= _MAX_DEPTH:
        return [_Frame(template)]
    frames: list[_Frame] = []
    for caller, step in callers:
        items = step.get("withItems")
        arguments = _parameters(step.get("arguments"))
        for outer in _frames(workflow, caller, depth + 1, text, bom):
            bindings: list[Node | None] = list(items) if isinstance(items, list) else [None]
            param = _scalar(step.get("withParam"))
            if param is not None and not isinstance(items, list):
                here = _Frame(caller, None, outer.arguments, outer.caller)
                bindings = list(_json_items(workflow, param, here, text, bom)) or [None]
            for binding in bindings:
                frames.append(
                    _Frame(
                        template,
                        None,
                        arguments,
                        _Frame(caller, binding, outer.arguments, outer.caller),
                    )
                )
                if len(frames) >= _MAX_EXPANSIONS:
                    return frames
    return frames


# A JSON string, and a key/value pair of strings, inside a withParam list.
_JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_JSON_PAIR = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*:\s*"((?:[^"\\\n]|\\.)*)"')
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


def _json_items(
    workflow: _Workflow, param: ScalarEvent, frame: _Frame, text: str, bom: int
) -> list[Node]:
    """The items of ``withParam: "{{...parameters.x}}"`` when that parameter's value,
    written in this file, is a JSON list (of objects of strings, or of strings): each
    string as a scalar placed where it is written, so a finding points at it."""
    match = _PLACEHOLDER.fullmatch(param.value.strip())
    if match is None:
        return []
    source = _source(workflow, match.group(1), frame)
    if source is None or source.style not in ("|", '"', "'", "", None):
        return []
    import json

    try:
        items = json.loads(source.value)
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    where = parts.value_offsets(text, bom, source)
    if where is None:
        return []
    value = source.value
    found: list[Node] = []
    if all(isinstance(item, dict) for item in items):
        for obj in _JSON_OBJECT.finditer(value):
            entry: dict[str, Node] = {}
            for pair in _JSON_PAIR.finditer(value, obj.start(), obj.end()):
                event = parts.event_at(text, bom, where, pair.start(2) - 1, pair.end(2) + 1)
                if event is not None:
                    entry[pair.group(1)] = event
            found.append(entry)
    elif all(isinstance(item, str) for item in items):
        for string in _JSON_STRING.finditer(value):
            event = parts.event_at(text, bom, where, string.start(), string.end())
            if event is not None:
                found.append(event)
    return found[:_MAX_EXPANSIONS]


def _source(workflow: _Workflow, name: str, frame: _Frame) -> ScalarEvent | None:
    """The scalar a ``{{inputs.parameters.x}}``/``{{workflow.parameters.x}}`` names."""
    if name.startswith("workflow.parameters."):
        parameter = workflow.arguments.get(name[len("workflow.parameters.") :])
        return _scalar(parameter.get("value")) if parameter is not None else None
    if not name.startswith("inputs.parameters."):
        return None
    key = name[len("inputs.parameters.") :]
    parameter = _parameters(frame.template.get("inputs")).get(key)
    if parameter is not None:
        scalar = _scalar(parameter.get("value")) or _scalar(parameter.get("default"))
        if scalar is not None:
            return scalar
    argument = frame.arguments.get(key) if frame.arguments is not None else None
    if argument is not None:
        return _scalar(argument.get("value"))
    if _is_entrypoint(workflow, frame.template):
        return _source(workflow, "workflow.parameters." + key, frame)
    return None


def _is_entrypoint(workflow: _Workflow, template: dict[str, Node]) -> bool:
    name = _scalar(template.get("name"))
    return name is not None and name.value == workflow.entrypoint


def _resolve(
    path: str,
    text: str,
    bom: int,
    workflow: _Workflow,
    template: dict[str, Node],
    node: ScalarEvent,
    context: str,
) -> list[Occurrence]:
    found: list[Occurrence] = []
    unresolved: str | None = None
    for frame in _frames(workflow, template, 0, text, bom):
        try:
            pieces = _expand(workflow, node, frame, 0)
        except _Unresolved as e:
            unresolved = unresolved or e.name
            continue
        found.append(parts.compose(path, text, bom, pieces, context, anchor=node))
    if not found and unresolved is not None:
        found.append(
            parts.compose(path, text, bom, [], context, anchor=node, unresolved=unresolved)
        )
    return found


def _expand(workflow: _Workflow, node: ScalarEvent, frame: _Frame, depth: int) -> Pieces:
    """``node``'s value with its placeholders replaced, as pieces."""
    value = node.value
    if "{{" not in value:
        return [parts.Piece(value, node)]
    if depth >= _MAX_DEPTH:
        raise _Unresolved(value)
    pieces: Pieces = []
    pos = 0
    for match in _PLACEHOLDER.finditer(value):
        if match.start() > pos:
            pieces.append(parts.literal(value[pos : match.start()]))
        pos = match.end()
        pieces += _placeholder(workflow, match.group(1), frame, depth)
        parts.check_size(pieces, node)
    if pos < len(value):
        pieces.append(parts.literal(value[pos:]))
    return pieces


def _placeholder(workflow: _Workflow, name: str, frame: _Frame, depth: int) -> Pieces:
    if name == "item" or name.startswith("item."):
        value: Node | None = frame.item
        if name != "item":
            value = merged(value).get(name[5:]) if isinstance(value, dict) else None
        scalar = _scalar(value)
        if scalar is None:
            raise _Unresolved(name)
        return [parts.Piece(scalar.value, scalar)]
    if name.startswith("workflow.parameters."):
        parameter = workflow.arguments.get(name[len("workflow.parameters.") :])
        scalar = _scalar(parameter.get("value")) if parameter is not None else None
        if scalar is None:
            raise _Unresolved(name)
        return _expand(workflow, scalar, _Frame(frame.template), depth + 1)
    if name.startswith("inputs.parameters."):
        key = name[len("inputs.parameters.") :]
        parameter = _parameters(frame.template.get("inputs")).get(key)
        if parameter is not None:
            scalar = _scalar(parameter.get("value")) or _scalar(parameter.get("default"))
            if scalar is not None:
                return _expand(workflow, scalar, _Frame(frame.template), depth + 1)
        argument = frame.arguments.get(key) if frame.arguments is not None else None
        scalar = _scalar(argument.get("value")) if argument is not None else None
        if scalar is not None and frame.caller is not None:
            return _expand(workflow, scalar, frame.caller, depth + 1)
        if frame.arguments is None and _is_entrypoint(workflow, frame.template):
            # The entrypoint's inputs are the workflow's arguments.
            return _placeholder(workflow, "workflow.parameters." + key, frame, depth + 1)
    raise _Unresolved(name)
