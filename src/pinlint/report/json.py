"""``--format json``: an array of findings, the fields of ``Finding.as_dict``."""

from __future__ import annotations

import json
from collections.abc import Sequence

from pinlint.model import Finding


def render(findings: Sequence[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (f.path, f.line, f.column, f.rule))
    return json.dumps([f.as_dict() for f in ordered], indent=2, ensure_ascii=False) + "\n"
