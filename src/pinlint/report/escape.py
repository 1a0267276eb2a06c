"""Text from files and registries made safe to print.

Paths, image references, tags and messages come from files a stranger may have written
(a pull request) and from registries pinlint does not control.  Printed raw, an ESC or
BEL sequence rewrites the user's terminal (clear the screen, print a fake "No
findings."), a newline starts a new line that a CI log reads as a workflow command
(``::stop-commands::``), a bidirectional override reorders what the reader sees, and a
file name that is not UTF-8 (decoded with surrogate escapes) cannot even be encoded for
output.  :func:`printable` spells every such character as a backslash escape, the way
Python's ``repr`` does, so the text stays readable, one line, and lossless enough to find
the file it names.

Every reporter and every line pinlint prints about a file goes through it.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re

__all__ = ["excerpt", "json_dumps", "json_escape_unsafe", "printable"]


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    # C0 controls, DEL and C1 controls.
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0)):
        table[code] = f"\\x{code:02x}"
    for code, name in ((0x09, "\\t"), (0x0A, "\\n"), (0x0D, "\\r")):
        table[code] = name
    # Line and paragraph separators (JavaScript and some terminals end a line there),
    # and the bidirectional embeddings, overrides and isolates ("Trojan Source").
    for code in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)):
        table[code] = f"\\u{code:04x}"
    # Lone surrogates: from a non-UTF-8 file name (os.fsdecode's surrogateescape keeps
    # each undecodable byte as U+DC80..U+DCFF), shown as the byte they stand for.
    for code in range(0xD800, 0xE000):
        table[code] = f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
    return table


_TABLE: dict[int, str] | None = None


def printable(text: str) -> str:
    """``text`` with control, separator, bidi and surrogate characters escaped.

    A backslash is left as it is: the result is for people, not for parsing back.
    """
    if text.isascii() and text.isprintable():
        return text
    global _TABLE
    if _TABLE is None:
        _TABLE = _table()
    return text.translate(_TABLE)


# Characters of a line :func:`excerpt` quotes at most (before escaping).
EXCERPT_WIDTH = 60


def excerpt(line: str, column: int = 1, width: int = EXCERPT_WIDTH) -> str:
    """The text of one line of a file, to quote in a message: without the indentation and
    the line break, at most ``width`` characters around the 1-based ``column`` (``…``
    where it is cut), escaped by :func:`printable`.  "" for a blank line."""
    body = line.rstrip("\r\n").lstrip("\ufeff")
    stripped = body.lstrip()
    index = max(0, column - 1 - (len(body) - len(stripped)))
    body = stripped.rstrip()
    if len(body) > width:
        start = max(0, min(index - width // 2, len(body) - width))
        end = start + width
        body = ("…" if start else "") + body[start:end] + ("…" if end < len(body) else "")
    return printable(body)


_JSON_UNSAFE: re.Pattern[str] | None = None


def json_dumps(value: object, *, indent: int | None = 2) -> str:
    """``json.dumps`` that keeps non-ASCII text readable but escapes, as ``\\uXXXX``,
    what ``ensure_ascii=False`` would pass through raw: DEL, C1 controls, the line
    separators, bidi controls and lone surrogates (which no UTF-8 writer accepts).

    Lossless: ``json.loads`` gives back the very strings, surrogates included.
    """
    import json

    return json_escape_unsafe(json.dumps(value, indent=indent, ensure_ascii=False))


def json_escape_unsafe(text: str) -> str:
    """JSON text written with ``ensure_ascii=False``, with the characters
    :func:`json_dumps` escapes escaped (outside strings JSON is ASCII, so every match is
    inside a string)."""
    global _JSON_UNSAFE
    if _JSON_UNSAFE is None:
        import re  # lazy: re

        _JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
    if text.isascii() and "\x7f" not in text:
        return text  # two scans in C instead of the regex's
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
