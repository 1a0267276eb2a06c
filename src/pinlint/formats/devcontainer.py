"""Dev container configurations (``.devcontainer/devcontainer.json``,
``.devcontainer/<name>/devcontainer.json``, ``.devcontainer.json``).

The top-level ``image`` is the reference; ``features`` are OCI artifacts installed into
it, not images, and ``build``/``dockerComposeFile`` point at files read as what they are.
A template's ``${templateOption:x}`` takes the ``default`` of option ``x`` in the
``devcontainer-template.json`` beside the ``.devcontainer`` folder; such a reference is
reported on the image and not rewritten (the option stays an option).  Other variables
(``${localEnv:X}``) are known only where the container starts and are not reported.

The files are JSON with comments and trailing commas (JSONC).  No parser on PyPI keeps
the positions of values (``json5``, ``commentjson``, ``jsonc-parser`` return plain
objects), and the one value needed is a top-level string: comments and trailing commas
are blanked out with spaces (so every offset stays that of the file), the result is
checked with ``json.loads``, and a small tokenizer finds the ``image`` string.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from pinlint.formats import Project, ScanOptions

__all__ = ["blank_jsonc", "scan"]

# A string, a comment, or a comma followed only by blanks and comments before a
# closing bracket (a trailing comma).
_JSONC = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'
    r"|//[^\n]*"
    r"|/\*.*?\*/"
    # A line comment runs to the end of its line: without ``(?![^\n])`` the lookahead
    # would accept the ``}`` of a commented-out ``// "features": {},``.
    r"|,(?=(?:\s|//[^\n]*(?![^\n])|/\*.*?\*/)*[}\]])",
    re.S,
)
_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+')
_TEMPLATE_OPTION = re.compile(r"\$\{templateOption:([^}]*)\}")


def blank_jsonc(text: str) -> str:
    """``text`` with comments and trailing commas replaced by spaces (newlines kept)."""

    def blank(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith('"'):
            return token
        return re.sub(r"[^\n]", " ", token)

    return _JSONC.sub(blank, text)


def _load(text: str) -> object:
    import json

    blanked = blank_jsonc(text.lstrip("\ufeff"))
    try:
        return json.loads(blanked)
    except json.JSONDecodeError as e:
        raise ParseError(f"invalid JSON: {e.msg}", e.lineno, e.colno) from None


def scan(
    path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    import json

    bom = 1 if text.startswith("\ufeff") else 0
    data = _load(text)
    if not isinstance(data, dict) or not isinstance(data.get("image"), str):
        return []
    blanked = blank_jsonc(text)
    depth = 0
    expect_key = False
    key: str | None = None
    for match in _TOKEN.finditer(blanked, bom):
        token = match.group()
        if token in "{[":
            depth += 1
            expect_key = token == "{" and depth == 1
            key = None
        elif token in "}]":
            depth -= 1
        elif depth != 1:
            continue
        elif token == ",":
            expect_key, key = True, None
        elif token == ":":
            expect_key = False
        elif expect_key and token.startswith('"'):
            key = json.loads(token)
        elif key == "image" and token.startswith('"'):
            value = json.loads(token)
            return _occurrence(path, text, match.start() + 1, match.end() - 1, value, project)
    return []


def _occurrence(
    path: str, text: str, start: int, end: int, value: str, project: Project | None
) -> list[Occurrence]:
    image: str | None = value
    if "${" in value:
        defaults = _template_defaults(path, project)
        missing = False

        def substitute(match: re.Match[str]) -> str:
            nonlocal missing
            default = defaults.get(match.group(1))
            if default is None:
                missing = True
                return ""
            return default

        image = _TEMPLATE_OPTION.sub(substitute, value)
        if missing or "${" in image:
            return []
    bom = 1 if text.startswith("\ufeff") else 0
    line = text.count("\n", 0, start) + 1
    column = start - text.rfind("\n", 0, start) - (bom if line == 1 else 0)
    return [
        Occurrence(
            path=path,
            start=start,
            end=end,
            line=line,
            column=column,
            written=text[start:end],
            image=image,
            context="image",
        )
    ]


def _template_defaults(path: str, project: Project | None) -> dict[str, str]:
    """The option defaults of the template this file belongs to, if it is one.

    The template file is read through the project: one outside the scanned tree (or
    a symlink leading out of it) is not read.
    """
    from pinlint.formats import Project

    if project is None:
        project = Project()
    parts = path.replace("\\", "/").split("/")[:-1]
    if ".devcontainer" not in parts:
        return {}
    up = len(parts) - 1 - max(i for i, part in enumerate(parts) if part == ".devcontainer")
    source = project.read_beside(path, "../" * (up + 1) + "devcontainer-template.json")
    if source is None:
        return {}
    try:
        data = _load(source)
    except (ParseError, RecursionError):
        return {}
    options = data.get("options") if isinstance(data, dict) else None
    if not isinstance(options, dict):
        return {}
    return {
        name: option["default"]
        for name, option in options.items()
        if isinstance(option, dict) and isinstance(option.get("default"), str)
    }
