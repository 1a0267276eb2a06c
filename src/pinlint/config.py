"""Settings: defaults, then ``[tool.pinlint]`` / ``.pinlint.toml``, then the command line."""

from __future__ import annotations

import dataclasses


class ConfigError(ValueError):
    """A bad setting: exit 2 with one line."""


PIN_STYLES = ("tag+digest", "digest", "tag")


@dataclasses.dataclass
class Config:
    select: list[str] | None = None  # rule ids or prefixes; None: every rule on by default
    ignore: list[str] = dataclasses.field(default_factory=list)
    require_digest: bool = False
    allow: list[str] = dataclasses.field(default_factory=list)  # fnmatch globs of references
    exclude: list[str] = dataclasses.field(default_factory=list)  # path globs
    exact_tag_patterns: list[str] = dataclasses.field(default_factory=list)  # regexes
    pin_style: str = "tag+digest"
    registry_mirrors: dict[str, str] = dataclasses.field(default_factory=dict)
    insecure_registries: list[str] = dataclasses.field(default_factory=list)
    cache_ttl: float = 3600.0  # seconds
    concurrency: int = 8  # per registry
    no_cache: bool = False
    offline: bool = False
    build_args: dict[str, str] = dataclasses.field(default_factory=dict)
