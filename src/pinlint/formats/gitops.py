"""Flux ``HelmRelease`` and Argo CD ``Application``: values and image overrides inline.

- ``HelmRelease`` (``helm.toolkit.fluxcd.io``, and Flux v1's Helm Operator
  ``helm.fluxcd.io``, first ``flux.weave.works``): ``spec.values`` holds Helm values;
- ``Application`` (``argoproj.io``; ``ApplicationSet`` through ``spec.template``):
  ``spec.source.helm.valuesObject`` (and each of ``spec.sources``) holds Helm values,
  ``spec.source.helm.values`` the same as a YAML string, and
  ``spec.source.kustomize.images`` Kustomize overrides written ``name=ref`` or ``ref``.

The values are read as a chart's values are (:func:`pinlint.formats.helm.values_occurrences`),
with no chart at hand: an empty tag has no ``appVersion`` to fall back to, and is left
to the chart.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats.helm import values_occurrences
from pinlint.formats.yamltree import is_null, iter_documents, locate, merged
from pinlint.model import Occurrence, ParseError, Split

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def sniff(root: dict[str, Node]) -> bool:
    kind = _scalar(root.get("kind"))
    version = _scalar(root.get("apiVersion"))
    if kind is None or version is None:
        return False
    if kind.value == "HelmRelease":
        return version.value.startswith(
            ("helm.toolkit.fluxcd.io/", "helm.fluxcd.io/", "flux.weave.works/")
        )
    return kind.value in ("Application", "ApplicationSet") and version.value.startswith(
        "argoproj.io/"
    )


def scan_document(doc: Document) -> list[Occurrence]:
    root = doc.root
    spec = root.get("spec")
    if not isinstance(spec, dict):
        return []
    spec = merged(spec)
    found: list[Occurrence] = []
    kind = _scalar(root.get("kind"))
    if kind is not None and kind.value == "HelmRelease":
        values = spec.get("values")
        if isinstance(values, dict):
            found += values_occurrences(doc.path, doc.text, doc.bom, merged(values), None)
        return found
    if kind is not None and kind.value == "ApplicationSet":
        template = spec.get("template")
        inner = merged(template).get("spec") if isinstance(template, dict) else None
        if not isinstance(inner, dict):
            return found
        spec = merged(inner)
    sources: list[Node] = []
    if isinstance(spec.get("source"), dict):
        sources.append(spec["source"])
    if isinstance(spec.get("sources"), list):
        sources += [s for s in spec["sources"] if isinstance(s, dict)]  # type: ignore[union-attr]
    for source in sources:
        assert isinstance(source, dict)
        source = merged(source)
        helm = source.get("helm")
        if isinstance(helm, dict):
            helm = merged(helm)
            values = helm.get("valuesObject")
            if isinstance(values, dict):
                found += values_occurrences(doc.path, doc.text, doc.bom, merged(values), None)
            text_values = _scalar(helm.get("values"))
            if text_values is not None:
                found += _embedded(doc, text_values)
        kustomize = source.get("kustomize")
        if isinstance(kustomize, dict):
            images = merged(kustomize).get("images")
            if isinstance(images, list):
                for index, item in enumerate(images):
                    occ = _override(doc, _scalar(item), f"spec.source.kustomize.images[{index}]")
                    if occ is not None:
                        found.append(occ)
    found.sort(key=lambda o: o.start)
    return found


def _override(doc: Document, node: ScalarEvent | None, context: str) -> Occurrence | None:
    """``name=ref`` (or ``ref``) of Argo CD's kustomize images: the ``ref`` part."""
    if node is None:
        return None
    span = locate(doc.text, doc.bom, node)
    if not span.verbatim:
        return None
    value = node.value
    offset = value.find("=") + 1
    ref = value[offset:]
    if not ref:
        return None
    start = span.start + offset
    return Occurrence(
        path=doc.path,
        start=start,
        end=span.end,
        line=span.line,
        column=span.column + offset,
        written=ref,
        image=ref,
        context=context,
    )


def _embedded(doc: Document, node: ScalarEvent) -> list[Occurrence]:
    """Helm values written as a YAML string (a ``|`` block): read, and placed back."""
    if node.style != "|":
        return []
    span = locate(doc.text, doc.bom, node)
    text = doc.text
    content_start = text.rfind("\n", 0, span.start) + 1
    indent = span.start - content_start
    # Offsets of each line of the value in the file: same lines, ``indent`` further in.
    line_starts: list[int] = []
    pos = content_start
    for _ in node.value.split("\n"):
        line_starts.append(pos)
        newline = text.find("\n", pos)
        pos = len(text) if newline == -1 or newline > span.end else newline + 1
    value = node.value
    value_starts = [0]
    for index, char in enumerate(value):
        if char == "\n":
            value_starts.append(index + 1)

    def where(offset: int) -> tuple[int, int, int]:
        line = 0
        while line + 1 < len(value_starts) and value_starts[line + 1] <= offset:
            line += 1
        column = offset - value_starts[line]
        return line_starts[line] + indent + column, line, column

    try:
        roots = [r for r in iter_documents(value) if isinstance(r, dict)]
    except ParseError:
        return []
    found: list[Occurrence] = []
    first_line = text.count("\n", 0, content_start) + 1
    for root in roots:
        for occ in values_occurrences(doc.path, value, 0, merged(root), None):
            start, line, column = where(occ.start)
            end = start + (occ.end - occ.start)
            if text[start:end] != occ.written:
                continue  # not laid out line for line: leave it
            split = occ.split
            if split is not None and split.digest is not None:
                dstart = where(split.digest[0])[0]
                split = Split(
                    split.name,
                    (dstart, dstart + split.digest[1] - split.digest[0]),
                    split.digest_text,
                    split.tag_text,
                )
            found.append(
                Occurrence(
                    path=doc.path,
                    start=start,
                    end=end,
                    line=first_line + line,
                    column=indent + column + 1,
                    written=occ.written,
                    image=occ.image,
                    context="spec.source.helm.values:" + occ.context,
                    split=split,
                )
            )
    return found
