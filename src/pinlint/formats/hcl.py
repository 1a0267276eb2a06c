"""Just enough of HCL (HashiCorp's configuration language) to read bake files, with spans.

Bake files are HCL's native syntax: blocks (``target "web" { ... }``), attributes
(``args = { BASE = "alpine:3.20" }``), quoted templates with ``${...}`` interpolation,
heredocs, comments (``#``, ``//``, ``/* */``), objects, tuples and arbitrary expressions
(function calls, conditionals, ``for``).  pinlint needs the literal strings of a few
attributes and the exact characters they are written with, nothing else: this reader
keeps blocks, attributes, objects, tuples and strings, and steps over every other
expression by its brackets, strings and line ends without evaluating it.

Why not a library: python-hcl2 8.1.4 (PyPI, on lark) keeps positions, but on the bake
files of docker/buildx, moby/buildkit, jenkinsci/docker and ten other repositories it
took 100 ms to import, 2.0 s for its first parse (the grammar is built at run time) and
then parsed at 35 kB/s, against a lint budget of a fraction of a millisecond per file;
pyhcl reads HCL1 only.  This reader is linear in the input, with bounded nesting.
"""

from __future__ import annotations

import re

from pinlint.model import ParseError

__all__ = ["MAX_DEPTH", "Block", "Other", "Str", "parse"]

# Blocks, objects and tuples nested deeper than this are refused (a bake file nests a
# handful of levels); nothing here recurses further.
MAX_DEPTH = 64

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_SIMPLE = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_-]*)\s*\}")
# Where a string or an expression may change state: the rest is skipped by a search.
_STRING_STOP = re.compile(r'["\\\n$%]')
_SKIP_STOP = re.compile(r'["<#/()\[\]{},\n]')
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class Str:
    """A quoted template or a heredoc: ``text[start:end]`` is its content as written."""

    __slots__ = ("end", "interpolations", "raw", "start", "value")

    def __init__(self, start: int, end: int, raw: str, interpolations: int) -> None:
        self.start = start
        self.end = end
        self.raw = raw
        # How many ``${...}``/``%{...}`` the content holds (``$${`` is a literal).
        self.interpolations = interpolations
        self.value = _decode(raw)  # the string when it has no interpolation

    @property
    def verbatim(self) -> bool:
        """Whether the content is written as it reads (no escapes)."""
        return self.value == self.raw

    def simple(self) -> list[str] | None:
        """The variable names of a template whose every interpolation is ``${NAME}``."""
        names = _SIMPLE.findall(self.raw)
        if len(names) != self.interpolations or "%{" in self.raw.replace("%%{", ""):
            return None
        return names


class Other:
    """An expression pinlint does not evaluate (a call, a condition, a number, ...)."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end


class Block:
    """``type "label" ... { body }``: its attributes and the blocks inside it."""

    __slots__ = ("attributes", "blocks", "labels", "type")

    def __init__(self, type_: str, labels: list[str]) -> None:
        self.type = type_
        self.labels = labels
        self.attributes: dict[str, object] = {}
        self.blocks: list[Block] = []


def parse(text: str) -> Block:
    """The body of an HCL file as a block without type; ParseError for what is not HCL."""
    root = Block("", [])
    _Reader(text).body(0, root, "", 0)
    return root


def _decode(raw: str) -> str:
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "\\" and i + 1 < n:
            e = raw[i + 1]
            if e in _ESCAPES:
                out.append(_ESCAPES[e])
                i += 2
                continue
            width = 4 if e == "u" else 8 if e == "U" else 0
            digits = raw[i + 2 : i + 2 + width]
            if (
                width
                and len(digits) == width
                and all(d in "0123456789abcdefABCDEF" for d in digits)
            ):
                code = int(digits, 16)
                out.append(chr(code) if code < 0x110000 else "\ufffd")
                i += 2 + width
                continue
        elif raw.startswith(("$${", "%%{"), i):
            out.append(c + "{")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


class _Reader:
    def __init__(self, text: str) -> None:
        self.s = text
        self.n = len(text)

    def error(self, message: str, pos: int) -> ParseError:
        pos = min(pos, self.n)
        line = self.s.count("\n", 0, pos) + 1
        column = pos - self.s.rfind("\n", 0, pos)
        return ParseError(f"invalid HCL: {message}", line, column)

    def space(self, i: int, newlines: bool) -> int:
        """Past blanks and comments (and line ends when ``newlines``)."""
        s, n = self.s, self.n
        while i < n:
            c = s[i]
            if c in " \t\r\ufeff" or (newlines and c == "\n"):
                i += 1
            elif c == "#" or s.startswith("//", i):
                end = s.find("\n", i)
                i = n if end < 0 else end
            elif s.startswith("/*", i):
                end = s.find("*/", i + 2)
                if end < 0:
                    raise self.error("unterminated comment", i)
                i = end + 2
            else:
                break
        return i

    def body(self, i: int, block: Block, closing: str, depth: int) -> int:
        if depth > MAX_DEPTH:
            raise self.error("nesting too deep", i)
        s, n = self.s, self.n
        while True:
            i = self.space(i, True)
            if i >= n:
                if closing:
                    raise self.error(f"expected {closing!r}", i)
                return i
            if s[i] == closing:
                return i + 1
            name = _IDENT.match(s, i)
            if name is None:
                raise self.error(f"unexpected {s[i]!r}", i)
            i = self.space(name.end(), False)
            if s.startswith("=", i) and not s.startswith("==", i):
                value, i = self.expr(i + 1, depth)
                block.attributes[name.group()] = value
                i = self.space(i, False)
                if i < n and s[i] not in "\n}":
                    raise self.error(f"unexpected {s[i]!r} after an attribute", i)
                continue
            labels: list[str] = []
            while i < n and s[i] != "{":
                if s[i] == '"':
                    label, i = self.string(i, depth)
                    labels.append(label.value)
                else:
                    word = _IDENT.match(s, i)
                    if word is None:
                        raise self.error(f"unexpected {s[i]!r} in a block header", i)
                    labels.append(word.group())
                    i = word.end()
                i = self.space(i, False)
            if i >= n:
                raise self.error("expected '{'", i)
            child = Block(name.group(), labels)
            block.blocks.append(child)
            i = self.body(i + 1, child, "}", depth + 1)

    def expr(self, i: int, depth: int) -> tuple[object, int]:
        """One expression: a string, heredoc, object or tuple when it is only that."""
        if depth > MAX_DEPTH:
            raise self.error("nesting too deep", i)
        s = self.s
        i = self.space(i, False)
        start = i
        value: object
        if s.startswith('"', i):
            value, i = self.string(i, depth)
        elif s.startswith("<<", i):
            value, i = self.heredoc(i)
        elif s.startswith("{", i):
            value, i = self.collection(i, "}", depth)
        elif s.startswith("[", i):
            value, i = self.collection(i, "]", depth)
        else:
            end = self.skip(i, depth)
            if end == start:
                raise self.error("expected an expression", i)
            return Other(start, end), end
        after = self.space(i, False)
        if after >= self.n or s[after] in "\n,}])":
            return value, i
        # More follows (an operator, a condition, an index): computed, not a literal.
        end = self.skip(after, depth)
        return Other(start, end), end

    def collection(self, i: int, closing: str, depth: int) -> tuple[object, int]:
        """An object (``{k = v, "k": v}``) or a tuple (``[a, b]``); a ``for`` expression
        is stepped over as ``Other``."""
        s = self.s
        start = i
        i = self.space(i + 1, True)
        if s.startswith("for", i) and not _IDENT.fullmatch(s, i, i + 4):
            end = self.skip(start, depth)
            return Other(start, end), end
        items: list[object] = []
        pairs: dict[str, object] = {}
        while True:
            i = self.space(i, True)
            if i >= self.n:
                raise self.error(f"expected {closing!r}", i)
            if s[i] == closing:
                return (pairs if closing == "}" else items), i + 1
            if closing == "}":
                key: str | None = None
                if s[i] == '"':
                    label, i = self.string(i, depth + 1)
                    key = label.value
                else:
                    word = _IDENT.match(s, i)
                    if word is not None:
                        key, i = word.group(), word.end()
                    else:  # a computed key: ``(var.x) = ...``
                        i = self.skip(i, depth + 1, stop="=:")
                i = self.space(i, False)
                if i >= self.n or s[i] not in "=:":
                    raise self.error("expected '=' in an object", i)
                value, i = self.expr(i + 1, depth + 1)
                if key is not None:
                    pairs[key] = value
            else:
                value, i = self.expr(i, depth + 1)
                items.append(value)
            i = self.space(i, True)
            if i < self.n and s[i] == ",":
                i += 1

    def string(self, i: int, depth: int) -> tuple[Str, int]:
        """A quoted template at ``i`` (its opening quote)."""
        s, n = self.s, self.n
        j = i + 1
        interpolations = 0
        while True:
            found = _STRING_STOP.search(s, j)
            j = n if found is None else found.start()
            if j >= n or s[j] == "\n":
                raise self.error("unterminated string", i)
            c = s[j]
            if c == '"':
                return Str(i + 1, j, s[i + 1 : j], interpolations), j + 1
            if c == "\\":
                j += 2
            elif s.startswith(("$${", "%%{"), j):
                j += 3
            elif s.startswith(("${", "%{"), j):
                interpolations += 1
                j = self.template_end(j + 2, depth)
            else:
                j += 1

    def template_end(self, j: int, depth: int) -> int:
        """Past the ``}`` that closes an interpolation whose inside starts at ``j``."""
        end = self.skip(j, depth + 1, newlines=True)
        if end >= self.n or self.s[end] != "}":
            raise self.error("unterminated interpolation", j)
        return end + 1

    def heredoc(self, i: int) -> tuple[Str, int]:
        s = self.s
        match = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n").match(s, i)
        if match is None:
            raise self.error("malformed heredoc", i)
        start = match.end()
        marker = re.compile(r"^[ \t]*" + re.escape(match.group(1)) + r"[ \t]*\r?$", re.M)
        close = marker.search(s, start)
        if close is None:
            raise self.error("unterminated heredoc", i)
        raw = s[start : close.start()]
        interpolations = len(re.findall(r"(?<![$%])[$%]\{", raw))
        return Str(start, close.start(), raw, interpolations), close.end()

    def skip(self, i: int, depth: int, stop: str = "", newlines: bool = False) -> int:
        """The end of an expression at ``i``: a line end, ``,`` or a closing bracket at
        its own level (``stop`` adds characters; ``newlines`` reads across lines, as
        inside an interpolation)."""
        if depth > MAX_DEPTH:
            raise self.error("nesting too deep", i)
        s, n = self.s, self.n
        level = 0
        stops = (
            _SKIP_STOP if not stop else re.compile(_SKIP_STOP.pattern[:-1] + re.escape(stop) + "]")
        )
        while i < n:
            found = stops.search(s, i)
            if found is None:
                return n
            i = found.start()
            c = s[i]
            if c == '"':
                _, i = self.string(i, depth + 1)
                continue
            if c == "<":
                if re.match(r"<<-?[A-Za-z_]", s[i : i + 4]):
                    _, i = self.heredoc(i)
                else:
                    i += 1
                continue
            if c == "#" or s.startswith(("//", "/*"), i):
                i = self.space(i, False)
                continue
            if c in "([{":
                level += 1
                if level > MAX_DEPTH:
                    raise self.error("nesting too deep", i)
            elif c in ")]}":
                if level == 0:
                    return i
                level -= 1
            elif level == 0 and (c == "," or c in stop or (c == "\n" and not newlines)):
                return i
            i += 1
        return i
