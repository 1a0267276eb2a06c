"""One module per file format, each with the same interface::

    def scan(path: str, text: str, options: ScanOptions) -> list[Occurrence]

``text`` is the decoded file (a BOM kept as character 0).  A format module raises
``pinlint.model.ParseError`` for a file it cannot parse and knows nothing of rules,
registries or fixing.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class ScanOptions:
    # ``--build-arg KEY=VALUE``: overrides Dockerfile ARG defaults, as docker build does.
    build_args: dict[str, str] = dataclasses.field(default_factory=dict)
