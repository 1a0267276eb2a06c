"""The records every stage of pinlint passes along.

paths -> discover -> scan (one module per format) -> Occurrence
      -> rules -> Finding -> [resolve -> suggestion] -> [fix: span edits] -> report
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import ClassVar, TypeVar

    _K = TypeVar("_K")
    _V = TypeVar("_V")
    _F = TypeVar("_F", bound="Frozen")


# The suppressions of a file without directives (nearly every file;
# ``pinlint.directives.suppressions``): one shared, empty, never written, so that ten
# thousand files do not make ten thousand dicts.
NO_LINES: Mapping[int, frozenset[str]] = {}


def suppresses(ignored: frozenset[str], rule: str) -> bool:
    """Whether the rules a directive ignores at a place (``*``: all) include ``rule``.

    Here, not in ``pinlint.directives``: the online pass asks it of every finding, and
    the directive reader (with ``re``) loads only for a file that has a directive.
    """
    return bool(ignored) and ("*" in ignored or rule in ignored)


# ``functools.lru_cache`` and ``functools.cache`` without ``functools``, which imports
# ``collections``, ``types`` and more: a cost on every pre-commit call (CONTRIBUTING.md,
# "Start-up budget").
def memoised(maxsize: int) -> Callable[[Callable[[_K], _V]], Callable[[_K], _V]]:
    """``functools.lru_cache(maxsize)`` for a function of one argument: at most
    ``maxsize`` results, the least recently used dropped first; an exception is not
    cached."""

    def decorate(fn: Callable[[_K], _V]) -> Callable[[_K], _V]:
        cache: dict[_K, _V] = {}

        def memo(key: _K) -> _V:
            try:
                value = cache.pop(key)
            except KeyError:
                pass
            else:
                cache[key] = value  # now the most recently used
                return value
            value = fn(key)
            if len(cache) >= maxsize:
                try:  # noqa: SIM105  # contextlib imports functools
                    del cache[next(iter(cache))]  # the least recently used
                except (KeyError, StopIteration, RuntimeError):
                    pass  # another thread changed the cache meanwhile
            cache[key] = value
            return value

        memo.__name__, memo.__qualname__ = fn.__name__, fn.__qualname__
        memo.__doc__, memo.__module__ = fn.__doc__, fn.__module__
        return memo

    return decorate


def once(build: Callable[[], _V]) -> Callable[[], _V]:
    """``functools.cache`` for a function of no argument (a regex compiled on first use):
    ``build`` runs on the first call only."""
    done: list[_V] = []

    def get() -> _V:
        if not done:
            done.append(build())
        return done[0]

    get.__name__, get.__qualname__ = build.__name__, build.__qualname__
    get.__doc__, get.__module__ = build.__doc__, build.__module__
    return get


class Severity(str):
    """A finding's severity: ``Severity.ERROR`` or ``Severity.WARNING``, a ``str`` equal to
    its ``value``.

    The two are the only instances, as an enum's members are: ``Severity("error") is
    Severity.ERROR``, also after pickling.  Not an ``enum.Enum``: creating an enum class
    costs ~0.9 M instructions at import, on every pre-commit call (CONTRIBUTING.md,
    "Start-up budget").
    """

    __slots__ = ()

    ERROR: ClassVar[Severity]
    WARNING: ClassVar[Severity]
    _members: ClassVar[dict[str, Severity]]

    def __new__(cls, value: str) -> Severity:
        member = cls._members.get(value)
        if member is None:
            raise ValueError(f"{value!r} is not a valid Severity")
        return member

    @property
    def value(self) -> str:
        return str(self)

    @property
    def name(self) -> str:
        return self.value.upper()

    def __repr__(self) -> str:
        return f"<Severity.{self.name}: {self.value!r}>"

    def __reduce__(self) -> tuple[type[Severity], tuple[str]]:
        return Severity, (self.value,)


Severity.ERROR = str.__new__(Severity, "error")
Severity.WARNING = str.__new__(Severity, "warning")
Severity._members = {"error": Severity.ERROR, "warning": Severity.WARNING}


class Record:
    """Value semantics from ``__slots__``: ``==``, ``hash`` and ``repr`` over the fields.

    What a dataclass gives, for the records on the lint path (CONTRIBUTING.md, "Start-up budget").
    A mutable subclass sets ``__hash__ = None``.
    """

    __slots__: tuple[str, ...] = ()

    def _fields(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self) or not isinstance(other, Record):
            return NotImplemented
        return self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({fields})"


class Frozen(Record):
    """A :class:`Record` whose fields are set once, by ``__init__``: what a frozen
    dataclass gives (immutability, ``replace``, pickling) for the records off the lint
    path that a pre-commit run still loads (the resolver's, the fixer's), without
    ``dataclasses`` and the ``inspect`` it imports (~8 ms)."""

    __slots__: tuple[str, ...] = ()

    def _fill(self, values: Mapping[str, object]) -> None:
        """Set every field from ``values`` (an ``__init__``'s ``locals()``)."""
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {key}")

    def replace(self: _F, **changes: object) -> _F:
        """A copy with some fields changed (``dataclasses.replace``)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {min(unknown)!r}")
        values.update(changes)
        return _rebuilt(type(self), tuple(values.values()))

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuilt, (type(self), self._fields()))


def _rebuilt(cls: type[_F], values: tuple[object, ...]) -> _F:
    """A :class:`Frozen` of ``cls`` with ``values`` in the order of its fields."""
    obj = cls.__new__(cls)
    for name, value in zip(cls.__slots__, values, strict=True):
        object.__setattr__(obj, name, value)
    return obj


class Split(Record):
    """How a reference written in parts takes a suggestion back, as plain span edits.

    A Helm ``image:`` map, a Kustomize ``images:`` entry or a Tekton param default that
    supplies only the tag write the repository in one place and the tag (and maybe the
    digest) in others.  ``name`` is the reference up to its tag, as the tool reading the
    file composes it; ``tag`` is the span of the tag text (the occurrence's own span);
    ``digest`` is the span that takes the digest (the value of an empty ``digest: ""``,
    or an insertion point where ``start == end``) and ``digest_text`` what is written
    there, with ``{digest}`` (``sha256:...``) or ``{hex}`` (without ``sha256:``).  With
    no ``digest`` span the digest is written after the tag (``1.2.3@sha256:...``).
    ``tag_text`` is what the tag span takes, with ``{tag}`` for the tag (and the digest
    when it follows the tag): `` {tag}`` for a ``tag:`` written with no value, where the
    span is the empty point after the colon.  ``suffix`` is what the tool appends after
    the written tag (a Helm chart's ``tagSuffix: jmx`` makes ``7.60`` read ``7.60-jmx``):
    the tag written is the suggestion's without it, and a digest has no place after it.
    The fixer knows nothing of the format: it splices these spans.
    """

    __slots__ = ("digest", "digest_text", "name", "suffix", "tag_text")

    name: str
    digest: tuple[int, int] | None
    digest_text: str
    tag_text: str
    suffix: str

    def __init__(
        self,
        name: str,
        digest: tuple[int, int] | None = None,
        digest_text: str = "{digest}",
        tag_text: str = "{tag}",
        suffix: str = "",
    ) -> None:
        setter = object.__setattr__
        setter(self, "name", name)
        setter(self, "digest", digest)
        setter(self, "digest_text", digest_text)
        setter(self, "tag_text", tag_text)
        setter(self, "suffix", suffix)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Split is immutable: cannot set {key}")

    def __reduce__(self) -> tuple[type[Split], tuple[object, ...]]:
        # Every field: a worker of a parallel --fix run sends its splits to the parent.
        return (Split, (self.name, self.digest, self.digest_text, self.tag_text, self.suffix))


class Occurrence(Record):
    """One image reference found in a file.

    ``start``/``end`` are character offsets into the decoded text (a UTF-8 BOM, if
    present, is character 0) of the text that must change to pin the reference: the
    reference itself, or the variable default that supplies it.  ``written`` is exactly
    ``text[start:end]``.  ``image`` is the effective reference after variable
    substitution, or ``None`` when a variable has no value (see ``unresolved``).

    The span can be rewritten by the fixer only when ``written == image``: otherwise the
    span supplies just part of the reference (``node:${NODE}-alpine``) or is spelled with
    escapes, and is left alone.

    Immutable, hashable, compared by value.
    """

    __slots__ = (
        "column",
        "context",
        "end",
        "ignored",
        "image",
        "line",
        "path",
        "split",
        "start",
        "unresolved",
        "use_line",
        "written",
    )

    path: str
    start: int
    end: int
    line: int
    column: int
    written: str
    image: str | None
    context: str
    use_line: int | None
    unresolved: str | None
    ignored: frozenset[str]
    split: Split | None

    def __init__(
        self,
        path: str,
        start: int,
        end: int,
        line: int,
        column: int,
        written: str,
        image: str | None,
        context: str,
        use_line: int | None = None,
        unresolved: str | None = None,
        ignored: frozenset[str] = frozenset(),
        split: Split | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "path", path)
        setter(self, "start", start)
        setter(self, "end", end)
        setter(self, "line", line)  # 1-based line of ``start``
        setter(self, "column", column)  # 1-based column (in characters) of ``start``
        setter(self, "written", written)
        setter(self, "image", image)
        # Where the reference was used, for messages: "FROM", "COPY --from", "RUN --mount",
        # "# syntax", "services.web.image", "spec.template.spec.containers[0].image", ...
        setter(self, "context", context)
        # 1-based line where the reference is used when that differs from ``line`` (a FROM
        # fed by an ARG default): an ignore comment there applies too.
        setter(self, "use_line", use_line)
        # Name of a variable that has no value or default, when ``image`` is None.
        setter(self, "unresolved", unresolved)
        # Rule ids that ``# pinlint: ignore`` directives of the file suppress here ("*":
        # all), set by the lint pass (``pinlint.directives``) for the later passes.
        setter(self, "ignored", ignored)
        # A reference written in parts: ``written`` is its tag, ``image`` the whole.
        setter(self, "split", split)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Occurrence is immutable: cannot set {key}")

    def __reduce__(self) -> tuple[type[Occurrence], tuple[object, ...]]:
        # Pickled to and from worker processes; __setattr__ forbids the default way.
        return (
            Occurrence,
            (
                self.path,
                self.start,
                self.end,
                self.line,
                self.column,
                self.written,
                self.image,
                self.context,
                self.use_line,
                self.unresolved,
                self.ignored,
                self.split,
            ),
        )

    def with_ignored(self, ignored: frozenset[str]) -> Occurrence:
        """A copy with the rules ignored at this reference."""
        return Occurrence(
            self.path,
            self.start,
            self.end,
            self.line,
            self.column,
            self.written,
            self.image,
            self.context,
            self.use_line,
            self.unresolved,
            ignored,
            self.split,
        )

    @property
    def fixable(self) -> bool:
        if self.image is None:
            return False
        return self.split is not None or self.written == self.image


class ParseError(ValueError):
    """A file that cannot be parsed: reported as PIN900, the run goes on."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        # Whether the error is at a place in the text (its line is quoted in the
        # finding), or about the whole file (too large, binary: line 1, column 1).
        self.located = line is not None
        self.line = 1 if line is None else line
        self.column = 1 if column is None else column


class Finding(Record):
    """A rule that fired at a place in a file.

    ``as_written`` is the reference as the file writes it (the JSON key ``image``);
    the effective reference, after variable substitution, is ``occurrence.image``.
    """

    __slots__ = (
        "as_written",
        "column",
        "effective",
        "end_column",
        "end_line",
        "line",
        "message",
        "occurrence",
        "path",
        "resolution",
        "rule",
        "severity",
        "suggestion",
    )

    def __init__(
        self,
        path: str,
        line: int,
        column: int,
        rule: str,
        severity: Severity,
        message: str,
        as_written: str,
        occurrence: Occurrence | None = None,
        suggestion: str | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        resolution: str | None = None,
        effective: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.column = column
        self.rule = rule  # "PIN001"
        self.severity = severity
        self.message = message
        # As written in the file, a reference written in parts named whole ("" for PIN900).
        self.as_written = as_written
        self.occurrence = occurrence
        self.suggestion = suggestion  # the full replacement reference, when resolved
        self.end_line = end_line
        self.end_column = end_column  # 1-based, exclusive
        # With --resolve: "resolved", "unresolved: <reason>" or "offline" (not in the
        # cache of an --offline run); None when the registry was not asked.
        self.resolution = resolution
        # The effective reference when the occurrence does not tell it (a finding from a
        # worker process), or "" to hide it; see :attr:`reference`.
        self.effective = effective

    def replace(self, **changes: object) -> Finding:
        """A copy with some fields changed (``dataclasses.replace`` for this class)."""
        copy = Finding.__new__(Finding)
        for name in self.__slots__:
            object.__setattr__(copy, name, changes.pop(name, getattr(self, name)))
        if changes:
            raise TypeError(f"Finding has no field {next(iter(changes))!r}")
        return copy

    __hash__ = None  # type: ignore[assignment]  # mutable

    @property
    def reference(self) -> str | None:
        """The effective reference, after substitution; None when a variable has no
        value, or when the finding hides it (``effective == ""``: PIN007 never repeats
        an invalid substituted value, which may be a secret from an .env file)."""
        if self.effective is not None:
            return self.effective or None
        occ = self.occurrence
        return occ.image if occ is not None else None

    def as_dict(self) -> dict[str, object]:
        """The JSON object of ``--format json``; field names are part of the contract."""
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "rule": self.rule,
            "severity": self.severity.value,
            "image": self.as_written,
            # The effective reference, after ARG, .env and build-arg substitution (None
            # when a variable has no value).
            "reference": self.reference,
            "message": self.message,
            "suggestion": self.suggestion,
            "resolution": self.resolution,
        }
