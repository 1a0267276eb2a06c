"""Kustomize: ``images:`` entries, and which manifests they rewrite.

A kustomization (``kustomization.yaml``, ``kustomization.yml``, ``Kustomization``)
rewrites the images of the resources it builds::

    images:
    - name: ghcr.io/kubeflow/kfp-api-server   # the name as the manifests write it
      newName: ghcr.io/acme/kfp-api-server    # optional
      newTag: master                          # the tag they get
      digest: sha256:...                      # or the digest (wins over newTag)

An entry with ``newTag`` is a reference written in parts: its finding is at ``newTag``
and ``--fix`` makes the tag exact and adds a ``digest:`` line after it.  An entry with
``digest`` is pinned.  An entry with neither only renames: the tag stays the manifest's.

One model of the tree answers the other direction (:func:`rewritten`): a manifest image
whose name an including kustomization rewrites with ``newTag`` or ``digest`` is not the
manifest's to pin (a base's ``image: controller`` placeholder).  A kustomization
includes what its ``resources``, ``bases`` and ``components`` name, through directories
(their kustomization) at any depth; the kustomizations known are those discovery found
in this run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import is_null, iter_documents, locate, merged
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = ["NAMES", "claim", "rewritten", "scan_document", "sniff"]

NAMES = ("kustomization.yaml", "kustomization.yml", "kustomization")
# A chain of kustomizations including each other is at most this deep.
_MAX_DEPTH = 32


def claim(name: str, lower: str, path: str) -> bool:
    return name in ("kustomization.yaml", "kustomization.yml", "Kustomization")


def sniff(root: dict[str, Node]) -> bool:
    version = root.get("apiVersion")
    kind = root.get("kind")
    return (
        version is not None
        and kind is not None
        and not isinstance(version, (dict, list))
        and not isinstance(kind, (dict, list))
        and version.value.startswith("kustomize.config.k8s.io/")
        and kind.value in ("Kustomization", "Component")
    )


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def scan_document(doc: Document) -> list[Occurrence]:
    """The references of the ``images:`` entries of one kustomization."""
    images = doc.root.get("images")
    found: list[Occurrence] = []
    if not isinstance(images, list):
        return found
    for index, entry in enumerate(images):
        if isinstance(entry, dict):
            occ = entry_occurrence(doc.path, doc.text, doc.bom, merged(entry), f"images[{index}]")
            if occ is not None:
                found.append(occ)
    return found


def entry_occurrence(
    path: str, text: str, bom: int, entry: dict[str, Node], context: str
) -> Occurrence | None:
    """The reference an ``images:`` entry sets, placed at its tag (or digest)."""
    name = _scalar(entry.get("name"))
    if name is None:
        return None
    target = _scalar(entry.get("newName")) or name
    tag = _scalar(entry.get("newTag"))
    digest = _scalar(entry.get("digest"))
    if digest is not None:
        image = target.value + (f":{tag.value}" if tag is not None else "") + "@" + digest.value
        span = locate(text, bom, digest)
        return Occurrence(
            path=path,
            start=span.start,
            end=span.end,
            line=span.line,
            column=span.column,
            written=text[span.start : span.end],
            image=image,
            context=context,
        )
    if tag is None:
        return None
    pieces = [parts.literal(target.value + ":"), parts.Piece(tag.value, tag)]
    slot = _digest_slot(text, bom, tag)
    return parts.compose(
        path,
        text,
        bom,
        pieces,
        context,
        anchor=tag,
        digest=slot[0] if slot else None,
        digest_text=slot[1] if slot else "{digest}",
    )


def _digest_slot(text: str, bom: int, tag: ScalarEvent) -> tuple[tuple[int, int], str] | None:
    """Where a ``digest`` goes: a line after the ``newTag`` line, indented like it; in a
    flow mapping (``{name: x, newTag: y}``), right after the tag."""
    if tag.style in ("|", ">"):
        return None
    span = locate(text, bom, tag)
    line_start = text.rfind("\n", 0, span.start) + 1
    head = text[line_start : span.start]
    if not head.rstrip(" '\"").endswith("newTag:"):
        return None
    if "{" in head:
        end = span.end + (1 if tag.style in ("'", '"') else 0)
        return (end, end), ", digest: {digest}"
    indent = len(head) - len(head.lstrip(" "))
    if head.lstrip(" ").startswith("- "):
        indent += 2
    end = text.find("\n", span.end)
    if end == -1:
        end = len(text)
        newline = "\r\n" if "\r\n" in text else "\n"
    else:
        newline = "\r\n" if text[end - 1 : end] == "\r" else "\n"
        if newline == "\r\n":
            end -= 1
    return (end, end), f"{newline}{' ' * indent}digest: {{digest}}"


# -- the model of the tree -----------------------------------------------------------


class _Kustomization:
    __slots__ = ("entries", "resources")

    def __init__(self, resources: list[str], entries: dict[str, bool]) -> None:
        self.resources = resources  # absolute, normalised paths (files or directories)
        self.entries = entries  # image name -> whether the entry sets the tag or digest


def _read(project: Project, path: str) -> _Kustomization:
    text = project.read_beside(path, os.path.basename(path))
    resources: list[str] = []
    entries: dict[str, bool] = {}
    if text is None:
        return _Kustomization(resources, entries)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        roots = [r for r in iter_documents(text) if isinstance(r, dict)]
    except ParseError:
        return _Kustomization(resources, entries)
    for root in roots:
        root = merged(root)
        for key in ("resources", "bases", "components"):
            items = root.get(key)
            if not isinstance(items, list):
                continue
            for item in items:
                value = _scalar(item)
                if value is None or "://" in value.value or value.value.startswith("github.com/"):
                    continue
                resources.append(os.path.normpath(os.path.join(directory, value.value)))
        images = root.get("images")
        if isinstance(images, list):
            for entry in images:
                if not isinstance(entry, dict):
                    continue
                entry = merged(entry)
                name = _scalar(entry.get("name"))
                if name is None:
                    continue
                sets = _scalar(entry.get("newTag")) is not None or (
                    _scalar(entry.get("digest")) is not None
                )
                entries[name.value] = entries.get(name.value, False) or sets
    return _Kustomization(resources, entries)


def _model(project: Project) -> dict[str, set[str]]:
    """Manifest path (absolute) -> the image names some including kustomization pins."""
    known: dict[str, _Kustomization] = {}
    by_dir: dict[str, str] = {}
    for path in project.files("kustomize"):
        absolute = os.path.normpath(os.path.abspath(path))
        known[absolute] = _read(project, path)
        by_dir.setdefault(os.path.dirname(absolute), absolute)
    reached: dict[str, set[str]] = {}

    def files_of(kustomization: str, depth: int, seen: set[str]) -> set[str]:
        if kustomization in reached:
            return reached[kustomization]
        if depth > _MAX_DEPTH or kustomization in seen:
            return set()
        seen.add(kustomization)
        out: set[str] = set()
        for resource in known[kustomization].resources:
            inner = by_dir.get(resource)
            if inner is not None:
                out |= files_of(inner, depth + 1, seen)
            else:
                out.add(resource)
        reached[kustomization] = out
        return out

    rewrites: dict[str, set[str]] = {}
    for kustomization, model in known.items():
        pinned = {name for name, sets in model.entries.items() if sets}
        if not pinned:
            continue
        for manifest in files_of(kustomization, 0, set()):
            rewrites.setdefault(manifest, set()).update(pinned)
    return rewrites


def rewritten(project: Project, path: str) -> frozenset[str]:
    """The image names (as the manifest writes them) that kustomizations of the tree
    rewrite with a tag or digest in the manifest ``path``."""
    if not project.files("kustomize"):
        return frozenset()
    model = project.fact(("kustomize", "model"), lambda: _model(project))
    return frozenset(model.get(os.path.normpath(os.path.abspath(path)), ()))
