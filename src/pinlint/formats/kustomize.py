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
whose name every overlay that builds the manifest rewrites with ``newTag`` or ``digest``
(itself or through a kustomization it includes) is not the manifest's to pin (a base's
``image: controller`` placeholder); an overlay that leaves it alone deploys it as
written, and it is reported.  A Component's entries and patches apply to all the
kustomization including it builds.  Patch files (``patchesStrategicMerge``, ``patches``) are
built like resources, and a strategic-merge patch that gives a container another image
replaces the manifest's (:func:`overridden`).  A kustomization
includes what its ``resources``, ``bases`` and ``components`` name, through directories
(their kustomization) at any depth; the kustomizations known are those discovery found
in this run.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import (
    is_null,
    iter_documents,
    locate,
    mappings,
    merged,
    occurrence,
)
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = [
    "NAMES",
    "built_files",
    "claim",
    "containers",
    "overridden",
    "rewritten",
    "scan_document",
    "sniff",
]

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
        return occurrence(path, text, bom, digest, context, image=image)
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
    __slots__ = ("components", "entries", "patched", "resources")

    def __init__(self) -> None:
        self.resources: list[str] = []  # absolute, normalised paths (files or directories)
        self.components: list[str] = []  # the ``components`` among them
        self.entries: dict[str, bool] = {}  # image name -> whether it sets tag or digest
        # strategic-merge patches: (kind, name) -> {container name: the image it sets}
        self.patched: dict[tuple[str, str], dict[str, str]] = {}


def _patch_documents(k: _Kustomization, text: str) -> None:
    """Record the container images the strategic-merge patches of ``text`` set."""
    try:
        roots = [r for r in iter_documents(text) if isinstance(r, dict)]
    except ParseError:
        return
    for root in roots:
        root = merged(root)
        kind = _scalar(root.get("kind"))
        metadata = root.get("metadata")
        name = _scalar(merged(metadata).get("name")) if isinstance(metadata, dict) else None
        if kind is None or name is None:
            continue
        images = dict(containers(root))
        if images:
            k.patched.setdefault((kind.value, name.value), {}).update(images)


def containers(root: Node) -> list[tuple[str, str]]:
    """(name, image) of the containers and init containers of a manifest."""
    out: list[tuple[str, str]] = []
    stack: list[tuple[Node, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > _MAX_DEPTH * 4:
            continue
        if isinstance(node, list):
            stack += [(item, depth + 1) for item in node]
        elif isinstance(node, dict):
            for key, value in merged(node).items():
                if key in ("containers", "initContainers") and isinstance(value, list):
                    for item in mappings(value):
                        name = _scalar(item.get("name"))
                        image = _scalar(item.get("image"))
                        if name is not None and image is not None:
                            out.append((name.value, image.value))
                elif key != "metadata" and isinstance(value, (dict, list)):
                    stack.append((value, depth + 1))
    return out


def _read(project: Project, path: str) -> _Kustomization:
    text = project.read_beside(path, os.path.basename(path))
    k = _Kustomization()
    if text is None:
        return k
    directory = os.path.dirname(os.path.abspath(path))
    try:
        roots = [r for r in iter_documents(text) if isinstance(r, dict)]
    except ParseError:
        return k
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
                target = os.path.normpath(os.path.join(directory, value.value))
                k.resources.append(target)
                if key == "components":
                    k.components.append(target)
        # Patches: their files are built like resources (an ``images:`` entry rewrites
        # what a patch sets), and a strategic-merge patch replaces a base's image.
        patch_files: list[str] = []
        inline: list[str] = []
        legacy = root.get("patchesStrategicMerge")
        if isinstance(legacy, list):
            for item in legacy:
                value = _scalar(item)
                if value is not None:
                    (inline if "\n" in value.value else patch_files).append(value.value)
        for item in mappings(root.get("patches")):
            file = _scalar(item.get("path"))
            if file is not None:
                patch_files.append(file.value)
            body = _scalar(item.get("patch"))
            if body is not None:
                inline.append(body.value)
        for file_name in patch_files:
            if "://" in file_name:
                continue
            target = os.path.normpath(os.path.join(directory, file_name))
            k.resources.append(target)
            patch_text = project.read_beside(target, os.path.basename(target))
            if patch_text is not None:
                _patch_documents(k, patch_text)
        for body_text in inline:
            _patch_documents(k, body_text)
        for entry in mappings(root.get("images")):
            name = _scalar(entry.get("name"))
            if name is None:
                continue
            sets = _scalar(entry.get("newTag")) is not None or (
                _scalar(entry.get("digest")) is not None
            )
            k.entries[name.value] = k.entries.get(name.value, False) or sets
    return k


class _Tree:
    __slots__ = ("by_dir", "overrides", "reach", "rewrites")

    def __init__(self) -> None:
        self.by_dir: dict[str, str] = {}  # folder -> its kustomization
        self.reach: dict[str, set[str]] = {}  # kustomization -> files it builds
        self.rewrites: dict[str, set[str]] = {}  # manifest -> names pinned for it
        # manifest -> (kind, name) -> {container: image a patch sets}
        self.overrides: dict[str, dict[tuple[str, str], dict[str, str]]] = {}


def _model(project: Project) -> _Tree:
    """Which manifests each kustomization builds, the image names an including
    kustomization pins for each manifest, and the images patches set there."""
    tree = _Tree()
    known: dict[str, _Kustomization] = {}
    for path in project.files("kustomize"):
        absolute = os.path.normpath(os.path.abspath(path))
        known[absolute] = _read(project, path)
        tree.by_dir.setdefault(os.path.dirname(absolute), absolute)
    reached = tree.reach

    def files_of(kustomization: str, depth: int, seen: set[str]) -> set[str]:
        if kustomization in reached:
            return reached[kustomization]
        if depth > _MAX_DEPTH or kustomization in seen:
            return set()
        seen.add(kustomization)
        out: set[str] = set()
        for resource in known[kustomization].resources:
            inner = tree.by_dir.get(resource)
            if inner is not None:
                out |= files_of(inner, depth + 1, seen)
            else:
                out.add(resource)
        reached[kustomization] = out
        return out

    for kustomization in known:
        files = files_of(kustomization, 0, set())
        for applied in _with_components(tree, known, kustomization):
            for manifest in files:
                for key, images in known[applied].patched.items():
                    tree.overrides.setdefault(manifest, {}).setdefault(key, {}).update(images)
    _pinned_by_every_root(tree, known)
    return tree


def _with_components(tree: _Tree, known: dict[str, _Kustomization], top: str) -> list[str]:
    """``top`` and the components it includes (theirs too): a component's ``images`` and
    patches apply to everything the kustomization including it builds."""
    out, todo = [top], list(known[top].components)
    while todo and len(out) <= _MAX_DEPTH:
        inner = tree.by_dir.get(todo.pop())
        if inner is not None and inner not in out:
            out.append(inner)
            todo += known[inner].components
    return out


def _pinned_by_every_root(tree: _Tree, known: dict[str, _Kustomization]) -> None:
    """A manifest's image name is rewritten when every top kustomization that builds the
    manifest (one no other includes: an overlay) pins it, itself or through a
    kustomization it includes on the way: an overlay that leaves a base's placeholder
    alone deploys it as written.  Manifests only a cycle reaches take any pin."""
    children: dict[str, list[str]] = {}
    included: set[str] = set()
    for kustomization, model in known.items():
        inner = [tree.by_dir[r] for r in model.resources if r in tree.by_dir]
        children[kustomization] = [k for k in inner if k != kustomization]
        included.update(children[kustomization])
    own = {k: {n for n, sets in m.entries.items() if sets} for k, m in known.items()}
    pinned = {k: set().union(*(own[c] for c in _with_components(tree, known, k))) for k in known}
    per_root: dict[str, list[set[str]]] = {}  # manifest -> the names each root pins there
    for root in known:
        if root in included:
            continue
        closure, todo = {root}, [(root, 0)]
        while todo:
            current, depth = todo.pop()
            if depth >= _MAX_DEPTH:
                continue
            for child in children[current]:
                if child not in closure:
                    closure.add(child)
                    todo.append((child, depth + 1))
        names: dict[str, set[str]] = {}
        for kustomization in closure:
            for manifest in tree.reach.get(kustomization, ()):
                names.setdefault(manifest, set()).update(pinned[kustomization])
        for manifest, these in names.items():
            per_root.setdefault(manifest, []).append(these)
    for manifest, sets in per_root.items():
        common = set.intersection(*sets)
        if common:
            tree.rewrites[manifest] = common
    for kustomization in known:
        if pinned[kustomization]:
            for manifest in tree.reach.get(kustomization, ()):
                if manifest not in per_root:
                    tree.rewrites.setdefault(manifest, set()).update(pinned[kustomization])


def _tree(project: Project) -> _Tree:
    return project.fact(("kustomize", "model"), lambda: _model(project))


def rewritten(project: Project, path: str) -> frozenset[str]:
    """The image names (as the manifest writes them) that kustomizations of the tree
    rewrite with a tag or digest in the manifest ``path``."""
    if not project.files("kustomize"):
        return frozenset()
    return frozenset(_tree(project).rewrites.get(os.path.normpath(os.path.abspath(path)), ()))


def overridden(project: Project, path: str) -> dict[tuple[str, str], dict[str, str]]:
    """(kind, name) -> {container: image} that strategic-merge patches of kustomizations
    including the manifest ``path`` set: the manifest's own image there is replaced."""
    if not project.files("kustomize"):
        return {}
    return _tree(project).overrides.get(os.path.normpath(os.path.abspath(path)), {})


def built_files(project: Project, directory: str) -> frozenset[str]:
    """The files (absolute, normalised) the kustomization in ``directory`` builds, at
    any depth."""
    if not project.files("kustomize"):
        return frozenset()
    tree = _tree(project)
    kustomization = tree.by_dir.get(directory)
    return frozenset(tree.reach.get(kustomization, ())) if kustomization else frozenset()
