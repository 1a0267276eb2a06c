"""Settings: defaults, then ``[tool.pinlint]`` / ``.pinlint.toml``, then the command line."""

from __future__ import annotations

from pinlint.model import Record


class ConfigError(ValueError):
    """A bad setting: exit 2 with one line."""


PIN_STYLES = ("tag+digest", "digest", "tag")


class Config(Record):
    """Every setting, with its default.

    A ``Record``, not a dataclass (CONTRIBUTING.md, "Start-up budget").
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
        "fail_on_unresolved",
        "ignore",
        "insecure_registries",
        "no_cache",
        "offline",
        "pin_style",
        "registry_mirrors",
        "require_digest",
        "run_timeout",
        "select",
        "timeout",
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
        fail_on_unresolved: bool = False,
        no_cache: bool = False,
        offline: bool = False,
        build_args: dict[str, str] | None = None,
        timeout: float = 10.0,
        run_timeout: float = 120.0,
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
        # Exit 1 when --resolve could not check a reference (a registry down, not cached).
        self.fail_on_unresolved = fail_on_unresolved
        self.no_cache = no_cache
        self.offline = offline
        self.build_args = build_args if build_args is not None else {}
        # Seconds: for one registry request, and for every request of the run together.
        self.timeout = timeout
        self.run_timeout = run_timeout

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
    "fail-on-unresolved": "fail_on_unresolved",
    "build-args": "build_args",
    "timeout": "timeout",
    "run-timeout": "run_timeout",
}


# Limits on numbers a config may set: a config in the checked tree is untrusted, and
# ``concurrency = 100000000000000000000`` would build connection pools for ever.
MAX_CONCURRENCY = 256
MAX_CACHE_TTL = 30 * 24 * 3600.0
# Timeouts, in seconds: above zero, and bounded (a run must end).
MAX_TIMEOUT = 3600.0
# A config file larger than this is not one (``--config /dev/zero`` never ends).
MAX_CONFIG_SIZE = 1024 * 1024


def find_config(start: str, cache: dict[str, str | None] | None = None) -> str | None:
    """The nearest ``.pinlint.toml``, or ``pyproject.toml`` with ``[tool.pinlint]``,
    walking up from ``start`` to the root of its repository (the directory that holds
    ``.git``), never beyond: a config in ``/tmp`` or a runner's work directory must not
    govern the repositories checked out below it.  Outside any repository the walk goes
    to the file system's root.

    ``cache`` (directory -> answer) remembers the directories walked through: the files
    of one tree share their parents, so a run looks at most directories once."""
    import os

    current = os.path.abspath(start)
    if not os.path.isdir(current):
        current = os.path.dirname(current)
    walked: list[str] = []
    while cache is None or current not in cache:
        here, stop = config_here(current)
        parent = os.path.dirname(current)
        if here is not None or stop or parent == current:
            answer = here
            break
        walked.append(current)
        current = parent
    else:
        answer = cache[current]
    if cache is not None:
        if len(cache) >= _FIND_CACHE:
            # Bounded: one entry per directory of a tree otherwise.  Files come in the
            # order of their paths, so the directories asked about next are mostly new.
            cache.clear()
        for directory in [*walked, current]:
            cache[directory] = answer
    return answer


# Directories find_config remembers at most (a run's tree can have tens of thousands).
_FIND_CACHE = 4096


def config_here(directory: str) -> tuple[str | None, bool]:
    """The config file in ``directory`` itself (or None), and whether the walk up stops
    there (the repository's root: its config, if any, was above)."""
    import os

    candidate = os.path.join(directory, ".pinlint.toml")
    if os.path.isfile(candidate):
        return candidate, True
    candidate = os.path.join(directory, "pyproject.toml")
    if os.path.isfile(candidate):
        with open(candidate, "rb") as f:
            if b"[tool.pinlint" in f.read(MAX_CONFIG_SIZE):
                return candidate, True
    return None, os.path.exists(os.path.join(directory, ".git"))


def _check_type(path: str, key: str, value: object, default: object) -> object:
    def bad(what: str) -> ConfigError:
        return ConfigError(f"{path}: {key} must be {what}")

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad("true or false")
    elif isinstance(default, float):
        # ``not 0 <= value``: nan compares false with everything.
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not 0 <= value <= MAX_CACHE_TTL
        ):
            raise bad(f"a number of seconds from 0 to {MAX_CACHE_TTL:.0f}")
        return float(value)
    elif isinstance(default, int):
        whole = isinstance(value, int) and not isinstance(value, bool)
        if not whole or not 1 <= value <= MAX_CONCURRENCY:  # type: ignore[operator]
            raise bad(f"a whole number from 1 to {MAX_CONCURRENCY}")
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


def _check_mirror(path: str, domain: str, mirror: str) -> None:
    """A mirror is ``host[:port][/path]`` or an http(s) URL of that: nothing else."""
    from urllib.parse import urlsplit

    try:
        url = urlsplit(mirror if "://" in mirror else f"https://{mirror}")
        url.port  # noqa: B018  # raises ValueError for a port that is not a number
        good = (
            url.scheme in ("http", "https")
            and bool(url.hostname)
            and not (url.username or url.password or url.query or url.fragment)
            and mirror.isprintable()
            and not any(c.isspace() for c in mirror)
        )
    except ValueError:
        good = False
    if not good:
        raise ConfigError(
            f"{path}: registry-mirrors: {domain!r} = {mirror!r} is not a registry URL"
        )


def check_timeout(what: str, value: object) -> float:
    """A timeout in seconds, above 0 and at most MAX_TIMEOUT; ConfigError otherwise."""
    good = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not good or not 0 < value <= MAX_TIMEOUT:  # type: ignore[operator]
        raise ConfigError(f"{what} must be a number of seconds above 0, at most {MAX_TIMEOUT:.0f}")
    return float(value)  # type: ignore[arg-type]


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
            raw = f.read(MAX_CONFIG_SIZE + 1)
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from e
    if len(raw) > MAX_CONFIG_SIZE:
        raise ConfigError(f"{path}: too large for a config file (over {MAX_CONFIG_SIZE} bytes)")
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not valid UTF-8 (byte offset {e.start})") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: invalid TOML: {e}") from e
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    tool = data.get("tool")
    if os.path.basename(path) == "pyproject.toml":
        if tool is None:
            tool = {}
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: tool must be a table")
        table = tool.get("pinlint", {})
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.pinlint] must be a table")
    elif (
        set(data) == {"tool"}
        and isinstance(tool, dict)
        and set(tool) == {"pinlint"}
        and isinstance(tool["pinlint"], dict)
    ):
        # The pyproject.toml block pasted as it is: ``[tool.pinlint]`` in .pinlint.toml.
        table = tool["pinlint"]
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
        if field in ("timeout", "run_timeout"):
            value = check_timeout(f"{path}: {key}", value)
        setattr(config, field, value)
    for domain, mirror in config.registry_mirrors.items():
        _check_mirror(path, domain, mirror)
    if config.pin_style not in PIN_STYLES:
        raise ConfigError(f"{path}: pin-style must be one of {', '.join(PIN_STYLES)}")
    return config
