"""Operator bundles: OLM ``ClusterServiceVersion`` documents.

A CSV names the images of an operator four ways: ``spec.relatedImages[].image`` (what
a disconnected mirror must copy), the pod specs of the deployments inside
``spec.install.spec.deployments`` (read as any Kubernetes pod spec is), the values of
their containers' ``RELATED_IMAGE_*`` environment variables (the images the operator
deploys, by the Operator SDK's convention), and the
``metadata.annotations.containerImage`` the catalog shows.  The annotation is the one
place under ``metadata`` that holds a reference.

A ``CatalogSource`` (``operators.coreos.com``) names the index image of a catalog in
``spec.image``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats import kubernetes, parts
from pinlint.formats.yamltree import is_null, merged
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]


def sniff(root: dict[str, Node]) -> bool:
    kind = root.get("kind")
    version = root.get("apiVersion")
    return (
        kind is not None
        and version is not None
        and not isinstance(kind, (dict, list))
        and not isinstance(version, (dict, list))
        and kind.value in ("ClusterServiceVersion", "CatalogSource")
        and version.value.startswith("operators.coreos.com/")
    )


def scan_document(doc: Document) -> list[Occurrence]:
    """The images of one ClusterServiceVersion."""
    path, text, bom, root = doc.path, doc.text, doc.bom, doc.root
    found = kubernetes.scan_document(doc)
    seen = {(o.start, o.end) for o in found}

    def add(node: Node | None, context: str) -> None:
        if node is None or isinstance(node, (dict, list)) or is_null(node):
            return
        occ = parts.whole(path, text, bom, node, context)
        if (occ.start, occ.end) not in seen:
            seen.add((occ.start, occ.end))
            found.append(occ)

    kind = root.get("kind")
    if kind is not None and not isinstance(kind, (dict, list)) and kind.value == "CatalogSource":
        spec = root.get("spec")
        if isinstance(spec, dict):
            add(merged(spec).get("image"), "spec.image")
        found.sort(key=lambda o: o.start)
        return found
    metadata = root.get("metadata")
    if isinstance(metadata, dict):
        annotations = merged(metadata).get("annotations")
        if isinstance(annotations, dict):
            add(merged(annotations).get("containerImage"), "metadata.annotations.containerImage")
    spec = root.get("spec")
    if isinstance(spec, dict):
        related = merged(spec).get("relatedImages")
        if isinstance(related, list):
            for index, item in enumerate(related):
                if isinstance(item, dict):
                    add(merged(item).get("image"), f"spec.relatedImages[{index}].image")
        for node, context in _related_env(merged(spec)):
            add(node, context)
    found.sort(key=lambda o: o.start)
    return found


def _items(node: Node | None) -> list[dict[str, Node]]:
    return [merged(i) for i in node if isinstance(i, dict)] if isinstance(node, list) else []


def _get(node: Node | None, *keys: str) -> Node | None:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = merged(node).get(key)
    return node


def _related_env(spec: dict[str, Node]) -> list[tuple[Node, str]]:
    """The ``RELATED_IMAGE_*`` env values of the containers of the CSV's deployments."""
    found: list[tuple[Node, str]] = []
    deployments = _get(spec, "install", "spec", "deployments")
    for d, deployment in enumerate(_items(deployments)):
        pod = _get(deployment, "spec", "template", "spec")
        for key in ("initContainers", "containers"):
            for c, container in enumerate(_items(_get(pod, key))):
                for e, env in enumerate(_items(container.get("env"))):
                    name = env.get("name")
                    if (
                        name is None
                        or isinstance(name, (dict, list))
                        or not name.value.startswith("RELATED_IMAGE_")
                    ):
                        continue
                    value = env.get("value")
                    if value is not None:
                        where = f"spec.install.spec.deployments[{d}].{key}[{c}].env[{e}].value"
                        found.append((value, where))
    return found
