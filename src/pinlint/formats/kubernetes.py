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


def scan_document(doc: Document) -> list[Occurrence]:
    """The container images of one manifest."""
    from yaml.events import ScalarEvent

    root = doc.root
    found: list[Occurrence] = []
    # Each node is walked once, however many aliases name it (twice at most: a mapping
    # anchored elsewhere may also be used as a container).
    seen: set[tuple[int, bool]] = set()
    reported: set[int] = set()
    # (node, context, container-like); a stack, not recursion: depth is the input's.
    stack: list[tuple[Node, str, bool]] = [(root, "", False)]
    while stack:
        node, context, container = stack.pop()
        if (id(node), container) in seen:
            continue
        seen.add((id(node), container))
        prefix = context + "." if context else ""
        children: list[tuple[Node, str, bool]] = []
        if isinstance(node, dict):
            keys = merged(node)
            if container:
                image = keys.get("image")
                if (
                    isinstance(image, ScalarEvent)
                    and not is_null(image)
                    and id(image) not in reported
                    and "{{" not in image.value
                ):
                    reported.add(id(image))
                    found.append(doc.occurrence(image, prefix + "image"))
            kind = keys.get("kind")
            skip_data = isinstance(kind, ScalarEvent) and kind.value in _DATA_KINDS
            for key, value in keys.items():
                if isinstance(value, ScalarEvent) or key == "metadata":
                    continue
                if skip_data and key in _DATA_KEYS:
                    continue
                if isinstance(value, list) and key in CONTAINER_LISTS:
                    for index, item in enumerate(value):
                        if isinstance(item, dict):
                            children.append((item, f"{prefix}{key}[{index}]", True))
                else:
                    children.append((value, prefix + key, key in CONTAINER_KEYS))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                if not isinstance(item, ScalarEvent):
                    children.append((item, f"{context}[{index}]", False))
        # Reversed, so that nodes are visited in document order and a node named by
        # an alias gets the context of its first use.
        stack.extend(reversed(children))
    # What skaffold builds or kustomize rewrites here is not this manifest's to pin.
    return drop_owned(doc.project, doc.path, found)
