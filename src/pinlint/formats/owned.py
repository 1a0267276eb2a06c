"""Images a manifest names that are not the manifest's to pin.

- names a skaffold config above the manifest builds (``image: leeroy-web``): skaffold
  deploys its own build there (:func:`pinlint.formats.skaffold.built`);
- names a kustomization that includes the manifest rewrites with a tag or digest (a
  base's ``image: controller`` placeholder): the kustomization's entry is the reference,
  and it is reported there (:func:`pinlint.formats.kustomize.rewritten`).

Both need the files discovery found in this run; without any (one file linted on its
own) nothing is dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pinlint.formats.parts import name_end

if TYPE_CHECKING:
    from pinlint.formats import Project
    from pinlint.model import Occurrence

__all__ = ["drop_owned"]


def drop_owned(project: Project, path: str, found: list[Occurrence]) -> list[Occurrence]:
    """``found`` without the references skaffold builds or kustomize rewrites."""
    if not found or not (project.files("skaffold") or project.files("kustomize")):
        return found
    from pinlint.formats import kustomize, skaffold

    owned = skaffold.built(project, path) | kustomize.rewritten(project, path)
    if not owned:
        return found
    kept = []
    for occ in found:
        image = occ.image
        if image is not None and image[: name_end(image)] in owned:
            continue
        kept.append(occ)
    return kept
