"""One module per file format, each with the same interface::

    def scan(path: str, text: str, options: ScanOptions) -> list[Occurrence]

``text`` is the decoded file (a BOM kept as character 0).  A format module raises
``pinlint.model.ParseError`` for a file it cannot parse and knows nothing of rules,
registries or fixing.
"""

from __future__ import annotations


class ScanOptions:
    """What a scan needs besides the text (a plain class: no ``dataclasses`` import)."""

    __slots__ = ("build_args",)

    def __init__(self, build_args: dict[str, str] | None = None) -> None:
        # ``--build-arg KEY=VALUE``: overrides Dockerfile ARG defaults, as docker build does.
        self.build_args: dict[str, str] = build_args if build_args is not None else {}
