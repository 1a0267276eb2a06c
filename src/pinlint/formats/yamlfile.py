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

import re
from types import ModuleType
from typing import Any

from pinlint import formats
from pinlint.formats import Project, ScanOptions, Source
from pinlint.formats.yamltree import Document, blank_documents, iter_documents
from pinlint.model import Occurrence, ParseError

__all__ = ["scan", "scan_claimed", "scan_part"]


class _Plan:
    """The YAML sources of the registry, worked out once per registry (not per file)."""

    __slots__ = ("all_need", "hinted", "needs", "registry", "sniffers", "words")

    def __init__(self, registry: tuple[Source, ...]) -> None:
        self.registry = registry
        entries = [s for s in registry if s.reader == formats.YAML and s.sniff]
        self.hinted = [s for s in entries if s.hint is not None]
        self.sniffers = [(formats.load(s), frozenset(s.needs)) for s in entries]
        # The words each sniffing module needs, to skip the documents that hold none; a
        # module that one of its sources reads without a word needs none.
        self.needs: dict[ModuleType, frozenset[str]] = {}
        for module, needs in self.sniffers:
            known = self.needs.get(module, needs)
            self.needs[module] = known | needs if known and needs else frozenset()
        # Every word any sniffing source needs, each looked for once per file; when every
        # source needs one, a file with none of them is not parsed.
        self.words = tuple(sorted({w for s in entries for w in s.needs}))
        self.all_need = all(s.needs for s in entries)


_PLAN: list[_Plan] = []


def _plan() -> _Plan:
    registry = formats.SOURCES
    if not _PLAN or _PLAN[0].registry is not registry:
        _PLAN[:] = [_Plan(registry)]
    return _PLAN[0]


def scan(
    path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """Image references of every document of a generic YAML file."""
    chosen = _readers(path, text)
    if chosen is None:
        return []
    modules, claimed = chosen
    return _scan_documents(path, text, options, project, modules, claimed)


def scan_part(
    path: str,
    text: str,
    start: int,
    end: int,
    options: ScanOptions,
    project: Project | None = None,
) -> list[Occurrence]:
    """:func:`scan` of the whole documents written in ``text[start:end]`` (it starts at
    a line that starts a document), with the sources chosen on the whole ``text``:
    offsets and lines are those of the part.  A big multi-document file is scanned in
    parts by several processes (:mod:`pinlint.lint`)."""
    if _LAST_WHOLE and _LAST_WHOLE[0] is text and _LAST_WHOLE[1] == path:
        chosen = _LAST_WHOLE[2]
    else:
        chosen = _readers(path, text)
        # Each part of one file asks again: the words are looked up in the whole text once.
        _LAST_WHOLE[:] = [text, path, chosen]
    if chosen is None:
        return []
    modules, claimed = chosen
    part = text[start:end]
    return _scan_documents(path, part, options, project, modules, claimed, whole=False)


_LAST_WHOLE: list[Any] = []

# ``kind: pipeline`` at the start of a line: a Drone pipeline document (Kubernetes and
# Tekton kinds are capitalised).
_DRONE_PIPELINE = re.compile(r"^kind:[ \t]*['\"]?pipeline['\"]?[ \t]*\r?$", re.M)


def _readers(path: str, text: str) -> tuple[list[ModuleType], bool] | None:
    """The sources that may read a generic YAML file, and whether the first one claims
    every document (its name is the source's hint); None when none can find anything."""
    plan = _plan()
    if plan.hinted:
        slash = path.replace("\\", "/")
        name = slash.rsplit("/", 1)[-1]
        lower = name.lower()
        for entry in plan.hinted:
            assert entry.hint is not None
            if entry.hint(name, lower, slash):
                if entry.needs and not any(w in text for w in entry.needs):
                    return None
                return [formats.load(entry)], True
    # A file without any word a source needs cannot name an image where one looks:
    # skip the parse, which is most of the cost of a YAML file.
    present = {w for w in plan.words if w in text}
    if not present and plan.all_need:
        return None
    modules = [m for m, needs in plan.sniffers if not needs or not needs.isdisjoint(present)]
    if not modules:
        return None
    return modules, False


def scan_claimed(
    entry: Source, path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """Image references of a YAML file that ``entry`` claims: all its mapping documents."""
    if entry.needs and not any(w in text for w in entry.needs):
        return []
    return _scan_documents(path, text, options, project, [formats.load(entry)], claimed=True)


def _fewest(words: set[str]) -> list[str]:
    """``words`` without those that hold another (a text with ``images`` has ``image``),
    ``image`` first: the word most documents that have one have."""
    kept = [w for w in words if not any(o != w and o in w for o in words)]
    return sorted(kept, key=lambda w: (w != "image", w))


def _scan_documents(
    path: str,
    text: str,
    options: ScanOptions,
    project: Project | None,
    modules: list[ModuleType],
    claimed: bool = False,
    whole: bool = True,
) -> list[Occurrence]:
    """Each mapping document to the first module that sniffs it (``claimed``: the one
    module takes them all); ``whole=False`` for a part of a file, whose parse errors
    always propagate (the caller scans the whole file again)."""
    if project is None:
        project = Project()
    bom = 1 if text.startswith("\ufeff") else 0
    found: list[Occurrence] = []
    parsed = text
    if not claimed and "\n---" in text:
        # What holds for a file holds for each of its documents: one without any word
        # its sources need is not parsed (parsing is most of the cost of a big manifest).
        # A YAML error in such a document is not reported, as in such a file.
        needs = _plan().needs
        if all(needs.get(m) for m in modules):
            parsed = blank_documents(text, _fewest({w for m in modules for w in needs[m]}))
    try:
        for root in iter_documents(parsed):
            if not isinstance(root, dict):
                continue
            if claimed:
                module: ModuleType | None = modules[0]
            else:
                module = next((m for m in modules if m.sniff(root)), None)
            if module is not None:
                found += module.scan_document(Document(path, text, bom, root, options, project))
    except ParseError as e:
        # Helm chart templates (and other Go templates) are not YAML until rendered: a
        # file that uses ``{{`` and does not parse is one of them, not a broken file.
        # One that does parse (Argo Workflows write ``{{inputs.parameters.x}}`` in
        # plain YAML) is scanned, and the Kubernetes rules skip values with ``{{``.
        from pinlint.formats.parts import TooLong

        if whole and "{{" in text and not isinstance(e, TooLong):
            # A CI source claimed by name may read such a template's lines as text
            # (Drone's and Woodpecker's Go templates: ``formats.drone.scan_template``).
            template = getattr(modules[0], "scan_template", None) if claimed else None
            if template is None and not claimed and _DRONE_PIPELINE.search(text):
                # A Drone pipeline under another name (``.drone/drone.yml``): a
                # ``kind: pipeline`` line of its own, as the Drone source sniffs it.
                template = formats.load(formats.source("drone")).scan_template
            if template is not None:
                lines: list[Occurrence] = template(path, text, project)
                return lines
            return []
        raise
    found.sort(key=lambda o: o.start)
    return found
