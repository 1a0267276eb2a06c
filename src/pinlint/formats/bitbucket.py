"""Bitbucket Pipelines (``bitbucket-pipelines.yml``): build images, services, Docker pipes.

- ``image``: the default build image at the top level, a step's own ``image`` anywhere
  under ``pipelines`` (default, branches, tags, pull requests, custom, ``parallel`` and
  ``stage`` groups) and under ``definitions`` (shared steps), and each service's
  ``definitions.services.<name>.image``.  Each is a string or a mapping whose ``name``
  is the image (with ``username``/``password``/``aws`` for a private one).
- ``pipe: docker://IMAGE`` in a step's ``script``: a pipe run from any image.  Other
  pipes (``atlassian/aws-s3-deploy:1.1.0``) name Bitbucket pipes, not images.

A step's ``services: [postgres]`` names a service, not an image.  ``$VAR`` is a
repository or deployment variable, unknown to a lint: such an image is unresolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats import ci

if TYPE_CHECKING:
    from pinlint.formats.yamltree import Document
    from pinlint.model import Occurrence

__all__ = ["scan_document"]

_DOCKER = "docker://"


def scan_document(doc: Document) -> list[Occurrence]:
    from yaml.events import ScalarEvent

    found: list[Occurrence] = []
    seen: set[int] = set()
    for keys, path in ci.walk(doc.root):
        prefix = path + "." if path else ""
        image = ci.image_node(keys.get("image"), "name") if "image" in keys else None
        if image is not None and id(image) not in seen:
            seen.add(id(image))
            found.append(ci.reference(doc, image, prefix + "image"))
        pipe = keys.get("pipe")
        if (
            isinstance(pipe, ScalarEvent)
            and pipe.value.startswith(_DOCKER)
            and len(pipe.value) > len(_DOCKER)
            and id(pipe) not in seen
        ):
            seen.add(id(pipe))
            found.append(ci.reference(doc, pipe, prefix + "pipe", skip=len(_DOCKER)))
    return found
