"""Kubernetes manifests: the ``image`` of every container.

One rule covers the built-in workloads and custom resources alike: an ``image`` string
is a reference when its mapping is container-like, that is

- an item of a list called ``containers``, ``initContainers``, ``ephemeralContainers``,
  ``sidecars`` or ``steps`` (pod specs of Pod, Deployment, StatefulSet, DaemonSet,
  ReplicaSet, ReplicationController, Job, CronJob's ``jobTemplate``, PodTemplate; Knative
  services; Tekton tasks and their sidecars; Argo's ``containerSet``), or
- the value of a key ``container``, ``script`` or ``template`` (Argo Workflows
  templates, and resources that embed one container).

Pod specs sit at different depths in each kind (``spec``, ``spec.template.spec``,
``spec.jobTemplate.spec.template.spec``, ``items[0]...`` of a ``List``), so the whole
document is walked instead of a path per kind.  Never reported: anything under a
``metadata`` key (annotations often hold image-like text) and the ``data``/``stringData``
of a ConfigMap or Secret.  A value with ``{{`` is a template parameter (Argo's
``{{inputs.parameters.image}}``), not a reference, and is skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats.owned import drop_owned
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Document, Node

__all__ = ["CONTAINER_KEYS", "CONTAINER_LISTS", "scan_document", "sniff"]

CONTAINER_LISTS = frozenset(
    ("containers", "initContainers", "ephemeralContainers", "sidecars", "steps")
)
CONTAINER_KEYS = frozenset(("container", "script", "template"))
_DATA_KINDS = frozenset(("ConfigMap", "Secret"))
_DATA_KEYS = frozenset(("data", "stringData", "binaryData"))


def sniff(root: dict[str, Node]) -> bool:
    """A manifest: a document with ``apiVersion`` and ``kind``."""
    return "apiVersion" in root and "kind" in root


# A node's path in its document, built only for the images reported: (the parent's path,
# a key or a list index); None for the root.
_Path = tuple["_Path", "str | int"] | None


def _context(path: _Path) -> str:
    """``spec.template.spec.containers[0]`` for the path of that mapping."""
    parts: list[str | int] = []
    while path is not None:
        path, part = path
        parts.append(part)
    text = ""
    for part in reversed(parts):
        if type(part) is int:
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text


def scan_document(doc: Document) -> list[Occurrence]:
    """The container images of one manifest."""
    from yaml.events import ScalarEvent

    root = doc.root
    found: list[Occurrence] = []
    # Each node is walked once, however many aliases name it (twice at most: a mapping
    # anchored elsewhere may also be used as a container).
    seen: set[tuple[int, bool]] = set()
    reported: set[int] = set()
    names: list[str | None] = []  # the container name of each of ``found``
    # (node, path, container-like); a stack, not recursion: depth is the input's.  Types
    # are compared exactly: the light tree holds plain dicts, lists and scalar events.
    stack: list[tuple[Node, _Path, bool]] = [(root, None, False)]
    while stack:
        node, path, container = stack.pop()
        mark = (id(node), container)
        if mark in seen:
            continue
        seen.add(mark)
        children: list[tuple[Node, _Path, bool]] = []
        if type(node) is dict:
            keys = merged(node)
            if container:
                image = keys.get("image")
                if (
                    type(image) is ScalarEvent
                    and not is_null(image)
                    and id(image) not in reported
                    and "{{" not in image.value
                ):
                    reported.add(id(image))
                    context = _context(path)
                    found.append(doc.occurrence(image, f"{context}.image" if context else "image"))
                    name = keys.get("name")
                    names.append(name.value if type(name) is ScalarEvent else None)
            kind = keys.get("kind")
            skip_data = type(kind) is ScalarEvent and kind.value in _DATA_KINDS
            for key, value in keys.items():
                if type(value) is ScalarEvent or key == "metadata":
                    continue
                if skip_data and key in _DATA_KEYS:
                    continue
                if type(value) is list and key in CONTAINER_LISTS:
                    at: _Path = (path, key)
                    for index, item in enumerate(value):
                        if type(item) is dict:
                            children.append((item, (at, index), True))
                else:
                    children.append((value, (path, key), key in CONTAINER_KEYS))
        elif type(node) is list:
            for index, item in enumerate(node):
                if type(item) is not ScalarEvent:
                    children.append((item, (path, index), False))
        # Reversed, so that nodes are visited in document order and a node named by
        # an alias gets the context of its first use.
        stack.extend(reversed(children))
    if found and doc.project.files("kustomize"):
        found = _drop_patched(doc, found, names)
    # What skaffold builds or kustomize rewrites here is not this manifest's to pin.
    return drop_owned(doc.project, doc.path, found)


def _drop_patched(
    doc: Document, found: list[Occurrence], names: list[str | None]
) -> list[Occurrence]:
    """``found`` without the images that a strategic-merge patch of a kustomization
    including this manifest replaces (same kind, name and container, another image)."""
    from yaml.events import ScalarEvent

    from pinlint.formats import kustomize

    overrides = kustomize.overridden(doc.project, doc.path)
    if not overrides:
        return found
    kind = doc.root.get("kind")
    metadata = doc.root.get("metadata")
    name = merged(metadata).get("name") if isinstance(metadata, dict) else None
    if not isinstance(kind, ScalarEvent) or not isinstance(name, ScalarEvent):
        return found
    patch = overrides.get((kind.value, name.value))
    if not patch:
        return found
    return [
        occ
        for occ, container in zip(found, names, strict=True)
        if container is None
        or container not in patch
        or patch[container] in (occ.written, occ.image)
    ]
