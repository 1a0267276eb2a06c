"""Helm chart templates: never manifests, but an image written in a line is one.

A file under ``templates/`` of a chart (a ``Chart.yaml`` beside ``templates/``) is a Go
template, not YAML: even when it happens to parse, what it deploys comes from the values
(:mod:`pinlint.formats.helm`).  An image hard-coded in a template line is still a
reference, found by a line scan::

    image: busybox                   # found
    image: "mysql:8.3"               # found
    image: {{ .Values.image }}       # the values' business: skipped
    image: "{{ .Values.repo }}:1.0"  # built by the template: skipped
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from pinlint.formats.owned import drop_owned
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from pinlint.formats import Project, ScanOptions

__all__ = ["claim", "confirm", "scan"]

_LINE = re.compile(
    r"""^[ \t]*(?:-[ \t]+)?image:[ \t]*(?P<q>["']?)(?P<ref>[A-Za-z0-9][A-Za-z0-9._/:@-]*)(?P=q)"""
    r"""[ \t]*(?:\#[^\n]*)?\r?$""",
    re.M,
)


def claim(name: str, lower: str, path: str) -> bool:
    return lower.endswith((".yaml", ".yml")) and (
        "/templates/" in path or path.startswith("templates/")
    )


def _chart_dir(path: str) -> str | None:
    parts = os.path.normpath(path).split(os.sep)
    if "templates" not in parts[:-1]:
        return None
    index = len(parts) - 2 - parts[-2::-1].index("templates")
    return os.sep.join(parts[:index]) or "."


def confirm(path: str, project: Project) -> bool:
    """A ``templates/`` file is a chart's only beside a ``Chart.yaml``."""
    chart = _chart_dir(path)
    if chart is None:
        return False
    return project.read_beside(os.path.join(chart, "Chart.yaml"), "Chart.yaml") is not None


def scan(path: str, text: str, options: ScanOptions, project: Project) -> list[Occurrence]:
    """Images written as plain text in template lines."""
    if "image" not in text:
        return []
    bom = 1 if text.startswith("\ufeff") else 0
    found: list[Occurrence] = []
    for match in _LINE.finditer(text):
        ref = match.group("ref")
        if not any(c.isalpha() for c in ref):
            continue
        start, end = match.span("ref")
        line = text.count("\n", 0, start) + 1
        line_start = text.rfind("\n", 0, start) + 1
        column = start - line_start + 1 - (bom if line == 1 else 0)
        found.append(
            Occurrence(
                path=path,
                start=start,
                end=end,
                line=line,
                column=column,
                written=ref,
                image=ref,
                context="template line",
            )
        )
    return drop_owned(project, path, found)
