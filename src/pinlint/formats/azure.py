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

An image a ``Docker@2`` task of the same pipeline builds or pushes (its ``repository``
input, e.g. ``flcdrg/app``, under whatever registry its service connection names) is
the pipeline's own: ``container: ghcr.io/flcdrg/app:latest`` in a later job is not a
finding.
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
    built = _built(root, variables)
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
            _add(doc, image, f"resources.containers[{index}].image", variables, found, seen, built)

    def job_like(keys: dict[str, Node], path: str, scope: dict[str, str]) -> None:
        prefix = path + "." if path else ""
        container = keys.get("container")
        if isinstance(container, dict):
            image = merged(container).get("image")
            if isinstance(image, ScalarEvent):
                _add(doc, image, prefix + "container.image", scope, found, seen, built)
        elif isinstance(container, ScalarEvent) and container.value not in aliases:
            _add(doc, container, prefix + "container", scope, found, seen, built)
        services = keys.get("services")
        if isinstance(services, dict):
            for name, service in merged(services).items():
                if isinstance(service, ScalarEvent) and service.value not in aliases:
                    _add(doc, service, f"{prefix}services.{name}", scope, found, seen, built)

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
    built: frozenset[str] = frozenset(),
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
        if not _is_built(occurrence.image, built):
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
    if not missing and _is_built(image, built):
        return
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


# Docker@2's commands that make an image the pipeline then has (buildAndPush is the
# task's default).
_BUILDS = frozenset(("build", "buildandpush", "push"))


def _built(root: dict[str, Node], variables: dict[str, str]) -> frozenset[str]:
    """The ``repository`` inputs of the pipeline's ``Docker@N`` build and push tasks,
    ``$(var)`` macros taken from the pipeline's ``variables``."""
    repositories: set[str] = set()
    for keys, _ in ci.walk(root):
        task = scalar_text(keys.get("task"))
        if task is None or not task.lower().startswith("docker@"):
            continue
        inputs = keys.get("inputs")
        fields = merged(inputs) if isinstance(inputs, dict) else {}
        command = (scalar_text(fields.get("command")) or "buildAndPush").lower()
        repository = scalar_text(fields.get("repository"))
        if command not in _BUILDS or not repository:
            continue
        repository = _MACRO.sub(lambda m: variables.get(m.group(1), m.group(0)), repository)
        if "$(" not in repository and "${{" not in repository:
            repositories.add(repository.strip().lower())
    return frozenset(repositories)


def _is_built(image: str | None, built: frozenset[str]) -> bool:
    """Whether ``image`` names a repository a Docker task of the pipeline builds: the
    repository itself, or it under a registry (``ghcr.io/`` + ``owner/app``)."""
    if image is None or not built:
        return False
    from pinlint.formats.parts import name_end

    name = image[: name_end(image)].lower()
    return any(name == r or name.endswith("/" + r) for r in built)
