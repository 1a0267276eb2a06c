"""Tekton: the images of steps, sidecars, step templates and StepActions.

Documents with ``apiVersion: tekton.dev/...``: ``Task``/``ClusterTask`` (``spec.steps``,
``spec.sidecars``, ``spec.stepTemplate``), ``StepAction`` (``spec.image``), ``TaskRun``
(``spec.taskSpec``), ``Pipeline`` and ``PipelineRun`` (the ``taskSpec`` of each task in
``tasks`` and ``finally``).

An image field may use params: ``image: $(params.builderImage)``,
``docker.io/library/golang:$(params.version)``, ``$(inputs.params.x)`` (v1alpha1) or
``$(params["x"])``.  A param takes the value a run gives it (``TaskRun.spec.params``, a
pipeline task's ``params``, themselves maybe ``$(params.y)`` of the pipeline and its
``PipelineRun``), else its ``default``; the finding is placed where that value is
written (the default, usually), and the fixer rewrites it there.  A param with neither,
or any other substitution (``$(tasks.build.results.image)``): PIN006, a warning, never
an invalid reference.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]

# $(params.name), $(params["name"]), $(params['name']), $(inputs.params.name); the name
# may carry an object key (``$(params.image.tag)``), kept whole as Tekton does not
# split it further here.
_SUBST = re.compile(r"\$\(([^()]*)\)")
_PARAM = re.compile(r"""(?:inputs\.)?params(?:\.([A-Za-z0-9_.-]+)|\[\s*["']([^"']+)["']\s*\])\Z""")
# A chain of run values over defaults is at most this deep (PipelineRun -> Pipeline ->
# task -> Task); more is a cycle or an attack.
_MAX_DEPTH = 8


class _Unresolved(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Scope:
    """Param values visible at one level: a run's values over the declared defaults.

    ``values`` are expanded in ``outer`` (a pipeline task's ``params`` may use the
    pipeline's own params); ``defaults`` are plain text.
    """

    __slots__ = ("defaults", "outer", "values")

    def __init__(
        self,
        defaults: dict[str, ScalarEvent],
        values: dict[str, ScalarEvent] | None = None,
        outer: Scope | None = None,
    ) -> None:
        self.defaults = defaults
        self.values = values or {}
        self.outer = outer


def sniff(root: dict[str, Node]) -> bool:
    version = root.get("apiVersion")
    return (
        version is not None
        and not isinstance(version, (dict, list))
        and version.value.startswith("tekton.dev/")
    )


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def _params(node: Node | None, key: str) -> dict[str, ScalarEvent]:
    """``name -> scalar`` of a params list (``key`` is ``default`` or ``value``)."""
    found: dict[str, ScalarEvent] = {}
    if not isinstance(node, list):
        return found
    for item in node:
        if not isinstance(item, dict):
            continue
        item = merged(item)
        name = _scalar(item.get("name"))
        value = _scalar(item.get(key))
        if name is not None and value is not None:
            found.setdefault(name.value, value)
    return found


def _declared(spec: dict[str, Node]) -> dict[str, ScalarEvent]:
    defaults = _params(spec.get("params"), "default")
    inputs = spec.get("inputs")
    if isinstance(inputs, dict):
        for name, node in _params(inputs.get("params"), "default").items():
            defaults.setdefault(name, node)
    return defaults


def scan_document(doc: Document) -> list[Occurrence]:
    """The images of one Tekton document."""
    path, text, bom, root = doc.path, doc.text, doc.bom, doc.root
    kind_node = _scalar(root.get("kind"))
    kind = kind_node.value if kind_node is not None else ""
    spec = root.get("spec")
    if not isinstance(spec, dict):
        return []
    spec = merged(spec)
    scanner = _Scanner(path, text, bom)
    if kind == "StepAction":
        scope = Scope(_declared(spec))
        image = _scalar(spec.get("image"))
        if image is not None:
            scanner.image(image, "spec.image", scope)
    elif kind == "TaskRun":
        task = spec.get("taskSpec")
        if isinstance(task, dict):
            task = merged(task)
            scope = Scope(_declared(task), _params(spec.get("params"), "value"))
            scanner.task(task, "spec.taskSpec", scope)
    elif kind in ("Pipeline", "PipelineRun"):
        pipeline: Node | None = spec
        prefix = "spec"
        values: dict[str, ScalarEvent] = {}
        if kind == "PipelineRun":
            pipeline = spec.get("pipelineSpec")
            prefix = "spec.pipelineSpec"
            values = _params(spec.get("params"), "value")
        if isinstance(pipeline, dict):
            pipeline = merged(pipeline)
            scanner.pipeline(pipeline, prefix, Scope(_declared(pipeline), values))
    else:  # Task, ClusterTask and whatever else carries steps
        scanner.task(spec, "spec", Scope(_declared(spec)))
    scanner.found.sort(key=lambda o: o.start)
    return scanner.found


# Pipelines nested in Pipelines: deeper than any real one, and a bound for a hostile file
# whose aliases would nest a pipeline in itself.
_MAX_PIPELINE_DEPTH = 8


class _Scanner:
    def __init__(self, path: str, text: str, bom: int) -> None:
        self.path = path
        self.text = text
        self.bom = bom
        self.found: list[Occurrence] = []
        self.seen: set[tuple[int, int, str | None]] = set()

    def pipeline(self, spec: dict[str, Node], prefix: str, scope: Scope, depth: int = 0) -> None:
        for section in ("tasks", "finally"):
            tasks = spec.get(section)
            if not isinstance(tasks, list):
                continue
            for index, task in enumerate(tasks):
                if not isinstance(task, dict):
                    continue
                task = merged(task)
                child = task.get("pipelineSpec")
                if isinstance(child, dict) and depth < _MAX_PIPELINE_DEPTH:
                    # Pipelines in Pipelines (alpha): a task that is a whole Pipeline.
                    child = merged(child)
                    inner = Scope(_declared(child), _params(task.get("params"), "value"), scope)
                    where = f"{prefix}.{section}[{index}].pipelineSpec"
                    self.pipeline(child, where, inner, depth + 1)
                task_spec = task.get("taskSpec")
                if not isinstance(task_spec, dict):
                    continue
                task_spec = merged(task_spec)
                inner = Scope(_declared(task_spec), _params(task.get("params"), "value"), scope)
                self.task(task_spec, f"{prefix}.{section}[{index}].taskSpec", inner)

    def task(self, spec: dict[str, Node], prefix: str, scope: Scope) -> None:
        template = spec.get("stepTemplate")
        if isinstance(template, dict):
            image = _scalar(merged(template).get("image"))
            if image is not None:
                self.image(image, f"{prefix}.stepTemplate.image", scope)
        for key in ("steps", "sidecars"):
            items = spec.get(key)
            if not isinstance(items, list):
                continue
            for index, item in enumerate(items):
                if isinstance(item, dict):
                    image = _scalar(merged(item).get("image"))
                    if image is not None:
                        self.image(image, f"{prefix}.{key}[{index}].image", scope)

    def image(self, node: ScalarEvent, context: str, scope: Scope) -> None:
        try:
            pieces = _expand(node, scope, 0)
        except _Unresolved as e:
            occ = parts.compose(
                self.path, self.text, self.bom, [], context, anchor=node, unresolved=e.name
            )
        else:
            occ = parts.compose(self.path, self.text, self.bom, pieces, context, anchor=node)
        key = (occ.start, occ.end, occ.image)
        if key not in self.seen:
            self.seen.add(key)
            self.found.append(occ)


def _expand(node: ScalarEvent, scope: Scope | None, depth: int) -> list[parts.Piece]:
    """The pieces of a value with its ``$(params.x)`` replaced by what feeds them."""
    value = node.value
    if "$(" not in value:
        return [parts.Piece(value, node)]
    if depth >= _MAX_DEPTH:
        raise _Unresolved(value)
    pieces: list[parts.Piece] = []
    pos = 0
    for match in _SUBST.finditer(value):
        if match.start() > pos:
            pieces.append(parts.literal(value[pos : match.start()]))
        pos = match.end()
        param = _PARAM.match(match.group(1).strip())
        if param is None:
            raise _Unresolved(match.group(0))
        name = param.group(1) or param.group(2)
        found = _lookup(name, scope)
        if found is None:
            raise _Unresolved(f"params.{name}")
        source, outer = found
        pieces.extend(_expand(source, outer, depth + 1))
        parts.check_size(pieces, node)
    if pos < len(value):
        pieces.append(parts.literal(value[pos:]))
    return pieces


def _lookup(name: str, scope: Scope | None) -> tuple[ScalarEvent, Scope | None] | None:
    if scope is None:
        return None
    if name in scope.values:
        return scope.values[name], scope.outer
    if name in scope.defaults:
        return scope.defaults[name], None
    return None
