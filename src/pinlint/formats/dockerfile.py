"""Dockerfile scanner: ``FROM``, ``COPY --from``, ``RUN --mount=…,from=``, ``# syntax``.

The grammar follows BuildKit's parser (moby/buildkit ``frontend/dockerfile/parser``)
rather than ``dockerfile-parse``: that library gives no character offsets, does not
know heredocs (a ``FROM`` line inside ``RUN <<EOF`` would be read as an instruction),
costs ~15 ms to import (``logging``, ``json``, ``shlex``) and needs ~0.35 s for
``parent_images`` of 4,000 small Dockerfiles.  This module is one pass over the lines
with a few compiled regexes and keeps, for every logical instruction, the map from
its characters back to file offsets, so each reference gets an exact span.

What BuildKit does and this module mirrors:

* lines end at ``\\n``; trailing ``\\r`` is dropped; a UTF-8 BOM on line 1 is ignored;
* parser directives (``# escape=``, ``# syntax=``, ``# check=``) only before anything
  else; ``# syntax`` is read as the frontend does (a ``#!`` first line is skipped);
* the escape character at the end of a line continues the instruction; blank and
  comment lines inside a continuation are skipped;
* heredocs (``RUN``/``COPY``/``ADD``, also under ``ONBUILD``) swallow their body;
* flags are ``--name=value`` words before the arguments, quotes removed;
* ``FROM`` takes one word or ``word AS name``; the word is expanded with the global
  ``ARG``s (those before the first ``FROM``); ``COPY --from`` and ``--mount from=``
  with the stage's ``ARG``s; a previous stage name (any case), a stage index and
  ``scratch`` are not images;
* BuildKit's automatic platform ``ARG``s (``TARGETOS``, ``BUILDPLATFORM``, ...) are
  defined in the global scope without a declaration, and in a stage once it declares
  them.  Their value depends on the build, so a word that uses one names a stage when
  some value would make it a stage name (``FROM binaries-$TARGETOS`` after
  ``FROM scratch AS binaries-linux``); otherwise it is read as built for linux/amd64.

Time and memory stay linear in the size of the file, whatever it holds: positions come
from an index of line starts (bisect, not a count from the top for each reference),
an expanded value longer than ``MAX_VALUE`` is an error ("value too long": ``ARG
A1=${A0}${A0}`` forty times would otherwise need a terabyte), and the rare pattern
substitutions (``${A//x/y}``) share a budget of regex steps per file.
"""

from __future__ import annotations

from pinlint.formats import ScanOptions
from pinlint.model import Occurrence, ParseError, once

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Mapping

    from pinlint.formats import Project

__all__ = ["MAX_VALUE", "scan"]

# The longest value a variable may expand to.  A reference is a few hundred characters;
# an ARG that holds a package list may be longer, but not this long.
MAX_VALUE = 64 * 1024
# Regex steps that the pattern substitutions of one file may take (``${A//x/y}`` tries
# every end at every position): far beyond any real Dockerfile, a few seconds at most.
_PATTERN_BUDGET = 2_000_000

# The scanner's tokens are read with string methods and character sets rather than
# regular expressions: compiling the dozen expressions it needed cost ~5 M
# instructions (~1 ms) of every one-Dockerfile run, as much as the scan itself.  The
# rare paths (pattern substitutions, platform ARGs in stage names, heredoc words)
# still compile theirs, on first use.
_VALID_DIRECTIVES = frozenset({"escape", "syntax", "check"})
# Go's \s in BuildKit's reDirectives: ASCII [\t\n\f\r ].
_DIRECTIVE_SPACE = "\t\n\f\r "
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGITS = frozenset("0123456789")
_ALNUM = _LETTERS | _DIGITS
# BuildKit's tokenWhitespace, between an instruction's words.
_SPACE = frozenset("\t\x0b\x0c\r ")
_STAGE_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")
_NAME_CHAR = _ALNUM | frozenset("_")
_NAME_START = _LETTERS | frozenset("_")
_OPTION_CHAR = _NAME_CHAR | frozenset("-")
_AS = frozenset({"as", "AS", "As", "aS"})
# BuildKit's automatic platform ARGs, each with what its value can look like and the
# value it has when building for linux/amd64 (the value pinlint grades an image with).
_PLATFORM_ARGS = {
    "TARGETPLATFORM": (r"[a-z0-9_]+/[a-z0-9_]+(?:/[a-z0-9_]+)?", "linux/amd64"),
    "TARGETOS": (r"[a-z0-9_]+", "linux"),
    "TARGETARCH": (r"[a-z0-9_]+", "amd64"),
    "TARGETVARIANT": (r"[a-z0-9_]*", ""),
    "BUILDPLATFORM": (r"[a-z0-9_]+/[a-z0-9_]+(?:/[a-z0-9_]+)?", "linux/amd64"),
    "BUILDOS": (r"[a-z0-9_]+", "linux"),
    "BUILDARCH": (r"[a-z0-9_]+", "amd64"),
    "BUILDVARIANT": (r"[a-z0-9_]*", ""),
}
# A platform ARG's value stands in the expanded text as NUL, its name, NUL: a file
# with a NUL byte is never scanned, so the marker cannot be written by anyone.
_PLATFORM_MARK = "\x00([A-Z]+)\x00"
# Instructions that can hold heredocs, and those worth a closer look.
_HEREDOC_CMDS = frozenset({"run", "copy", "add"})
_INTERESTING = frozenset({"from", "arg", "copy", "run", "add", "onbuild"})
_ALWAYS = frozenset({"from", "arg"})
_ALWAYS_T = tuple(_ALWAYS)
_FLAGGED_T = tuple(_INTERESTING - _ALWAYS)
# Flags that take a value; written without ``=`` the value is the next word.
_NO_FLAGS: frozenset[str] = frozenset()
_VALUE_FLAGS = {
    "from": frozenset({"platform"}),
    "copy": frozenset({"from", "chown", "chmod", "exclude"}),
    "add": frozenset({"chown", "chmod", "exclude", "checksum"}),
    "run": frozenset({"mount", "network", "security", "device"}),
}


# Plain slotted classes, not typing.NamedTuple (CONTRIBUTING.md, "Start-up budget").
class _Val:
    """A value after expansion and where it came from."""

    __slots__ = ("span", "text", "unresolved", "var")

    def __init__(
        self,
        text: str | None,  # None: a variable without a value went into it
        span: tuple[int, int] | None,  # file offsets of the text that supplies it, if any
        unresolved: str | None = None,  # the variable without a value
        var: str | None = None,  # the first variable it came through
    ) -> None:
        self.text = text
        self.span = span
        self.unresolved = unresolved
        self.var = var


_EMPTY = _Val("", None)


class _WordError(Exception):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


class _Map:
    """Character index in a logical instruction -> offset in the file."""

    __slots__ = ("base", "offs", "starts")

    def __init__(
        self, base: int, starts: list[int] | None = None, offs: list[int] | None = None
    ) -> None:
        # ``base`` >= 0: one physical line (nearly every instruction), a plain shift.
        self.base = base
        self.starts = starts or [0]
        self.offs = offs or [base]

    def off(self, i: int) -> int:
        if self.base >= 0:
            return self.base + i
        from bisect import bisect_right

        # Not a walk back from the last line: an instruction continued over thousands of
        # lines, with a flag on each, would make that quadratic.
        k = max(bisect_right(self.starts, i) - 1, 0)
        return self.offs[k] + i - self.starts[k]

    def span(self, a: int, b: int) -> tuple[int, int]:
        if self.base >= 0:
            return (self.base + a, self.base + max(a, b))
        if b <= a:
            o = self.off(a)
            return (o, o)
        return (self.off(a), self.off(b - 1) + 1)


class _Flag:
    __slots__ = ("direct", "end", "name", "start", "value")

    def __init__(self, name: str, value: str, start: int, end: int, direct: bool) -> None:
        self.name = name
        self.value = value  # after quote removal
        self.start = start  # raw value in the logical line
        self.end = end
        self.direct = direct  # ``line[start:end] == value``: expand in place, exact spans


# --- tokens ----------------------------------------------------------------------


def _word_end(s: str, i: int) -> int:
    """The end of the word that starts at ``i``: the next whitespace, or the end."""
    n = len(s)
    while i < n and s[i] not in _SPACE:
        i += 1
    return i


def _space_end(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _SPACE:
        i += 1
    return i


def _words(s: str, i: int) -> list[tuple[int, int]]:
    """Where each whitespace-separated word from ``i`` on starts and ends."""
    out = []
    n = len(s)
    i = _space_end(s, i)
    while i < n:
        end = _word_end(s, i)
        out.append((i, end))
        i = _space_end(s, end)
    return out


def _plain(s: str, i: int, end: int) -> bool:
    """Whether ``s[i:end]`` needs no quote removal, escape or expansion."""
    sub = s[i:end]
    return not ("$" in sub or "'" in sub or '"' in sub or "\\" in sub or "`" in sub)


def _directive(text: str) -> tuple[str, str, int] | None:
    """BuildKit's reDirectives, ``#\\s*([a-zA-Z][a-zA-Z0-9]*)\\s*=\\s*(.+?)\\s*$``:
    (name, value, where the value starts), or None."""
    eq = text.find("=")
    if not text.startswith("#") or eq < 0:
        return None
    name = text[1:eq].strip(_DIRECTIVE_SPACE)
    if not name or name[0] not in _LETTERS or not _ALNUM.issuperset(name):
        return None
    rest = text[eq + 1 :]
    lead = len(rest) - len(rest.lstrip(_DIRECTIVE_SPACE))
    value = rest[lead:].rstrip(_DIRECTIVE_SPACE)
    if not value:
        if not rest:
            return None
        # Only whitespace: the lazy ``.+?`` takes its last character.
        lead, value = len(rest) - 1, rest[-1]
    if "\n" in value:
        return None
    return name, value, eq + 1 + lead


def _whole_var(s: str, i: int, end: int) -> str | None:
    """The variable's name when ``s[i:end]`` is just ``${NAME}`` or ``$NAME``."""
    if end - i < 2 or s[i] != "$":
        return None
    braced = s[i + 1] == "{" and s[end - 1] == "}"
    name = s[i + 2 : end - 1] if braced else s[i + 1 : end]
    if name and name[0] not in _DIGITS and _NAME_CHAR.issuperset(name):
        return name
    return None


def _from_args(s: str, i: int) -> tuple[int, int, int, int] | None:
    """FROM's arguments from ``i``: one word, or ``word AS name``
    (parseStringsWhitespaceDelimited): the word's span and the name's, (-1, -1) if
    none; None for any other shape."""
    n = len(s)
    end = _word_end(s, i)
    if end == i:
        return None
    j = _space_end(s, end)
    if j == n:
        return i, end, -1, -1
    k = _word_end(s, j)
    if s[j:k] not in _AS:
        return None
    a = _space_end(s, k)
    b = _word_end(s, a)
    if a in (k, b) or _space_end(s, b) != n:
        return None
    return i, end, a, b


def _template_option_end(s: str, i: int, end: int) -> int:
    """Past the ``NAME}`` that ends ``${templateOption:NAME}`` at ``i`` (``NAME`` is
    ``[A-Za-z_][A-Za-z0-9_-]*``), or -1."""
    e = i
    while e < end and s[e] in _OPTION_CHAR:
        e += 1
    if e < end and s[e] == "}" and e > i and s[i] in _NAME_START:
        return e + 1
    return -1


def _is_stage_name(text: str) -> bool:
    """``[a-z][a-z0-9-_.]*``, BuildKit's stage name (after lower-casing)."""
    return bool(text) and "a" <= text[0] <= "z" and _STAGE_NAME_CHARS.issuperset(text)


def _is_stage_index(text: str) -> bool:
    """A stage index as Go's strconv.Atoi reads it: ``[+-]?[0-9]+``."""
    digits = text[1:] if text.startswith(("+", "-")) else text
    return bool(digits) and _DIGITS.issuperset(digits)


@once
def _platform_mark() -> re.Pattern[str]:
    import re  # lazy: re

    return re.compile(_PLATFORM_MARK)


# --- words and variables ---------------------------------------------------------


def _expand(s: str, i: int, end: int, env: Mapping[str, _Val], esc: str, m: _Map | None) -> _Val:
    """Expand ``s[i:end]`` as BuildKit's shell lexer does (quotes, escapes, ``$VAR``)."""
    if _plain(s, i, end):
        return _Val(s[i:end], m.span(i, end) if m is not None else None)
    whole = _whole_var(s, i, end)
    if whole is not None:  # ``${BASE}`` or ``$BASE``, the usual spelling
        return _lookup(env, whole)
    val, _ = _word(s, i, end, "", env, esc, m)
    return val


def _word(
    s: str, i: int, end: int, stop: str, env: Mapping[str, _Val], esc: str, m: _Map | None
) -> tuple[_Val, int]:
    """Lex ``s[i:end]`` up to ``stop`` (``}`` inside ``${…}``) and return the value.

    The value keeps a span when it is one clean run of literal text (possibly quoted) or
    passes one variable through unchanged; otherwise the caller uses the whole word.
    """
    texts: list[str] = []
    regions: list[tuple[int, int]] = []  # clean literal runs (raw == text)
    dirty = False  # an escaped character is in the text
    single: _Val | None = None
    nvars = 0
    unresolved: str | None = None
    var: str | None = None
    run = -1

    def piece(v: _Val) -> None:
        nonlocal single, nvars, unresolved, var
        nvars += 1
        single = v
        if v.text is None:
            unresolved = unresolved or v.unresolved
        else:
            texts.append(v.text)
        var = var or v.var

    while i < end:
        ch = s[i]
        if ch == stop:
            if run >= 0:
                regions.append((run, i))
                texts.append(s[run:i])
            return _finish(texts, regions, dirty, single, nvars, unresolved, var, m), i + 1
        if ch == "$" or ch == "'" or ch == '"' or ch == esc:
            if run >= 0:
                regions.append((run, i))
                texts.append(s[run:i])
                run = -1
        else:
            if run < 0:
                run = i
            i += 1
            continue
        if ch == "$":
            v, i = _dollar(s, i, end, env, esc, m)
            if v is None:  # a lone ``$``
                texts.append("$")
                dirty = True
            else:
                piece(v)
        elif ch == "'":
            j = s.find("'", i + 1, end)
            if j < 0:
                raise _WordError(
                    "unexpected end of statement while looking for matching single-quote", i
                )
            regions.append((i + 1, j))
            texts.append(s[i + 1 : j])
            i = j + 1
        elif ch == '"':
            i += 1
            start = i
            while True:
                if i >= end:
                    raise _WordError(
                        "unexpected end of statement while looking for matching double-quote",
                        start - 1,
                    )
                c = s[i]
                if c == '"' or c == "$" or c == esc:
                    if i > start:
                        regions.append((start, i))
                        texts.append(s[start:i])
                    if c == '"':
                        i += 1
                        break
                    if c == "$":
                        v, i = _dollar(s, i, end, env, esc, m)
                        if v is None:
                            texts.append("$")
                            dirty = True
                        else:
                            piece(v)
                    else:
                        nxt = s[i + 1] if i + 1 < end else ""
                        if nxt in ('"', "$", esc) and nxt:
                            texts.append(nxt)
                            i += 2
                        else:
                            texts.append(c)
                            i += 1
                        dirty = True
                    start = i
                else:
                    i += 1
        else:  # escape character: the next one is literal; at the end it is dropped
            if i + 1 < end:
                texts.append(s[i + 1])
            dirty = True
            i += 2
    if stop:
        raise _WordError(f"missing '{stop}'", end)
    if run >= 0:
        regions.append((run, end))
        texts.append(s[run:end])
    return _finish(texts, regions, dirty, single, nvars, unresolved, var, m), end


def _finish(
    texts: list[str],
    regions: list[tuple[int, int]],
    dirty: bool,
    single: _Val | None,
    nvars: int,
    unresolved: str | None,
    var: str | None,
    m: _Map | None,
) -> _Val:
    if single is not None and nvars == 1 and not dirty and not any(a < b for a, b in regions):
        return single  # ``${IMG}``, ``"${IMG}"``, ``${IMG:-nginx}``: passes one value through
    if unresolved is not None:
        return _Val(None, None, unresolved, var)
    span = None
    if nvars == 0 and not dirty and len(regions) == 1 and m is not None:
        span = m.span(*regions[0])
    if sum(map(len, texts)) > MAX_VALUE:
        raise _WordError(f"value too long (more than {MAX_VALUE} characters)", 0)
    return _Val("".join(texts), span, None, var)


def _dollar(
    s: str, i: int, end: int, env: Mapping[str, _Val], esc: str, m: _Map | None
) -> tuple[_Val | None, int]:
    """``s[i] == '$'``: expand one parameter; ``None`` for a ``$`` that is just text."""
    j = i + 1
    if j < end and s[j] == "{":
        k = j + 1
        while k < end and s[k] in _NAME_CHAR:
            k += 1
        name = s[j + 1 : k]
        if k >= end:
            raise _WordError("missing '}'", i)
        if not name:
            raise _WordError("bad substitution", i)
        op = s[k]
        if name == "templateOption" and op == ":":
            # ``${templateOption:imageVariant}``: a Dev Container template option, put in
            # by the templates tool before Docker reads the file.
            e = _template_option_end(s, k + 1, end)
            if e >= 0:
                value = env.get("templateOption:" + s[k + 1 : e - 1])
                if value is None:
                    spelled = s[i:e]
                    return _Val(None, None, spelled, spelled), e
                return value, e
        cur = _lookup(env, name)
        if op == "}":
            return cur, k + 1
        colon = op == ":"
        if colon:
            k += 1
            op = s[k] if k < end else ""
            if op not in ("-", "+", "?"):
                raise _WordError(f"unsupported modifier ({op}) in substitution", k)
        if op in ("-", "+", "?"):
            alt, k = _word(s, k + 1, end, "}", env, esc, m)
            unset = name not in env
            empty = unset or not env[name].text
            missing = empty if colon else unset
            if op == "-":
                return (alt if missing else cur), k
            if op == "+":
                return (_EMPTY if missing else alt), k
            return (_Val(None, None, name, name) if missing else cur), k
        if op in ("#", "%", "/"):
            return _pattern(s, k, end, op, cur, name, env, esc)
        raise _WordError(f"unsupported modifier ({op}) in substitution", k)
    k = j
    if k < end and s[k].isdigit():
        while k < end and s[k].isdigit():
            k += 1
    else:
        while k < end and s[k] in _NAME_CHAR:
            k += 1
    if k == j:
        return None, j
    return _lookup(env, s[j:k]), k


def _lookup(env: Mapping[str, _Val], name: str) -> _Val:
    v = env.get(name)
    if v is None:
        return _Val(None, None, name, name)
    return v if v.var is not None else _Val(v.text, v.span, v.unresolved, name)


class _Budget:
    """Regex steps left for the pattern substitutions of one file."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = _PATTERN_BUDGET

    def spend(self, steps: int, at: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise _WordError("pattern substitutions too costly to evaluate", at)


_BUDGET = _Budget()  # replaced for each file by ``scan``


def _pattern(
    s: str,
    k: int,
    end: int,
    op: str,
    cur: _Val,
    name: str,
    env: Mapping[str, _Val],
    esc: str,
) -> tuple[_Val, int]:
    """``${VAR#pat}``, ``##``, ``%``, ``%%``, ``/pat/repl``, ``//``: rare, so lazy imports."""
    import fnmatch
    import re

    longest = k + 1 < end and s[k + 1] == op
    k += 2 if longest else 1
    if op == "/":
        pat, k = _word(s, k, end, "/", env, esc, None)
        repl, k = _word(s, k, end, "}", env, esc, None)
    else:
        pat, k = _word(s, k, end, "}", env, esc, None)
        repl = _EMPTY
    value = cur.text
    if value is None or pat.text is None or repl.text is None:
        return _Val(None, None, cur.unresolved or pat.unresolved or repl.unresolved, name), k
    rx = re.compile(fnmatch.translate(pat.text))  # anchored at the end: full matches
    n = len(value)
    # Up to n regex matches of up to n steps each (n * n for "/", which tries every end
    # at every position, but then a match is short): a budget of n * n per substitution.
    if n > MAX_VALUE:
        raise _WordError(f"value too long (more than {MAX_VALUE} characters)", k)
    _BUDGET.spend(n * n, k)
    if op == "/":
        out: list[str] = []
        at, replaced = 0, False
        while at < n:
            hit = None
            if longest or not replaced:  # the longest non-empty match here, as bash takes it
                hit = next((e for e in range(n, at, -1) if rx.match(value, at, e)), None)
            if hit is None:
                out.append(value[at])
                at += 1
            else:
                out.append(repl.text)
                at, replaced = hit, True
        value = "".join(out)
    elif op == "#":
        cuts = range(n, -1, -1) if longest else range(n + 1)
        value = next((value[c:] for c in cuts if rx.match(value, 0, c)), value)
    else:
        cuts = range(n + 1) if longest else range(n, -1, -1)
        value = next((value[:c] for c in cuts if rx.match(value, c)), value)
    return _Val(value, None, None, name), k


# --- flags and heredocs ---------------------------------------------------------


def _flags(s: str, i: int, value_flags: frozenset[str]) -> tuple[list[_Flag], int]:
    """BuildKit's extractBuilderFlags, keeping where each value is written."""
    out: list[_Flag] = []
    n = len(s)
    while True:
        i = _space_end(s, i)
        if not s.startswith("--", i):
            return out, i
        end = _word_end(s, i)
        if _plain_flag(s, i, end):  # the common case: ``--from=build``
            name, sep, value_s = s[i + 2 : end].partition("=")
            value = value_s if sep else None
            vs, i = i + 3 + len(name), end
            if value is None and name == "":
                return out, i  # ``--`` ends the flags
        else:
            word_start = i
            word, i = _flag_word(s, i)
            name, sep, value_s = word[2:].partition("=")
            value = value_s if sep else None
            eq = s.find("=", word_start, i)
            vs = eq + 1 if eq >= 0 else i
        if value is None:
            if name not in value_flags:
                out.append(_Flag(name, "true", i, i, False))
                continue
            while i < n and s[i] in _SPACE:
                i += 1
            vs = i
            if i >= n:
                out.append(_Flag(name, "", i, i, False))
                return out, i
            value, i = _flag_word(s, i)
        out.append(_direct(s, name, value, vs, i))


def _plain_flag(s: str, i: int, end: int) -> bool:
    """A flag word without quotes or backslashes."""
    sub = s[i:end]
    return not ("'" in sub or '"' in sub or "\\" in sub)


def _flag_word(s: str, i: int) -> tuple[str, int]:
    """One word as extractBuilderFlags reads it: quotes removed, backslash escapes."""
    buf: list[str] = []
    n = len(s)
    while i < n:
        ch = s[i]
        if ch in _SPACE:
            break
        if ch == "'" or ch == '"':
            i += 1
            while i < n and s[i] != ch:
                if s[i] == "\\" and i + 1 < n:
                    i += 1
                buf.append(s[i])
                i += 1
            i += 1
            continue
        if ch == "\\":
            i += 1
            if i >= n:
                break
            ch = s[i]
        buf.append(ch)
        i += 1
    return "".join(buf), min(i, n)


def _direct(s: str, name: str, value: str, vs: int, ve: int) -> _Flag:
    raw = s[vs:ve]
    if raw == value:
        return _Flag(name, value, vs, ve, True)
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'" and raw[1:-1] == value:
        return _Flag(name, value, vs + 1, ve - 1, True)
    return _Flag(name, value, vs, ve, False)


def _shell_words(s: str) -> list[str]:
    """Words split as a shell would, quotes and backslashes kept (heredoc detection)."""
    words: list[str] = []
    buf: list[str] = []
    quote = ""
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"' and i + 1 < n:
                buf.append(s[i + 1])
                i += 1
        elif ch.isspace():
            if buf:
                words.append("".join(buf))
                buf = []
        else:
            buf.append(ch)
            if ch == "'" or ch == '"':
                quote = ch
            elif ch == "\\" and i + 1 < n:
                buf.append(s[i + 1])
                i += 1
        i += 1
    if buf:
        words.append("".join(buf))
    return words


def _heredocs(line: str) -> list[tuple[str, bool]]:
    """(terminator, strip leading tabs) for each heredoc opened on ``line``."""
    docs = []
    for word in _shell_words(line):
        if "<<" not in word:
            continue
        import re  # lazy: re

        m = re.match(r"(\d*)<<(-?)([^<]*)\Z", word)  # rare: compiled on first use
        if m is None or not m.group(3):
            continue
        names = _shell_words(m.group(3))
        if len(names) != 1:
            continue
        # Quotes removed; BuildKit leaves an unknown ``$VAR`` as written.
        name = _expand(names[0], 0, len(names[0]), {}, "\\", None).text or names[0]
        docs.append((name, m.group(2) == "-"))
    return docs


def _is_json_form(rest: str) -> bool:
    """parseMaybeJSON: a JSON array of strings is the exec form (no heredocs there)."""
    if not rest.lstrip().startswith("["):
        return False
    import json

    try:
        value = json.loads(rest)
    except ValueError:
        return False
    if not all(isinstance(x, str) for x in value):
        raise _WordError(
            "when using JSON array syntax, arrays must be comprised of strings only", 0
        )
    return True


# --- the scanner ----------------------------------------------------------------


class _Scanner:
    def __init__(
        self,
        path: str,
        text: str,
        build_args: Mapping[str, str],
        template_options: Mapping[str, str] | None = None,
        built_images: frozenset[str] = frozenset(),
    ) -> None:
        self.path = path
        self.text = text
        self.build_args = build_args
        self.bom = 1 if text.startswith("\ufeff") else 0
        self.found: list[Occurrence] = []
        self.esc = "\\"
        # Dev Container template options are text put in before the build: in every scope.
        self.template_env: dict[str, _Val] = {
            "templateOption:" + key: _Val(value, None, None, "templateOption:" + key)
            for key, value in (template_options or {}).items()
        }
        self.global_env: dict[str, _Val] = {
            name: _Val(build_args.get(name, f"\x00{name}\x00"), None, None, name)
            for name in _PLATFORM_ARGS
        }
        self.global_env.update(self.template_env)
        self.stage_env: dict[str, _Val] = dict(self.template_env)
        self.in_stage = False
        self.stages: set[str] = set()
        self._line_starts: list[int] | None = None
        # Images a compose file of the tree builds: the project's own, like a stage.
        self.built_images = built_images

    # positions

    def where(self, off: int) -> tuple[int, int]:
        text = self.text
        if off < 4096:  # the first lines: counting is cheaper than an index
            line_start = text.rfind("\n", 0, off) + 1
            line = text.count("\n", 0, off) + 1
        else:
            # An index of line starts, built once: counting from the top for every
            # reference of a large file would be quadratic.
            from bisect import bisect_right

            if self._line_starts is None:
                import re  # lazy: re

                self._line_starts = [0, *(m.end() for m in re.finditer("\n", text))]
            line = bisect_right(self._line_starts, off)
            line_start = self._line_starts[line - 1]
        if line_start == 0:
            line_start = self.bom  # the BOM is not a column anybody sees
        return line, off - line_start + 1

    def error(self, message: str, off: int) -> ParseError:
        return ParseError(message, *self.where(off))

    def is_stage(self, text: str) -> bool:
        """``text`` names a previous stage, for some value of the platform ARGs in it."""
        if text in self.built_images:
            return True
        if "\x00" not in text:
            return text.lower() in self.stages
        # split: literal text at even indexes, ARG names at odd ones
        import re  # lazy: re

        parts = _platform_mark().split(text)
        rx = re.compile(
            "".join(
                _PLATFORM_ARGS[p][0] if i % 2 else re.escape(p.lower()) for i, p in enumerate(parts)
            )
        )
        return any(rx.fullmatch(stage) for stage in self.stages)

    def add(self, v: _Val, word: tuple[int, int], context: str, instr_line: int) -> None:
        if v.text is not None and "\x00" in v.text:
            # An image built from a platform ARG: graded as built for linux/amd64, and
            # not rewritten (its text is not what is written).
            text = _platform_mark().sub(lambda mo: _PLATFORM_ARGS[mo.group(1)][1], v.text)
            v = _Val(text, None, None, v.var)
        image = v.text
        unresolved = v.unresolved
        span = v.span
        if image == "" and v.var is not None:  # an empty variable: ask for its value
            image, unresolved = None, v.var
        if image is None or span is None:
            span = word
        start, end = span
        line, column = self.where(start)
        self.found.append(
            Occurrence(
                path=self.path,
                start=start,
                end=end,
                line=line,
                column=column,
                written=self.text[start:end],
                image=image,
                context=context,
                use_line=instr_line if instr_line != line else None,
                unresolved=unresolved if image is None else None,
            )
        )

    # directives

    def directives(self, lines: list[str]) -> None:
        """``# escape`` as the parser reads it, ``# syntax`` as the frontend picks it."""
        bom = self.bom
        seen: set[str] = set()
        off = 0
        for idx, raw in enumerate(lines):
            line_off = off + (bom if idx == 0 else 0)
            off += len(raw) + 1
            body = (raw[bom:] if idx == 0 else raw).rstrip("\r")
            stripped = body.lstrip()
            d = _directive(stripped)
            if d is None or d[0].lower() not in _VALID_DIRECTIVES:
                break
            key, value, at = d[0].lower(), d[1], d[2]
            if key in seen:
                raise self.error(f"only one {key} parser directive can be used", line_off)
            seen.add(key)
            if key == "escape":
                if value not in ("\\", "`"):
                    start = line_off + len(body) - len(stripped) + at
                    raise self.error(
                        f"invalid escape token '{value}' does not match ` or \\", start
                    )
                self.esc = value
        # The frontend (parser.DetectSyntax) skips a shebang line and wants '#' in
        # column 1; it takes the first "syntax" it meets.
        seen = set()
        off = 0
        for idx, raw in enumerate(lines):
            line_off = off + (bom if idx == 0 else 0)
            off += len(raw) + 1
            body = (raw[bom:] if idx == 0 else raw).rstrip("\r")
            if idx == 0 and body.startswith("#!"):
                continue
            d = _directive(body)
            if d is None or d[0].lower() not in _VALID_DIRECTIVES:
                break
            key, value, at = d[0].lower(), d[1], d[2]
            if key in seen:
                break
            seen.add(key)
            if key == "syntax":
                ref = value.split(" ", 1)[0]
                start = line_off + at
                line, column = self.where(start)
                self.found.append(
                    Occurrence(
                        self.path, start, start + len(ref), line, column, ref, ref, "# syntax"
                    )
                )
                break

    # instructions

    def run(self) -> list[Occurrence]:
        text = self.text
        lines = text.split("\n")
        if lines[0].lstrip("\ufeff").lstrip().startswith("#"):
            self.directives(lines)
        esc = self.esc
        n = len(lines)
        li = 0
        off = self.bom
        if self.bom:
            lines[0] = lines[0][1:]
        while li < n:
            raw = lines[li]
            loff = off
            off += len(raw) + 1
            li += 1
            s = raw.lstrip()
            if not s or s[0] == "#":
                continue
            first = li
            lead = len(raw) - len(s)
            if s[-1] == "\r":
                s = s.rstrip("\r")
            t = s.rstrip(" \t") if s[-1] in " \t" else s
            cont = t[-1] == esc and (len(t) == 1 or t[-2] != esc)
            # Most lines are instructions nobody needs to look at: decide on the first
            # line (a keyword cut by a continuation is joined first, as BuildKit does).
            head = s[:8].lower()
            if head.startswith(_ALWAYS_T):
                keep = True
            elif head.startswith(_FLAGGED_T):  # only flags or a heredoc matter
                keep = cont or "--" in s or "<<" in s
            else:
                keep = cont and " " not in t and "\t" not in t
            if not cont:
                if not keep:
                    continue
                logical = s
                m = _Map(loff + lead)
            else:
                # A continued instruction: join the pieces, remember where each starts.
                logical = t[:-1]
                starts, offs = [0], [loff + lead]
                while li < n:
                    raw = lines[li]
                    loff = off
                    off += len(raw) + 1
                    li += 1
                    body = raw.rstrip("\r")
                    stripped = body.lstrip()
                    if not stripped or stripped[0] == "#":
                        continue
                    t = body.rstrip(" \t")
                    cont = t[-1] == esc and (len(t) == 1 or t[-2] != esc)
                    if keep:
                        starts.append(len(logical))
                        offs.append(loff)
                        logical += t[:-1] if cont else body
                    if not cont:
                        break
                if not keep:
                    continue
                m = _Map(-1, starts, offs)
            cmd_end = _word_end(logical, 0)
            if cmd_end == 0:
                continue
            kw = logical[:cmd_end].lower()
            if kw not in _INTERESTING:
                continue
            if kw not in _ALWAYS and "--" not in logical and "<<" not in logical:
                continue  # no flags, no heredoc: nothing to see (most RUN and COPY lines)
            try:
                heredocs = self.instruction(kw, logical, _space_end(logical, cmd_end), m, first)
                docs = _heredocs(logical) if heredocs and "<<" in logical else []
            except _WordError as e:
                raise self.error(e.message, m.off(min(e.index, max(len(logical) - 1, 0)))) from e
            if docs:
                for name, chomp in docs:
                    while True:
                        if li >= n:
                            raise self.error("unterminated heredoc", m.off(0))
                        raw = lines[li]
                        off += len(raw) + 1
                        li += 1
                        end = raw.rstrip("\r\n")
                        if (end.lstrip("\t") if chomp else end) == name:
                            break
        return self.found

    def instruction(self, kw: str, s: str, i: int, m: _Map, line: int) -> bool:
        """Handle one logical instruction; return whether it may open heredocs."""
        if kw == "onbuild":
            sub_end = _word_end(s, i)
            if sub_end == i:
                return False
            kw = s[i:sub_end].lower()
            if kw not in _HEREDOC_CMDS:
                return False
            _, rest = _flags(s, _space_end(s, sub_end), _VALUE_FLAGS.get(kw, _NO_FLAGS))
            return not _is_json_form(s[rest:])
        if s.startswith("--", i):
            flags, rest = _flags(s, i, _VALUE_FLAGS.get(kw, _NO_FLAGS))
        else:
            flags, rest = [], i
        if kw == "from":
            self.from_(s, rest, m, line)
            return False
        if kw == "arg":
            self.arg(s, rest, m)
            return False
        if kw == "copy":
            for f in flags:
                if f.name == "from":
                    self.stage_ref(f, s, m, "COPY --from", line)
        elif kw == "run":
            for f in flags:
                if f.name == "mount":
                    self.mount(f, s, m, line)
        return "<<" in s and not _is_json_form(s[rest:])

    def from_(self, s: str, i: int, m: _Map, line: int) -> None:
        args = _from_args(s, i)
        if args is None:
            raise _WordError("FROM requires either one or three arguments", 0)
        a, b, stage_start, stage_end = args
        stage = s[stage_start:stage_end] if stage_start >= 0 else None
        if stage is not None and not _is_stage_name(stage.lower()):
            raise _WordError(
                f"invalid name for build stage: {stage!r}, "
                "name can't start with a number or contain symbols",
                stage_start,
            )
        v = _expand(s, a, b, self.global_env, self.esc, m)
        if v.text is None or (v.text != "scratch" and not self.is_stage(v.text)):
            self.add(v, m.span(a, b), "FROM", line)
        if stage is not None:
            self.stages.add(stage.lower())
        self.in_stage = True
        self.stage_env = dict(self.template_env)

    def arg(self, s: str, i: int, m: _Map) -> None:
        env = self.stage_env if self.in_stage else self.global_env
        for a, b in _arg_words(s, i, self.esc):
            eq = s.find("=", a, b)
            if eq < 0:
                key = s[a:b]
                if self.in_stage and key in self.global_env:
                    env[key] = self.global_env[key]
                elif not self.in_stage and key in _PLATFORM_ARGS and key not in self.build_args:
                    # ``ARG TARGETOS`` in the global scope keeps the automatic value.
                    env[key] = _Val(f"\x00{key}\x00", None, None, key)
                elif key in self.build_args:
                    env[key] = _Val(self.build_args[key], None)
                else:
                    env.pop(key, None)
                continue
            key = s[a:eq]
            v = _expand(s, eq + 1, b, env, self.esc, m)
            if key in self.build_args:
                # --build-arg wins; the default is still what the file says.
                own = v.span
                raw = m.span(eq + 1, b)
                if own is None or not (raw[0] <= own[0] and own[1] <= raw[1]):
                    own = raw
                v = _Val(self.build_args[key], own, None, key)
            env[key] = v

    def stage_ref(self, f: _Flag, s: str, m: _Map, context: str, line: int) -> None:
        if f.direct:
            v = _expand(s, f.start, f.end, self.stage_env, self.esc, m)
        else:
            v = _expand(f.value, 0, len(f.value), self.stage_env, self.esc, None)
        self.check_stage(v, m.span(f.start, f.end), context, line)

    def check_stage(self, v: _Val, word: tuple[int, int], context: str, line: int) -> None:
        text = v.text
        if text is not None:
            if text == "" and v.var is None:
                return  # ``--from=``: the build context
            if self.is_stage(text) or _is_stage_index(text):
                return
        self.add(v, word, context, line)

    def mount(self, f: _Flag, s: str, m: _Map, line: int) -> None:
        if '"' in f.value:
            # The mount spec is CSV: quoted fields are rare, read them without spans.
            import csv

            fields = [(field, -1) for row in csv.reader([f.value]) for field in row]
        elif f.direct:
            fields = []
            pos = f.start
            for field in f.value.split(","):
                fields.append((field, pos))
                pos += len(field) + 1
        else:
            fields = [(field, -1) for field in f.value.split(",")]
        typ = "bind"
        ref: tuple[str, int] | None = None
        for field, pos in fields:
            key, sep, value = field.partition("=")
            key = key.lower()
            if key == "type" and sep:
                typ = value.lower()
            elif key == "from" and sep:
                ref = (value, pos + len(key) + 1 if pos >= 0 else -1)
        if ref is None or typ not in ("bind", "cache"):
            return
        value, pos = ref
        if pos >= 0:
            v = _expand(s, pos, pos + len(value), self.stage_env, self.esc, m)
            word = m.span(pos, pos + len(value))
        else:
            v = _expand(value, 0, len(value), self.stage_env, self.esc, None)
            word = m.span(f.start, f.end)
        self.check_stage(v, word, "RUN --mount", line)


def _arg_words(s: str, i: int, esc: str) -> list[tuple[int, int]]:
    """BuildKit's parseWords for ARG: whitespace outside quotes splits words."""
    if _plain(s, i, len(s)):
        return _words(s, i)
    words = []
    n = len(s)
    start = -1
    quote = ""
    while i < n:
        ch = s[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == esc and quote != "'":
                i += 1
        elif ch.isspace():
            if start >= 0:
                words.append((start, i))
                start = -1
        else:
            if start < 0:
                start = i
            if ch == "'" or ch == '"':
                quote = ch
            elif ch == esc:
                i += 1
        i += 1
    if start >= 0:
        words.append((start, min(i, n)))
    return words


def scan(
    path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """Image references in a Dockerfile, each with the span to rewrite.

    A Dockerfile needs no other file, except

    - in a Dev Container template: its ``${templateOption:NAME}`` placeholders take the
      options' defaults from the ``devcontainer-template.json`` of the template (beside
      the Dockerfile, or one level up, beside the ``.devcontainer`` folder that holds it);
    - when a reference comes through a variable and a compose file of the tree builds
      the Dockerfile: its ``build.args`` are ARG values (``--build-arg`` wins), and an
      image another service builds is the project's own, not a finding
      (``pinlint.formats.compose.dockerfile_builds``).
    """
    global _BUDGET
    _BUDGET = _Budget()
    if project is None:
        from pinlint.formats import Project

        project = Project()
    options_found = None
    if "${templateOption:" in text:
        options_found = template_defaults(path, project)
    found = _Scanner(path, text, options.build_args, options_found).run()
    if any(o.image is None or o.image != o.written for o in found) and _compose_above(
        path, project
    ):
        # A reference comes through a variable: the compose files that build this
        # Dockerfile may pass it (``build.args``), or name the image another service
        # builds.  Asked only then: most Dockerfiles need no other file.
        from pinlint.formats import compose

        builds = compose.dockerfile_builds(project, path)
        if builds.args or builds.images:
            args = {**builds.args, **options.build_args}  # --build-arg wins
            found = _Scanner(path, text, args, options_found, builds.images).run()
    return found


def _compose_above(path: str, project: Project) -> bool:
    """A compose file docker compose would find lies beside ``path`` or above it, in the
    scanned tree: a few ``stat`` calls that spare the one-file run the compose module."""
    import os

    directory = os.path.dirname(os.path.abspath(path))
    while project.inside(path, directory) is not None:
        for name in ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"):
            if os.path.isfile(os.path.join(directory, name)):
                return True
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return False


def template_defaults(path: str, project: Project) -> dict[str, str]:
    """``{option: default}`` of the Dev Container template that holds ``path``.

    Only string defaults count (a boolean option is no part of an image name); a missing,
    unreadable or malformed ``devcontainer-template.json`` gives no defaults, and the
    placeholders stay unresolved (PIN006).
    """
    import os

    for name in ("devcontainer-template.json", os.path.join("..", "devcontainer-template.json")):
        text = project.read_beside(path, name)
        if text is None:
            continue
        import json

        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            return {}
        options = data.get("options") if isinstance(data, dict) else None
        if not isinstance(options, dict):
            return {}
        return {
            key: option["default"]
            for key, option in options.items()
            if isinstance(key, str)
            and isinstance(option, dict)
            and isinstance(option.get("default"), str)
        }
    return {}
