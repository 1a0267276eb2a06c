"""``--format json``: an array of findings, the fields of ``Finding.as_dict``."""

from __future__ import annotations

from collections.abc import Sequence

from pinlint.model import Finding
from pinlint.report.escape import json_dumps


def render(findings: Sequence[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule))
    # Lossless (a reader gets every path back, a non-UTF-8 name too) and safe to print:
    # control characters, separators and surrogates are \u escapes.
    return json_dumps([f.as_dict() for f in ordered]) + "\n"
