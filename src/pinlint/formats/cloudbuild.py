"""Google Cloud Build configs (``cloudbuild*.yaml``, ``cloudbuild*.json``): step images.

Each of ``steps[].name`` is the image the step runs in.  A step may run an image an
earlier step of the same build made: ``docker build -t NAME`` (``--tag``, ``--tag=``),
kaniko's ``--destination``, or anything listed in ``images`` (what the build pushes).
Those are the build's own images, not references to pin, and are skipped; so are the
images of the build's own project (``gcr.io/$PROJECT_ID/builder``), which the project
builds itself (often with another config of the same repository).

Substitutions are ``$NAME`` and ``${NAME}``; ``$$`` is a literal dollar.  User-defined
ones (``$_REGION``) take their default from ``substitutions``; built-in ones
(``$PROJECT_ID``, ``$SHORT_SHA``, ...) are known only when the build runs, so an image
made with one is unresolved (unless the build makes that image itself).  A step whose
whole ``name`` is one substitution points at its default in ``substitutions``: that is
the text a fix pins.  JSON configs
are read with the YAML parser, of which JSON is a subset, so spans are exact.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats import ci
from pinlint.formats.yamltree import merged, scalar_text

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats.yamltree import Document, Node
    from pinlint.model import Occurrence

__all__ = ["scan_document", "sniff"]

# The top-level keys of a build config (the Build resource of the Cloud Build API).
_BUILD_KEYS = frozenset(
    (
        "steps",
        "timeout",
        "queueTtl",
        "logsBucket",
        "options",
        "substitutions",
        "tags",
        "serviceAccount",
        "secrets",
        "availableSecrets",
        "artifacts",
        "images",
        "dependencies",
    )
)
_TAG_FLAGS = ("-t", "--tag", "--destination", "-d")
# The build's own project: an image in its registry is one the project builds itself.
_WHOLE = re.compile(r"\$(?:\{(_[A-Z0-9_]+)\}|(_[A-Z0-9_]+))")
_OWN_PROJECT = re.compile(r"\$(?:\{PROJECT_ID\}|PROJECT_ID\b)")


def sniff(root: dict[str, Node]) -> bool:
    """A build config in a file not named ``cloudbuild*``: only build keys, and steps
    that each have a ``name`` and none of another CI's step keys (``image``, ``uses``)."""
    steps = root.get("steps")
    if not isinstance(steps, list) or not steps or not set(root) <= _BUILD_KEYS:
        return False
    for step in steps:
        if not isinstance(step, dict):
            return False
        keys = merged(step)
        if "name" not in keys or "image" in keys or "uses" in keys:
            return False
    return True


def scan_document(doc: Document) -> list[Occurrence]:
    from yaml.events import ScalarEvent

    root = merged(doc.root)
    steps = root.get("steps")
    if not isinstance(steps, list):
        return []
    defaults: dict[str, ScalarEvent] = {}
    block = root.get("substitutions")
    if isinstance(block, dict):
        for key, given in merged(block).items():
            if isinstance(given, ScalarEvent) and scalar_text(given) is not None:
                defaults[key] = given
    substitutions = {key: given.value for key, given in defaults.items()}
    built: set[str] = set()
    images = root.get("images")
    for item in images if isinstance(images, list) else []:
        pushed = scalar_text(item)
        if pushed is not None:
            built.add(_key(pushed))
    found: list[Occurrence] = []
    seen: set[int] = set()
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            continue
        keys = merged(step)
        name = keys.get("name")
        if isinstance(name, ScalarEvent) and id(name) not in seen:
            seen.add(id(name))
            value = name.value
            if value.strip() and _key(value) not in built and not _OWN_PROJECT.search(value):
                whole = _WHOLE.fullmatch(value)
                fed = defaults.get(whole.group(1) or whole.group(2)) if whole else None
                # A substitution that is the whole image: its default is what to pin.
                target = fed if fed is not None else name
                context = f"steps[{index}].name"
                found.append(ci.reference(doc, target, context, substitutions.get))
        # What this step builds is the build's own image for the steps after it.
        args = keys.get("args")
        words = [scalar_text(a) for a in args] if isinstance(args, list) else []
        built.update(_key(w) for w in _tags([w for w in words if w is not None]))
    return found


def _tags(args: list[str]) -> list[str]:
    """The image names a ``docker build`` or kaniko command line tags."""
    names: list[str] = []
    for index, arg in enumerate(args):
        for flag in _TAG_FLAGS:
            if arg == flag and index + 1 < len(args):
                names.append(args[index + 1])
            elif arg.startswith(flag + "="):
                names.append(arg[len(flag) + 1 :])
    return names


def _key(name: str) -> str:
    """``name`` as a comparison key: surrounding space dropped, ``:latest`` implied."""
    name = name.strip()
    last = name.rsplit("/", 1)[-1]
    if "@" not in last and ":" not in last:
        name += ":latest"
    return name
