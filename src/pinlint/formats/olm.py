"""Operator bundles: OLM ``ClusterServiceVersion`` documents.

A CSV names the images of an operator three ways: ``spec.relatedImages[].image`` (what
a disconnected mirror must copy), the pod specs of the deployments inside
``spec.install.spec.deployments`` (read as any Kubernetes pod spec is), and the
``metadata.annotations.containerImage`` the catalog shows.  The annotation is the one
place under ``metadata`` that holds a reference.
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
        and kind.value == "ClusterServiceVersion"
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
    found.sort(key=lambda o: o.start)
    return found
