"""``--format json``: an array of findings, the fields of ``Finding.as_dict``.

The bytes are those of ``escape.json_dumps`` (``json.dumps(indent=2,
ensure_ascii=False)`` and its escapes) over the list of ``as_dict()`` objects; a test
compares the two.  ``json.dumps`` with an indent runs its pure-Python encoder, which took
more time than the whole text output on a tree of 14,000 findings; this writer lays out
the flat objects itself and leaves each string to the C string encoder of the standard
library.  orjson (``OPT_INDENT_2``) writes the same bytes but costs 20-70 ms to import on
the benchmark machine and refuses the lone surrogates of non-UTF-8 file names
(bench/README.md, "JSON output").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from json.encoder import encode_basestring

from pinlint.model import Finding
from pinlint.report.escape import json_dumps, json_escape_unsafe

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class _Other(Exception):
    """A value that is not a string, an int or None (never on the lint path)."""


def _null(value: None) -> str:
    return "null"


# Exact types only: a bool or an int subclass goes the json.dumps way.
_ENCODE: dict[type, Callable[[Any], str]] = {
    str: encode_basestring,
    int: int.__repr__,
    type(None): _null,
}


def _key(f: Finding) -> tuple[str, int, int, str]:
    return (f.path, f.line, f.column, f.rule)


def render(findings: Sequence[Finding]) -> str:
    ordered = sorted(findings, key=_key)
    try:
        return _render(ordered) + "\n"
    except _Other:
        return json_dumps([f.as_dict() for f in ordered]) + "\n"


def _render(ordered: Sequence[Finding]) -> str:
    if not ordered:
        return "[]"
    keys = tuple(ordered[0].as_dict())
    # One template for the fixed keys of as_dict (a literal: the same order every time).
    fields = [encode_basestring(k).replace("{", "{{").replace("}", "}}") + ": {}" for k in keys]
    template = "  {{\n    " + ",\n    ".join(fields) + "\n  }}"
    encode = _ENCODE
    objects = []
    try:
        for f in ordered:
            d = f.as_dict()
            if tuple(d) != keys:
                raise _Other
            objects.append(template.format(*[encode[type(v)](v) for v in d.values()]))
    except KeyError:
        raise _Other from None
    # Lossless (a reader gets every path back, a non-UTF-8 name too) and safe to print:
    # control characters, separators and surrogates are \u escapes.
    return json_escape_unsafe("[\n" + ",\n".join(objects) + "\n]")
