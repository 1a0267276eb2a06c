"""skaffold: the base images and builders a ``skaffold.yaml`` names, and what it builds.

A skaffold config (``apiVersion: skaffold/...``, ``kind: Config``; files named
``skaffold*.yaml`` or any YAML document of that shape, every document of a
multi-config file) names images in two ways:

- images it *builds*: ``build.artifacts[].image`` (and in profiles, and in profile
  patches that add artifacts).  These are the project's own: skaffold replaces them with
  the tag it built in every manifest it deploys.  They are never findings, here or in
  those manifests (:func:`built`): ``image: leeroy-web`` in ``leeroy-web/kubernetes/``
  is not a floating third-party image.
- images it *uses*: ``jib.fromImage``, ``ko.fromImage``, ``buildpacks.builder`` and
  ``runImage``, Google Cloud Build's ``dockerImage``/``kanikoImage``/``koImage``/
  ``mavenImage``/``gradleImage``/``packImage``, ``verify[].container.image`` and
  ``customActions[].containers[].image`` (unless the config builds them), and
  build args that hold an image (``BASE_IMAGE: golang:1.22``), and Helm releases'
  ``setValues`` image values that are not an artifact.  These are references.

Manifests deployed by a config are taken to be those below its directory (``k8s/``,
``kubernetes/``, a chart's ``values.yaml``); the configs known are those discovery
found in this run.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from pinlint.formats import parts
from pinlint.formats.yamltree import is_null, iter_documents, merged
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = ["built", "claim", "scan_document", "sniff"]

_IMAGE_KEYS = frozenset(
    (
        "fromImage",
        "builder",
        "runImage",
        "dockerImage",
        "kanikoImage",
        "koImage",
        "mavenImage",
        "gradleImage",
        "packImage",
    )
)
# Build args whose name says they hold an image.
_IMAGE_ARG = re.compile(r"(?:IMAGE|BASE|FROM)", re.I)
_NAME = re.compile(r"skaffold[^/\\]*\.ya?ml")


def claim(name: str, lower: str, path: str) -> bool:
    return _NAME.fullmatch(lower) is not None


def sniff(root: dict[str, Node]) -> bool:
    version = root.get("apiVersion")
    return (
        version is not None
        and not isinstance(version, (dict, list))
        and version.value.startswith("skaffold/")
    )


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def _looks_like_image(value: str) -> bool:
    return (
        bool(value)
        and "://" not in value
        and "{{" not in value
        and " " not in value
        and not value.startswith(("$", "/", "."))
    )


def scan_document(doc: Document) -> list[Occurrence]:
    """The images one skaffold config uses (not the ones it builds)."""
    found: list[Occurrence] = []
    seen: set[int] = set()
    own = artifacts(doc.root)  # a verify or custom-action container may run one of them
    stack: list[tuple[Node, str, str]] = [(doc.root, "", "")]
    while stack:
        node, context, parent = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            for index, item in enumerate(node):
                stack.append((item, f"{context}[{index}]", parent))
            continue
        if not isinstance(node, dict):
            continue
        prefix = context + "." if context else ""
        for key, value in merged(node).items():
            scalar = _scalar(value)
            if scalar is not None:
                # ``verify[].container.image``, ``customActions[].containers[].image``
                container = key == "image" and parent in ("container", "containers")
                if container and _repository(scalar.value) in own:
                    continue  # the config builds it
                wanted = key in _IMAGE_KEYS or container
                if parent == "buildArgs" and _IMAGE_ARG.search(key):
                    wanted = True
                if (
                    parent == "setValues"
                    and key.lower().endswith("image")
                    and any(c in scalar.value for c in "/:@")
                    and image_name(scalar.value) not in own
                ):
                    wanted = True  # a Helm release's image value (not an artifact)
                if wanted and _looks_like_image(scalar.value):
                    found.append(parts.whole(doc.path, doc.text, doc.bom, scalar, prefix + key))
            elif isinstance(value, (dict, list)):
                stack.append((value, prefix + key, key))
    found.sort(key=lambda o: o.start)
    return found


def _repository(image: str) -> str:
    """``app`` for ``app``, ``app:1``, ``app@sha256:...``; ``host:5000/app`` stays."""
    name = image.partition("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name.rpartition(":")[0] if ":" in last else name


def artifacts(root: dict[str, Node]) -> set[str]:
    """The image names a config builds: its artifacts, its profiles' and their patches'."""
    names: set[str] = set()

    def from_build(build: Node | None) -> None:
        if isinstance(build, dict):
            items = merged(build).get("artifacts")
            if isinstance(items, list):
                for item in items:
                    if isinstance(item, dict):
                        image = _scalar(merged(item).get("image"))
                        if image is not None:
                            names.add(image.value)

    from_build(root.get("build"))
    profiles = root.get("profiles")
    if isinstance(profiles, list):
        for profile in profiles:
            if not isinstance(profile, dict):
                continue
            profile = merged(profile)
            from_build(profile.get("build"))
            patches = profile.get("patches")
            if isinstance(patches, list):
                for patch in patches:
                    if not isinstance(patch, dict):
                        continue
                    patch = merged(patch)
                    target = _scalar(patch.get("path"))
                    value = patch.get("value")
                    if (
                        target is not None
                        and "/artifacts" in target.value
                        and isinstance(value, dict)
                    ):
                        image = _scalar(merged(value).get("image"))
                        if image is not None:
                            names.add(image.value)
    return names


def _configs(project: Project) -> dict[str, frozenset[str]]:
    """Directory (absolute) -> the image names the skaffold configs there build."""
    by_dir: dict[str, set[str]] = {}
    for path in project.files("skaffold"):
        text = project.read_beside(path, os.path.basename(path))
        if text is None:
            continue
        try:
            roots = [r for r in iter_documents(text) if isinstance(r, dict)]
        except ParseError:
            continue
        directory = os.path.dirname(os.path.normpath(os.path.abspath(path)))
        for root in roots:
            if sniff(root):
                by_dir.setdefault(directory, set()).update(artifacts(merged(root)))
    return {d: frozenset(n) for d, n in by_dir.items()}


def built(project: Project, path: str) -> frozenset[str]:
    """The image names that skaffold configs in the directory of ``path`` or above it
    build: in the manifests they deploy, those names are the project's own images."""
    if not project.files("skaffold"):
        return frozenset()
    configs = project.fact(("skaffold", "configs"), lambda: _configs(project))
    names: set[str] = set()
    directory = os.path.dirname(os.path.normpath(os.path.abspath(path)))
    while True:
        names |= configs.get(directory, frozenset())
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return frozenset(names)


def image_name(image: str) -> str:
    """The repository part of a reference, as skaffold and kustomize match it."""
    return image[: parts.name_end(image)]
