"""Substitutions another tool makes before an image reference is pulled.

Some files hold an image reference with a placeholder that the tool reading the file
fills in at run time, not Docker and not YAML:

==================  ===============================================  ==============
tool                spelling                                         ``Substitution.key``
==================  ===============================================  ==============
Tekton              ``$(params.x)``, ``$(params["x"])``,             ``("params", "x")``
                    ``$(inputs.params.x)``; other ``$(...)``
                    (``$(tasks.t.results.r)``, ``$(context...)``)    ``("tekton", text)``
Argo Workflows      ``{{inputs.parameters.x}}``                      ``("inputs", "x")``
                    ``{{workflow.parameters.x}}``                    ``("workflow", "x")``
                    other ``{{...}}`` (``{{item}}``, ``{{=expr}}``)  ``("argo", text)``
Dev Container       ``${templateOption:x}``                          ``("templateOption", "x")``
templates
==================  ===============================================  ==============

Offline, pinlint can only know such a value from a default written in the tree (a Tekton
param's ``default``, an Argo parameter's ``value``, a template option's ``default``).
The Tekton and Argo sources resolve their own documents; a source that knows defaults
may pass a ``lookup`` to :func:`expand` and grade the result.  Whatever reaches the rules
still holding a placeholder (a Tekton param in a file no Tekton source reads, a
placeholder with no default) is reported as an unresolved variable (PIN006, a warning)
and never as an invalid reference: the text is not the reference, the tool's value is.

Helm's ``{{ .Values.image }}`` is not one of these (the chart template is not the file
pulled from; Helm sources read the values instead): an expression that starts with a dot,
a ``$`` or a word and a space is not matched.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pinlint.model import Record

__all__ = ["Substitution", "expand", "find", "first_unresolved"]

# One pass over the text finds all three spellings.  Names are bounded (a 64 KiB line of
# ``$(((`` cannot backtrack): Tekton and Argo names are identifiers, dots, dashes, and
# quoted keys in brackets.
_SUBSTITUTION_RE = re.compile(
    r"""
      \$\(\s*(?P<tekton>[A-Za-z][A-Za-z0-9_.\-\[\]"'*]{0,252})\s*\)
    | \{\{\s*(?P<argo>=[^{}]{1,252}|[A-Za-z][A-Za-z0-9_.\-\[\]"']{0,252})\s*\}\}
    | \$\{templateOption:(?P<option>[A-Za-z_][A-Za-z0-9_\-]{0,252})\}
    """,
    re.VERBOSE,
)
_TEKTON_PARAM_RE = re.compile(
    r"""(?:inputs\.)?params(?:\.(?P<dot>[A-Za-z0-9_\-]+)|\[(?P<q>["'])(?P<key>[^"']+)(?P=q)\])\Z"""
)
_ARGO_PARAM_RE = re.compile(r"(?P<scope>inputs|workflow)\.parameters\.(?P<name>[A-Za-z0-9_\-]+)\Z")


class Substitution(Record):
    """One placeholder in a text: where it is, and which value it stands for."""

    __slots__ = ("end", "key", "start", "text")

    def __init__(self, start: int, end: int, text: str, key: tuple[str, str]) -> None:
        self.start = start  # offsets in the text searched
        self.end = end
        self.text = text  # as written: "$(params.image)"
        # What a lookup is asked for: ("params", "image"), ("inputs", "image"),
        # ("workflow", "image"), ("templateOption", "imageVariant"); ("tekton", text) or
        # ("argo", text) for a placeholder whose value no file of the tree can give.
        self.key = key


def find(text: str) -> list[Substitution]:
    """Every placeholder in ``text``, in order."""
    if "$" not in text and "{{" not in text:
        return []  # nearly every reference: no regex run
    found = []
    for m in _SUBSTITUTION_RE.finditer(text):
        if m["tekton"] is not None:
            p = _TEKTON_PARAM_RE.match(m["tekton"])
            key = ("params", p["dot"] or p["key"]) if p else ("tekton", m.group())
        elif m["argo"] is not None:
            a = _ARGO_PARAM_RE.match(m["argo"])
            key = (a["scope"], a["name"]) if a else ("argo", m.group())
        else:
            key = ("templateOption", m["option"])
        found.append(Substitution(m.start(), m.end(), m.group(), key))
    return found


def expand(
    text: str, lookup: Callable[[Substitution], str | None]
) -> tuple[str | None, Substitution | None]:
    """``text`` with each placeholder replaced by ``lookup``'s value.

    ``(expanded, None)`` when every placeholder has a value (``text`` itself when there
    is none); ``(None, first placeholder without a value)`` otherwise.
    """
    subs = find(text)
    if not subs:
        return text, None
    out = []
    at = 0
    for sub in subs:
        value = lookup(sub)
        if value is None:
            return None, sub
        out.append(text[at : sub.start])
        out.append(value)
        at = sub.end
    out.append(text[at:])
    return "".join(out), None


def first_unresolved(text: str) -> Substitution | None:
    """The first placeholder of ``text`` when nothing gives it a value offline."""
    subs = find(text)
    return subs[0] if subs else None
