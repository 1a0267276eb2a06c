"""Settings: defaults, then ``[tool.pinlint]`` / ``.pinlint.toml``, then the command line."""

from __future__ import annotations

from pinlint.model import Record


class ConfigError(ValueError):
    """A bad setting: exit 2 with one line."""


PIN_STYLES = ("tag+digest", "digest", "tag")


class Config(Record):
    """Every setting, with its default.

    A ``Record``, not a dataclass: the one-file pre-commit run must not pay for importing
    ``dataclasses`` (and ``inspect`` behind it).
    """

    __slots__ = (
        "allow",
        "build_args",
        "cache_ttl",
        "concurrency",
        "default_excludes",
        "exact_tag_patterns",
        "exact_tag_schemes",
        "exclude",
        "ignore",
        "insecure_registries",
        "no_cache",
        "offline",
        "pin_style",
        "registry_mirrors",
        "require_digest",
        "select",
    )

    def __init__(
        self,
        *,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        require_digest: bool = False,
        allow: list[str] | None = None,
        exclude: list[str] | None = None,
        exact_tag_patterns: list[str] | None = None,
        exact_tag_schemes: dict[str, str] | None = None,
        pin_style: str = "tag+digest",
        registry_mirrors: dict[str, str] | None = None,
        insecure_registries: list[str] | None = None,
        cache_ttl: float = 3600.0,
        concurrency: int = 64,
        default_excludes: bool = True,
        no_cache: bool = False,
        offline: bool = False,
        build_args: dict[str, str] | None = None,
    ) -> None:
        # Rule ids or prefixes; None: every rule that is on by default.
        self.select = select
        self.ignore = ignore if ignore is not None else []
        self.require_digest = require_digest
        # fnmatch globs of references never reported.
        self.allow = allow if allow is not None else []
        # Path globs.
        self.exclude = exclude if exclude is not None else []
        # Regexes of tags that count as exact.
        self.exact_tag_patterns = exact_tag_patterns if exact_tag_patterns is not None else []
        # Repository glob -> regex of its exact tags (``exact-tags`` written as a table):
        # extends pinlint.schemes.SCHEMES.
        self.exact_tag_schemes = exact_tag_schemes if exact_tag_schemes is not None else {}
        self.pin_style = pin_style
        self.registry_mirrors = registry_mirrors if registry_mirrors is not None else {}
        self.insecure_registries = insecure_registries if insecure_registries is not None else []
        # Seconds a tag -> digest answer is trusted.
        self.cache_ttl = cache_ttl
        # Requests at once per registry.  Resolving is latency-bound (three requests per
        # reference, two of them in parallel); the requests are HEADs and tag listings,
        # which registries serve cheaply and Docker Hub does not count as pulls.  Measured
        # for 100 references at 50 ms round trip: 8 -> 2.4 s, 32 -> 0.75 s, 64 -> 0.6 s.
        self.concurrency = concurrency
        # Skip third-party trees (pinlint.discover.DEFAULT_EXCLUDES) in directory walks.
        self.default_excludes = default_excludes
        self.no_cache = no_cache
        self.offline = offline
        self.build_args = build_args if build_args is not None else {}

    __hash__ = None  # type: ignore[assignment]  # mutable


# Keys of ``[tool.pinlint]`` / ``.pinlint.toml``, kebab-case as in pyproject.toml, mapped to
# the Config field each one sets.
_KEYS = {
    "select": "select",
    "ignore": "ignore",
    "require-digest": "require_digest",
    "allow": "allow",
    "exclude": "exclude",
    "exact-tags": "exact_tag_patterns",
    "pin-style": "pin_style",
    "registry-mirrors": "registry_mirrors",
    "insecure-registries": "insecure_registries",
    "cache-ttl": "cache_ttl",
    "concurrency": "concurrency",
    "default-excludes": "default_excludes",
    "build-args": "build_args",
}


def find_config(start: str) -> str | None:
    """The nearest ``.pinlint.toml``, or ``pyproject.toml`` with ``[tool.pinlint]``,
    walking up from ``start``."""
    import os

    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    while True:
        candidate = os.path.join(current, ".pinlint.toml")
        if os.path.isfile(candidate):
            return candidate
        candidate = os.path.join(current, "pyproject.toml")
        if os.path.isfile(candidate):
            with open(candidate, "rb") as f:
                if b"[tool.pinlint" in f.read():
                    return candidate
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _check_type(path: str, key: str, value: object, default: object) -> object:
    def bad(what: str) -> ConfigError:
        return ConfigError(f"{path}: {key} must be {what}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
    elif isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise bad("a number of seconds")
        return float(value)
    elif isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise bad("a whole number of at least 1")
    elif isinstance(default, str):
        if not isinstance(value, str):
            raise bad("a string")
    elif isinstance(default, dict):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            raise bad("a table of strings")
    elif not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad("a list of strings")
    return value


def load(path: str) -> Config:
    """Read a config file; every problem is a one-line ConfigError naming the file."""
    import os
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    if os.path.basename(path) == "pyproject.toml":
        table = data.get("tool", {}).get("pinlint", {})
    else:
        table = data
    config = Config()
    defaults = Config(select=[])
    for key, value in table.items():
        field = _KEYS.get(key)
        if field is None:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        if key == "exact-tags" and isinstance(value, dict):
            field = "exact_tag_schemes"  # the table form: per repository
        value = _check_type(path, key, value, getattr(defaults, field))
        setattr(config, field, value)
    if config.pin_style not in PIN_STYLES:
        raise ConfigError(f"{path}: pin-style must be one of {', '.join(PIN_STYLES)}")
    return config
