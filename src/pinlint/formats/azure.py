"""Azure Pipelines (``azure-pipelines*.yml``): container jobs and container resources.

- ``resources.containers[].image``: each container resource (its ``container`` key is
  the alias jobs use, not an image);
- ``container``: of the pipeline, of each job (``jobs``, ``stages[].jobs``, deployment
  jobs), a string or a mapping with ``image``.  A string that is the alias of a
  container resource points at that resource, read above;
- ``services``: a mapping from a name to a container alias or an image.

A ``pool`` is where the agent runs: its ``vmImage`` (``ubuntu-latest``) and the
``image`` of a 1ES or Managed DevOps pool name VM images, not containers, and are never
read.  Template expressions (``${{ parameters.image }}``) and runtime expressions
(``$[ variables.image ]``) are computed when the pipeline runs and are skipped; a macro
``$(name)`` takes the value of the pipeline's or the job's ``variables``, and without
one the image is unresolved.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import ci
from pinlint.formats.yamltree import merged, scalar_text
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document"]

_MACRO = re.compile(r"\$\(([A-Za-z0-9_.]+)\)")


def scan_document(doc: Document) -> list[Occurrence]:
    from yaml.events import ScalarEvent

    root = merged(doc.root)
    found: list[Occurrence] = []
    seen: set[int] = set()
    variables = _variables(root.get("variables"))
    aliases: set[str] = set()
    resources = root.get("resources")
    containers = merged(resources).get("containers") if isinstance(resources, dict) else None
    for index, item in enumerate(containers if isinstance(containers, list) else []):
        if not isinstance(item, dict):
            continue
        keys = merged(item)
        alias = scalar_text(keys.get("container"))
        if alias is not None:
            aliases.add(alias)
        image = keys.get("image")
        if isinstance(image, ScalarEvent):
            _add(doc, image, f"resources.containers[{index}].image", variables, found, seen)

    def job_like(keys: dict[str, Node], path: str, scope: dict[str, str]) -> None:
        prefix = path + "." if path else ""
        container = keys.get("container")
        if isinstance(container, dict):
            image = merged(container).get("image")
            if isinstance(image, ScalarEvent):
                _add(doc, image, prefix + "container.image", scope, found, seen)
        elif isinstance(container, ScalarEvent) and container.value not in aliases:
            _add(doc, container, prefix + "container", scope, found, seen)
        services = keys.get("services")
        if isinstance(services, dict):
            for name, service in merged(services).items():
                if isinstance(service, ScalarEvent) and service.value not in aliases:
                    _add(doc, service, f"{prefix}services.{name}", scope, found, seen)

    job_like(root, "", variables)
    jobs: list[tuple[Node | None, str]] = [(root.get("jobs"), "jobs")]
    stages = root.get("stages")
    for index, stage in enumerate(stages if isinstance(stages, list) else []):
        if isinstance(stage, dict):
            jobs.append((merged(stage).get("jobs"), f"stages[{index}].jobs"))
    for block, path in jobs:
        for index, job in enumerate(block if isinstance(block, list) else []):
            if isinstance(job, dict):
                keys = merged(job)
                scope = {**variables, **_variables(keys.get("variables"))}
                job_like(keys, f"{path}[{index}]", scope)
    return found


def _variables(node: Node | None) -> dict[str, str]:
    """``variables`` as a mapping, or as a list of ``{name, value}`` (groups skipped)."""
    result: dict[str, str] = {}
    if isinstance(node, dict):
        for name, value in merged(node).items():
            text = scalar_text(value)
            if text is not None:
                result[name] = text
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, dict):
                keys = merged(item)
                key, text = scalar_text(keys.get("name")), scalar_text(keys.get("value"))
                if key is not None and text is not None:
                    result[key] = text
    return result


def _add(
    doc: Document,
    node: ScalarEvent,
    context: str,
    variables: dict[str, str],
    found: list[Occurrence],
    seen: set[int],
) -> None:
    value = node.value.strip()
    if id(node) in seen or not value or "${{" in value or "$[" in value:
        return
    seen.add(id(node))
    if any(char.isspace() for char in value):
        # Not one word: nothing Azure could pull (a broken mapping read as one string).
        return
    occurrence = ci.reference(doc, node, context)
    if "$(" not in value:
        found.append(occurrence)
        return
    missing: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in variables:
            missing.append(name)
            return ""
        return variables[name]

    image = _MACRO.sub(substitute, value)
    found.append(
        Occurrence(
            path=occurrence.path,
            start=occurrence.start,
            end=occurrence.end,
            line=occurrence.line,
            column=occurrence.column,
            written=occurrence.written,
            image=None if missing else image,
            context=context,
            unresolved=missing[0] if missing else None,
        )
    )
