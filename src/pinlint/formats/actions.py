"""GitHub Actions metadata files (``action.yml``, ``action.yaml``).

- ``runs.image: docker://IMAGE`` of a container action (``image: Dockerfile`` builds
  one: not a reference);
- ``runs.steps[].uses: docker://IMAGE`` of a composite action;
- ``inputs.<name>.default`` when the input is an image: its name says so (``image``,
  ``base-image``, ``docker_image``, ...) and its default is written as a reference, with
  a ``/``, ``:`` or ``@`` (the action's steps or code pull it).  A default that is empty,
  an expression or a word like ``true`` is not reported.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pinlint.formats.yamltree import is_null, merged, scheme_occurrence
from pinlint.model import Occurrence

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Document, Node

__all__ = ["scan_document", "sniff"]

DOCKER_SCHEME = "docker://"

_IMAGE_INPUT = re.compile(r"(?:.*[-_])?image", re.I)
_REFERENCE_LIKE = re.compile(r"[A-Za-z0-9][\w.\-/:@]*[/:@][\w.\-/:@]*")


def sniff(root: dict[str, Node]) -> bool:
    """A ``runs`` mapping with ``using``."""
    runs = root.get("runs")
    return isinstance(runs, dict) and "using" in merged(runs)


def scan_document(doc: Document) -> list[Occurrence]:
    from yaml.events import ScalarEvent

    root = doc.root
    found: list[Occurrence] = []
    runs = root.get("runs")
    if isinstance(runs, dict):
        runs = merged(runs)
        image = runs.get("image")
        if isinstance(image, ScalarEvent) and image.value.startswith(DOCKER_SCHEME):
            found += scheme_occurrence(doc, image, "runs.image", DOCKER_SCHEME)
        steps = runs.get("steps")
        if isinstance(steps, list):
            for index, step in enumerate(steps):
                uses = merged(step).get("uses") if isinstance(step, dict) else None
                if isinstance(uses, ScalarEvent) and uses.value.startswith(DOCKER_SCHEME):
                    context = f"runs.steps[{index}].uses"
                    found += scheme_occurrence(doc, uses, context, DOCKER_SCHEME)
    inputs = root.get("inputs")
    if isinstance(inputs, dict):
        names = merged(inputs)
        for name, spec in names.items():
            if not isinstance(spec, dict) or not _IMAGE_INPUT.fullmatch(name):
                continue
            # ``docker_image`` beside ``docker_tag``: the repository of a split reference
            # whose tag is another input; the tag is what floats or not.
            if name[:-5] + "tag" in names or name[:-5] + "version" in names:
                continue
            default = merged(spec).get("default")
            if (
                isinstance(default, ScalarEvent)
                and not is_null(default)
                and "${{" not in default.value
                and _REFERENCE_LIKE.fullmatch(default.value)
            ):
                found.append(doc.occurrence(default, f"inputs.{name}.default"))
    return found
