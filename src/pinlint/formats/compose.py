"""Compose files: the ``image`` of each service.

A service with ``build:`` names the image it builds, not one it pulls, and is skipped.
Anchors and merge keys (``<<: *base``) are followed; a reference shared by several
services is reported once, where it is written, with the first service that uses it.

A document is a compose file when it has a top-level ``services`` mapping with a service
that has ``image`` or ``build`` (:func:`sniff`); every document of a file named like one
(``compose.yaml``, ``docker-compose.prod.yml``) is, whatever it holds.

Interpolation follows docker compose: ``${VAR}``, ``$VAR``, ``${VAR:-default}``,
``${VAR-default}``, ``${VAR:?error}``, ``${VAR?error}``, ``${VAR:+alt}``, ``${VAR+alt}``
and ``$$`` for a literal ``$``.  Values come from the ``.env`` file beside the compose
file only (read through :class:`pinlint.formats.Project`: inside the scanned
tree, once per directory), parsed as compose parses it (``KEY=VALUE``, ``KEY: VALUE``, ``export``,
comments, single, double and multi-line quotes).  The process environment is *not*
read: a lint must give the same answer on every machine and in CI, whatever the shell
exports.  A variable with no value and no default leaves the image unknown
(``image=None``, ``unresolved=NAME``).

When the whole value is one ``${VAR:-default}`` (or ``${VAR-default}``) and the
variable has no value, the span is the default: that is the text a fix rewrites.  A
reference built from variables and other text (``${REG}/app:${TAG:-1}``) spans the whole
scalar and is not fixable.

What a compose file tells the Dockerfiles it builds (:func:`dockerfile_builds`): the
``build.args`` of each service reach the ``ARG``s of its Dockerfile, and an image that a
service builds (``build`` and ``image`` both set) is the project's own when another
Dockerfile starts ``FROM`` it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from pinlint.formats.yamltree import is_null, merged, position, scheme_occurrence
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = [
    "Interpolated",
    "dotenv",
    "interpolate",
    "parse_dotenv",
    "scan_document",
    "sniff",
    "too_long",
]

Lookup = Callable[[str], "str | None"]

# The longest value a substitution may produce.  A reference is a few hundred characters;
# without a limit, ``A1=${A0}${A0}`` forty times in a ``.env`` needs a terabyte.
MAX_VALUE = 64 * 1024


def dotenv(project: Project, compose_path: str) -> dict[str, str]:
    """The variables of the ``.env`` file beside a compose file (once per directory).

    No ``.env`` (the usual case), one compose could not read either, or one outside the
    scanned tree: no variables.
    """
    directory = os.path.dirname(compose_path)

    def read() -> dict[str, str]:
        source = project.read_beside(compose_path, ".env")
        return {} if source is None else parse_dotenv(source)

    return project.fact(("compose", "dotenv", directory), read)


def sniff(root: dict[str, Node]) -> bool:
    """A top-level ``services`` mapping with a service that has ``image`` or ``build``."""
    services = root.get("services")
    if not isinstance(services, dict):
        return False
    for service in merged(services).values():
        if isinstance(service, dict):
            keys = merged(service)
            if "image" in keys or "build" in keys:
                return True
    return False


def scan_document(doc: Document) -> list[Occurrence]:
    """The ``services.*.image`` references of one compose document."""
    from yaml.events import ScalarEvent

    env: dict[str, str] | None = None

    def lookup(name: str) -> str | None:
        # The .env is read only when a reference uses a variable.
        nonlocal env
        if env is None:
            env = dotenv(doc.project, doc.path)
        return env.get(name)

    services = doc.root.get("services")
    if not isinstance(services, dict):
        return []
    found: list[Occurrence] = []
    seen: set[int] = set()
    for name, service in merged(services).items():
        if not isinstance(service, dict):
            continue
        keys = merged(service)
        build = keys.get("build")
        if not is_null(build):
            if isinstance(build, dict):
                where = f"services.{name}.build"
                found += _build_extras(doc, merged(build), where, seen)
            continue
        node = keys.get("image")
        if not isinstance(node, ScalarEvent) or is_null(node) or id(node) in seen:
            continue
        seen.add(id(node))
        found.append(_occurrence(doc, node, f"services.{name}.image", lookup))
    return found


def _build_extras(
    doc: Document, build: dict[str, Node], context: str, seen: set[int]
) -> list[Occurrence]:
    """The images a ``build`` names itself: the ``FROM``s of ``dockerfile_inline`` and
    the ``docker-image://`` values of ``additional_contexts`` (a mapping, or a list of
    ``NAME=VALUE``).  Values with variables are left alone."""
    from yaml.events import ScalarEvent

    found: list[Occurrence] = []
    contexts = build.get("additional_contexts")
    entries: list[tuple[str, Node]] = []
    if isinstance(contexts, dict):
        entries = list(merged(contexts).items())
    elif isinstance(contexts, list):
        entries = [("", item) for item in contexts]
    # A named context replaces the image of that name in the Dockerfile's FROMs
    # (``FROM base`` with ``base: service:base``): such a FROM is no reference.
    names = {key for key, _ in entries if key}
    names |= {
        item.value.split("=", 1)[0]
        for _, item in entries
        if isinstance(item, ScalarEvent) and "=" in item.value
    }
    inline = build.get("dockerfile_inline")
    if isinstance(inline, ScalarEvent) and id(inline) not in seen:
        seen.add(id(inline))
        where = context + ".dockerfile_inline"
        found += [occ for occ in _inline_dockerfile(doc, inline, where) if occ.written not in names]
    for key, node in entries:
        if not isinstance(node, ScalarEvent) or id(node) in seen or "$" in node.value:
            continue
        seen.add(id(node))
        label = f"{context}.additional_contexts" + (f".{key}" if key else "")
        found += scheme_occurrence(doc, node, label, "docker-image://")
    return found


def _inline_dockerfile(doc: Document, node: ScalarEvent, context: str) -> list[Occurrence]:
    """The references of a Dockerfile written in a YAML scalar, placed in the file.

    The Dockerfile scanner reads the scalar's value; each of its spans is mapped back to
    the file line by line (a block scalar's lines are the file's, less the indentation),
    and one that does not land on the same text is dropped rather than misplaced.
    """
    # Through the sources' dispatch, not the Dockerfile module itself: that module asks
    # this one for the build args of the Dockerfiles compose files build.
    from pinlint.formats import ScanOptions, scan

    path, text = doc.path, doc.text
    value = node.value
    span = doc.locate(node)
    try:
        inner = scan("dockerfile", path, value, ScanOptions(), doc.project)
    except ParseError:  # docker compose reports a broken inline Dockerfile when it builds
        return []
    # Start offset in the file of each line of the value.
    line_starts: list[int] = []
    if span.verbatim:
        offset = 0
        for value_line in value.split("\n"):
            line_starts.append(span.start + offset)
            offset += len(value_line) + 1
    elif node.style == "|":
        pos = text.rfind("\n", 0, span.start) + 1  # the first content line
        indent = span.start - pos
        for raw_line in text[pos : span.end].split("\n"):
            line_starts.append(pos + min(indent, len(raw_line) - len(raw_line.lstrip(" "))))
            pos += len(raw_line) + 1
    else:
        return []
    found: list[Occurrence] = []
    for occ in inner:
        index = value.count("\n", 0, occ.start)
        if index >= len(line_starts):
            continue
        column = occ.start - (value.rfind("\n", 0, occ.start) + 1)
        start = line_starts[index] + column
        end = start + (occ.end - occ.start)
        if text[start:end] != occ.written:
            continue
        line, col = position(text, span.start, span.line - 1, span.column - 1, start)
        found.append(
            Occurrence(
                path=path,
                start=start,
                end=end,
                line=line,
                column=col,
                written=occ.written,
                image=occ.image,
                context=f"{context} {occ.context}",
                unresolved=occ.unresolved,
            )
        )
    return found


def _occurrence(doc: Document, node: ScalarEvent, context: str, lookup: Lookup) -> Occurrence:
    text = doc.text
    span = doc.locate(node)
    start, end, line, column = span.start, span.end, span.line, span.column
    value = node.value
    image: str | None = value
    unresolved = None
    if "$" in value:
        result = interpolate(value, lookup)
        if result.too_long:
            raise too_long(context, line, column)
        image, unresolved = result.value, result.unresolved
        if result.default is not None and span.verbatim:
            # The default supplies the whole reference: point at it, so that a fix
            # rewrites the default and keeps the variable.
            start, end = span.start + result.default[0], span.start + result.default[1]
            line, column = position(text, span.start, span.line - 1, span.column - 1, start)
    return Occurrence(
        path=doc.path,
        start=start,
        end=end,
        line=line,
        column=column,
        written=text[start:end],
        image=image,
        context=context,
        unresolved=unresolved,
    )


# -- interpolation -------------------------------------------------------------------

_NAME = re.compile(r"[_A-Za-z][_A-Za-z0-9]*")
# The inside of ``${...}``: a name, then an optional operator and its argument.
_BRACED = re.compile(r"([_A-Za-z][_A-Za-z0-9]*)(?:(:?[-?+])(.*))?", re.S)


class Interpolated(NamedTuple):
    value: str | None  # None when a variable has no value (``unresolved``)
    unresolved: str | None = None
    # (start, end) of the default in the input when the input is exactly one
    # ``${VAR:-default}``/``${VAR-default}`` and the default was used.
    default: tuple[int, int] | None = None
    # The value would be longer than ``MAX_VALUE`` (``value`` is then None).
    too_long: bool = False


class _Missing(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Invalid(Exception):
    pass


class _TooLong(Exception):
    pass


def too_long(context: str, line: int, column: int) -> ParseError:
    """The error for a reference whose variables expand past ``MAX_VALUE``."""
    return ParseError(
        f"{context}: value too long after substituting variables"
        f" (more than {MAX_VALUE} characters)",
        line,
        column,
    )


def interpolate(value: str, lookup: Lookup) -> Interpolated:
    """Substitute variables in ``value`` as docker compose does.

    ``lookup`` gives a variable's value or ``None`` when it has none.  Text compose
    would reject (``${``, ``${1}``) is returned unchanged: the rules report it as an
    invalid reference.
    """
    try:
        if value.startswith("${") and _closing_brace(value, 0) == len(value) - 1:
            match = _BRACED.fullmatch(value, 2, len(value) - 1)
            if match and match.group(2) in ("-", ":-"):
                current = lookup(match.group(1))
                if current is None or (match.group(2) == ":-" and not current):
                    default = _substitute(match.group(3), lookup, strict=True)
                    return Interpolated(default, None, (match.start(3), match.end(3)))
        return Interpolated(_substitute(value, lookup, strict=True))
    except _Missing as e:
        return Interpolated(None, e.name)
    except _Invalid:
        return Interpolated(value)
    except _TooLong:
        return Interpolated(None, too_long=True)


def _closing_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``${`` at ``start``, or -1 (compose nests them)."""
    depth = 0
    i = start
    while True:
        close = text.find("}", i)
        if close < 0:
            return -1
        # Every "${" before this "}" opens a level.
        opened = text.count("${", i, close)
        depth += opened - 1
        if depth == 0:
            return close
        i = close + 1


def _substitute(text: str, lookup: Lookup, strict: bool) -> str:
    """``text`` with every variable replaced; ``strict`` raises ``_Missing`` for a
    variable without value or default (compose files), otherwise it is empty (.env)."""
    out: list[str] = []
    size = 0
    i = 0
    while True:
        if size > MAX_VALUE:
            raise _TooLong
        dollar = text.find("$", i)
        if dollar < 0:
            out.append(text[i:])
            return "".join(out)
        out.append(text[i:dollar])
        size += dollar - i
        following = text[dollar + 1 : dollar + 2]
        if following == "$":
            out.append("$")
            i = dollar + 2
        elif following == "{":
            close = _closing_brace(text, dollar)
            if close < 0:
                raise _Invalid
            part = _braced(text[dollar + 2 : close], lookup, strict)
            out.append(part)
            size += len(part)
            i = close + 1
        else:
            match = _NAME.match(text, dollar + 1)
            if match is None:  # a lone "$" is kept, as compose keeps it
                out.append("$")
                i = dollar + 1
                continue
            current = lookup(match.group())
            if current is None:
                if strict:
                    raise _Missing(match.group())
                current = ""
            out.append(current)
            size += len(current)
            i = match.end()


def _braced(inner: str, lookup: Lookup, strict: bool) -> str:
    match = _BRACED.fullmatch(inner)
    if match is None:
        raise _Invalid
    name, operator, argument = match.groups()
    current = lookup(name)
    if operator is None:
        if current is None:
            if strict:
                raise _Missing(name)
            return ""
        return current
    unset = current is None or (operator.startswith(":") and not current)
    kind = operator[-1]
    if kind == "-":
        return _substitute(argument, lookup, strict) if unset else current or ""
    if kind == "+":
        return "" if unset else _substitute(argument, lookup, strict)
    # "?": the variable is required
    if unset:
        if strict:
            raise _Missing(name)
        return ""
    return current or ""


# -- .env ----------------------------------------------------------------------------

_EXPORT = re.compile(r"export[ \t]+")
_KEY = re.compile(r"([^=:\n]*)([=:\n]|\Z)")
_VALID_KEY = re.compile(r"[\w.\-\[\]]+")
_INLINE_SPACE = " \t\v\f\r\x85\xa0"
_ESCAPE = re.compile(r"\\(?:[abfnrtv$\"\\]|0[0-7]{0,3})")
_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    '"': '"',
    "\\": "\\",
    "$": "$$",  # stays a literal dollar through interpolation
}


def parse_dotenv(source: str) -> dict[str, str]:
    """The variables of a ``.env`` file, as docker compose reads it.

    Lines are ``KEY=VALUE`` or ``KEY: VALUE``, optionally after ``export``; ``#``
    starts a comment line, and in an unquoted value `` #`` starts a comment.  Single
    quotes are literal; double quotes understand ``\\n``-style escapes; both may span
    lines.  Unquoted and double-quoted values substitute variables defined above them.
    A bare ``KEY`` takes its value from the environment in compose and is ignored here.
    Lines compose would reject are skipped.
    """
    values: dict[str, str] = {}
    pos, size = 0, len(source)
    while pos < size:
        char = source[pos]
        if char.isspace():
            pos += 1
            continue
        if char == "#":
            newline = source.find("\n", pos)
            pos = size if newline < 0 else newline
            continue
        export = _EXPORT.match(source, pos)
        if export:
            pos = export.end()
        key_match = _KEY.match(source, pos)
        assert key_match is not None  # the pattern matches any text
        key = key_match.group(1).strip(_INLINE_SPACE)
        pos = key_match.end()
        if key_match.group(2) not in ("=", ":") or not _VALID_KEY.fullmatch(key):
            # An inherited ``KEY`` (from the environment, not read here) or a line
            # compose rejects.
            if key_match.group(2) not in ("\n", ""):
                newline = source.find("\n", pos)
                pos = size if newline < 0 else newline
            continue
        while pos < size and source[pos] in _INLINE_SPACE:
            pos += 1
        quote = source[pos] if pos < size and source[pos] in "'\"" else ""
        if not quote:
            newline = source.find("\n", pos)
            end = size if newline < 0 else newline
            raw = source[pos:end].split(" #", 1)[0].rstrip()
            values[key] = _substitute_lenient(raw, values)
            pos = end
            continue
        quoted = _quoted(source, pos, quote)
        if quoted is None:  # unterminated: compose stops with an error, so do we
            break
        raw, pos = quoted
        if quote == '"':
            raw = _substitute_lenient(_ESCAPE.sub(_unescape, raw), values)
        values[key] = raw
        # The rest of the line (a comment, usually) is not part of any statement.
        newline = source.find("\n", pos)
        pos = size if newline < 0 else newline
    return values


def _quoted(source: str, pos: int, quote: str) -> tuple[str, int] | None:
    """The text of the quoted value at ``pos`` and the offset after it.

    An escaped quote loses its backslash; any other escape keeps it for ``_unescape``.
    """
    chars: list[str] = []
    i = pos + 1
    while i < len(source):
        char = source[i]
        if char == "\\" and i + 1 < len(source):
            following = source[i + 1]
            chars.append(following if following == quote else char + following)
            i += 2
            continue
        if char == quote:
            return "".join(chars), i + 1
        chars.append(char)
        i += 1
    return None


def _unescape(match: re.Match[str]) -> str:
    escape = match.group()[1:]
    if escape[0] == "0":
        return chr(int(escape, 8)) if len(escape) > 1 else "\0"
    return _ESCAPES[escape]


def _substitute_lenient(raw: str, values: dict[str, str]) -> str:
    try:
        return _substitute(raw, values.get, strict=False)
    except _Invalid:
        return raw
    except _TooLong:
        # Kept just over the limit: bounded memory, and a reference that uses it is
        # reported as too long.
        return "x" * (MAX_VALUE + 1)


# -- what compose files tell the Dockerfiles they build -----------------------------

# The compose files docker compose finds by itself in a directory.
_DEFAULT_FILES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


class Builds(NamedTuple):
    """What the compose files of a tree say about one Dockerfile."""

    args: dict[str, str]  # build args every service that builds it agrees on
    images: frozenset[str]  # images the compose files build (``build`` and ``image``)


def dockerfile_builds(project: Project, dockerfile: str) -> Builds:
    """The build args passed to ``dockerfile`` by the compose files of the tree.

    Compose files are looked for in the Dockerfile's directory and each directory above
    it, up to the top of the scanned tree (the layouts seen in practice: a compose file
    at the repository root building ``./service``, or beside the Dockerfile).  An arg
    that two services pass with different values is left out: pinlint does not guess
    which build is meant.  An arg without a value (``- SENTRY_IMAGE``) takes it from the
    ``.env`` beside the compose file, as compose does.
    """
    target = os.path.realpath(dockerfile)
    args: dict[str, str] = {}
    conflicting: set[str] = set()
    images: set[str] = set()
    directory = os.path.dirname(os.path.abspath(dockerfile))
    while project.inside(dockerfile, directory) is not None:
        for name in _DEFAULT_FILES:
            compose_path = os.path.join(directory, name)
            for built, built_args, image in _compose_builds(project, dockerfile, compose_path):
                if image is not None:
                    images.add(image)
                if built != target:
                    continue
                for key, value in built_args.items():
                    if args.setdefault(key, value) != value:
                        conflicting.add(key)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for key in conflicting:
        del args[key]
    return Builds(args, frozenset(images))


_Build = tuple[str, dict[str, str], str | None]  # Dockerfile (real path), args, image


def _compose_builds(project: Project, dockerfile: str, compose_path: str) -> list[_Build]:
    def read() -> list[_Build]:
        # Through the project: inside the tree (the caller only asks for directories
        # that are), a regular file, bounded in size.
        text = project.read_beside(compose_path, os.path.basename(compose_path))
        if text is None:
            return []
        from pinlint.formats.yamltree import iter_documents

        found: list[_Build] = []
        try:
            for root in iter_documents(text):
                if isinstance(root, dict):
                    found += _service_builds(project, compose_path, root)
        except (ParseError, RecursionError):
            return []
        return found

    return project.fact(("compose", "builds", os.path.abspath(compose_path)), read)


def _service_builds(project: Project, compose_path: str, root: dict[str, Node]) -> list[_Build]:
    from yaml.events import ScalarEvent

    env = dotenv(project, compose_path)
    services = root.get("services")
    if not isinstance(services, dict):
        return []
    here = os.path.dirname(os.path.abspath(compose_path))
    found: list[_Build] = []
    for service in merged(services).values():
        if not isinstance(service, dict):
            continue
        keys = merged(service)
        build = keys.get("build")
        if is_null(build):
            continue
        context, dockerfile, args = ".", "Dockerfile", {}
        if isinstance(build, ScalarEvent):
            context = build.value
        elif isinstance(build, dict):
            b = merged(build)
            for key, node in (("context", b.get("context")), ("dockerfile", b.get("dockerfile"))):
                if isinstance(node, ScalarEvent) and not is_null(node):
                    if key == "context":
                        context = node.value
                    else:
                        dockerfile = node.value
            args = _build_args(b.get("args"), env)
        else:
            continue
        if "://" in context or context.startswith("git@"):
            continue  # a remote context: not a file of this tree
        context = interpolate(context, env.get).value or context
        path = os.path.join(here, context, dockerfile)
        image = keys.get("image")
        built_image = None
        if isinstance(image, ScalarEvent) and not is_null(image):
            built_image = interpolate(image.value, env.get).value
        found.append((os.path.realpath(path), args, built_image))
    return found


def _build_args(node: Node | None, env: dict[str, str]) -> dict[str, str]:
    """``build.args`` as a mapping or a list of ``KEY=VALUE`` / ``KEY``, interpolated."""
    from yaml.events import ScalarEvent

    pairs: list[tuple[str, str | None]] = []
    if isinstance(node, dict):
        for name, entry in merged(node).items():
            if isinstance(entry, ScalarEvent):
                pairs.append((name, None if is_null(entry) else entry.value))
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, ScalarEvent) and not is_null(item):
                name, sep, text = item.value.partition("=")
                pairs.append((name, text if sep else None))
    args: dict[str, str] = {}
    for name, raw in pairs:
        if raw is None:
            # ``- KEY`` / ``KEY:``: the value of the variable where compose runs; offline,
            # the .env beside the compose file.
            if name in env:
                args[name] = env[name]
            continue
        value = interpolate(raw, env.get).value
        if value is not None:
            args[name] = value
    return args
