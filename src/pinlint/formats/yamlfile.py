"""YAML files: parsed once, each document handed to the YAML source it belongs to.

A generic ``*.yml``/``*.yaml`` file (kind ``yaml``) is read by content: each mapping
document goes to the first YAML source of :data:`pinlint.formats.SOURCES` whose
``sniff(root)`` accepts it (a Kubernetes manifest has ``apiVersion`` and ``kind``, a
compose file top-level ``services``), unless the file's name is a source's ``hint``
(``compose.yaml``): then that source takes every document.  A YAML file claimed by name
(kind of its source) goes to its source whole (:func:`scan_claimed`).

The tree, spans and scalar helpers are :mod:`pinlint.formats.yamltree`; this module only
dispatches, and imports the sources through the registry, never by name.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from pinlint import formats
from pinlint.formats import ScanOptions, Source
from pinlint.formats.project import Project
from pinlint.formats.yamltree import Document, iter_documents
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Node

Pick = Callable[["dict[str, Node]"], "ModuleType | None"]

__all__ = ["scan", "scan_claimed"]


def scan(
    path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """Image references of every document of a generic YAML file."""
    sniffers = [s for s in formats.SOURCES if s.reader == formats.YAML and s.sniff]
    slash = path.replace("\\", "/")
    name = slash.rsplit("/", 1)[-1]
    lower = name.lower()
    hinted = next((s for s in sniffers if s.hint is not None and s.hint(name, lower, slash)), None)
    if hinted is not None:
        return scan_claimed(hinted, path, text, options, project)
    # A file without any word a source needs cannot name an image where one looks:
    # skip the parse, which is most of the cost of a YAML file.
    sniffers = [s for s in sniffers if not s.needs or any(w in text for w in s.needs)]
    if not sniffers:
        return []
    modules = [formats.load(s) for s in sniffers]
    return _scan_documents(path, text, options, project, lambda root: _first(modules, root))


def scan_claimed(
    entry: Source, path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """Image references of a YAML file that ``entry`` claims: all its mapping documents."""
    if entry.needs and not any(w in text for w in entry.needs):
        return []
    module = formats.load(entry)
    return _scan_documents(path, text, options, project, lambda root: module)


def _first(modules: list[ModuleType], root: dict[str, Node]) -> ModuleType | None:
    for module in modules:
        if module.sniff(root):
            return module
    return None


def _scan_documents(
    path: str,
    text: str,
    options: ScanOptions,
    project: Project | None,
    pick: Pick,
) -> list[Occurrence]:
    if project is None:
        project = Project()
    bom = 1 if text.startswith("\ufeff") else 0
    found: list[Occurrence] = []
    try:
        for root in iter_documents(text):
            if not isinstance(root, dict):
                continue
            module = pick(root)
            if module is not None:
                found += module.scan_document(Document(path, text, bom, root, options, project))
    except ParseError:
        # Helm chart templates (and other Go templates) are not YAML until rendered: a
        # file that uses ``{{`` and does not parse is one of them, not a broken file.
        # One that does parse (Argo Workflows write ``{{inputs.parameters.x}}`` in
        # plain YAML) is scanned, and the Kubernetes rules skip values with ``{{``.
        if "{{" in text:
            return []
        raise
    found.sort(key=lambda o: o.start)
    return found
