"""The Dockerfile scanner's token readers against the regular expressions they replace.

The scanner reads instruction words, FROM's arguments, flags, parser directives and
whole-variable words with string methods (compiling the expressions cost ~1 ms of every
one-Dockerfile run).  Each reader is compared here with the expression it replaced, as
the scanner used it (BuildKit's reDirectives and tokenWhitespace), on generated text.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from pinlint.formats import dockerfile as d

WS = r"[\t\x0b\x0c\r ]"
NOT_WS = r"[^\t\x0b\x0c\r ]"
DIRECTIVE = re.compile(
    r"#[\t\n\f\r ]*([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*(.+?)[\t\n\f\r ]*\Z"
)
CMD = re.compile(rf"({NOT_WS}+){WS}*")
WORD = re.compile(rf"{NOT_WS}+")
FROM_ARGS = re.compile(rf"({NOT_WS}+)(?:{WS}+[Aa][Ss]{WS}+({NOT_WS}+))?{WS}*\Z")
FLAG = re.compile(
    r"--([^\t\x0b\x0c\r =\"'\\]*)(?:=([^\t\x0b\x0c\r \"'\\]*))?(?=[\t\x0b\x0c\r ]|\Z)"
)
STAGE_NAME = re.compile(r"[a-z][a-z0-9\-_.]*\Z")
WHOLE_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))\Z")
SPECIAL = re.compile(r"[$'\"\\`]")
STAGE_INDEX = re.compile(r"[+-]?[0-9]+\Z")
TEMPLATE_OPTION = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)\}")

# Pieces of instructions: words, every kind of whitespace the grammar tells apart, quotes,
# escapes, variables, and characters that are letters or digits to Python only.
PIECES = st.sampled_from(
    [
        "FROM", "as", "AS", "aS", "x", "b1", "_", "-", ".", "--", "=", "#", "$", "{", "}",
        "${A}", "$A", "$1", "'", '"', "\\", "`", " ", "\t", "\x0b", "\x0c", "\r", "\n",
        "\x1c", "\xa0", "syntax", "escape", "é", "٣", "K", "from", "+", "0",
    ]
)  # fmt: skip
TEXT = st.lists(PIECES, max_size=12).map("".join)


@given(TEXT)
@settings(max_examples=3000, deadline=None)
@example("# syntax=   ").via("a value of whitespace only")
@example("#escape=`").via("the escape directive")
def test_directive(text: str) -> None:
    m = DIRECTIVE.match(text)
    expected = None if m is None else (m.group(1), m.group(2), m.start(2))
    assert d._directive(text) == expected


@given(TEXT, st.integers(0, 4))
@settings(max_examples=3000, deadline=None)
def test_words_and_from_arguments(text: str, i: int) -> None:
    i = min(i, len(text))
    cmd = CMD.match(text, i)
    end = d._word_end(text, i)
    assert (end > i) == (cmd is not None)
    if cmd is not None:
        assert (end, d._space_end(text, end)) == (cmd.end(1), cmd.end())
    assert d._words(text, i) == [w.span() for w in WORD.finditer(text, i)]
    args = FROM_ARGS.match(text, i)
    expected = None if args is None else (*args.span(1), *args.span(2))
    assert d._from_args(text, i) == expected


@given(TEXT)
@settings(max_examples=3000, deadline=None)
@example("--from=build").via("the common flag")
@example("--").via("the end of the flags")
def test_flag_fast_path(text: str) -> None:
    text = "--" + text
    end = d._word_end(text, 0)
    m = FLAG.match(text)
    assert d._plain_flag(text, 0, end) == (m is not None)
    if m is not None:
        name, sep, value = text[2:end].partition("=")
        assert (name, value if sep else None, end) == (m.group(1), m.group(2), m.end())
        if sep:
            assert 3 + len(name) == m.start(2)


@given(TEXT)
@settings(max_examples=3000, deadline=None)
@example("${A}").via("braced")
@example("${}").via("empty braces")
@example("$A}").via("a brace after a bare name")
def test_whole_variable_and_plain_words(text: str) -> None:
    m = WHOLE_VAR.match(text)
    assert d._whole_var(text, 0, len(text)) == (None if m is None else m.group(1) or m.group(2))
    assert d._plain(text, 0, len(text)) == (SPECIAL.search(text) is None)
    assert d._is_stage_index(text) == (STAGE_INDEX.match(text) is not None)
    lowered = text.lower()
    assert d._is_stage_name(lowered) == (STAGE_NAME.match(lowered) is not None)


@given(TEXT, st.integers(0, 3))
@settings(max_examples=3000, deadline=None)
@example("imageVariant}", 0).via("a Dev Container template option")
def test_template_option(text: str, cut: int) -> None:
    end = max(len(text) - cut, 0)
    m = TEMPLATE_OPTION.match(text, 0, end)
    assert d._template_option_end(text, 0, end) == (-1 if m is None else m.end())
