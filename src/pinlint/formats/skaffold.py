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
from pinlint.formats.yamltree import is_null, iter_documents, mappings, merged
from pinlint.model import Occurrence, ParseError

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = ["built", "claim", "replaced_values", "scan_document", "sniff"]

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
                if _repository(scalar.value) in own and (container or key in _IMAGE_KEYS):
                    continue  # the config builds it (``runImage: base``, ``requires: base``)
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
            for item in mappings(merged(build).get("artifacts")):
                # ``imageName``: the spelling of skaffold/v1alpha1 and v1alpha2
                for key in ("image", "imageName"):
                    image = _scalar(item.get(key))
                    if image is not None:
                        names.add(image.value)

    from_build(root.get("build"))
    for profile in mappings(root.get("profiles")):
        from_build(profile.get("build"))
        for patch in mappings(profile.get("patches")):
            target = _scalar(patch.get("path"))
            value = patch.get("value")
            if target is not None and "/artifacts" in target.value and isinstance(value, dict):
                image = _scalar(merged(value).get("image"))
                if image is not None:
                    names.add(image.value)
    return names


class _Config:
    """What one skaffold config file builds, and where it deploys outside its folder."""

    __slots__ = ("charts", "directories", "names", "patterns", "requires")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.patterns: list[str] = []  # manifests named (absolute globs)
        self.directories: list[str] = []  # kustomize paths and charts (absolute)
        self.charts: dict[str, set[str]] = {}  # chart -> value keys set to a built image
        self.requires: list[str] = []  # the configs it requires (absolute files)


def _strings(node: Node | None) -> list[str]:
    if isinstance(node, list):
        return [s.value for s in (_scalar(i) for i in node) if s is not None]
    one = _scalar(node)
    return [one.value] if one is not None else []


def _local(value: str) -> bool:
    return "://" not in value and not value.startswith("{{")


def _deploys(config: _Config, directory: str, section: dict[str, Node]) -> None:
    """Read what ``section`` (a config or a profile) deploys: ``manifests.rawYaml``,
    ``deploy.kubectl.manifests`` (and v1alpha's ``manifests[].paths``), kustomize paths,
    Helm charts and the value keys a release sets from a built image
    (``setValueTemplates: {image.repository: "{{.IMAGE_REPO_app}}"}``,
    ``artifactOverrides: {image: app}``), ``requires`` paths, and profile patches that add
    to ``rawYaml``."""

    def join(value: str) -> str:
        return os.path.normpath(os.path.join(directory, value))

    for key in ("manifests", "deploy"):
        part = section.get(key)
        if not isinstance(part, dict):
            continue
        part = merged(part)
        config.patterns += [join(p) for p in _strings(part.get("rawYaml")) if _local(p)]
        kubectl = part.get("kubectl")
        if isinstance(kubectl, dict):
            manifests = merged(kubectl).get("manifests")
            config.patterns += [join(p) for p in _strings(manifests) if _local(p)]
            for item in mappings(manifests):
                config.patterns += [join(p) for p in _strings(item.get("paths")) if _local(p)]
        kustomize = part.get("kustomize")
        if isinstance(kustomize, dict):
            kustomize = merged(kustomize)
            for name in ("paths", "path"):
                config.directories += [join(p) for p in _strings(kustomize.get(name))]
        helm = part.get("helm")
        releases = merged(helm).get("releases") if isinstance(helm, dict) else None
        for release in mappings(releases):
            chart = _scalar(release.get("chartPath"))
            if chart is None or not _local(chart.value):
                continue
            target = join(chart.value)
            config.directories.append(target)
            keys = config.charts.setdefault(target, set())
            overrides = release.get("artifactOverrides")
            if isinstance(overrides, dict):
                keys.update(k.split(".")[0] for k in merged(overrides))
            templates = release.get("setValueTemplates")
            if isinstance(templates, dict):
                for name, value in merged(templates).items():
                    one = _scalar(value)
                    if one is not None and "{{.IMAGE_" in one.value.replace(" ", ""):
                        keys.add(name.split(".")[0])
    for item in mappings(section.get("requires")):
        config.requires += [join(required) for required in _strings(item.get("path"))]
    for patch in mappings(section.get("patches")):
        where = _scalar(patch.get("path"))
        added = _scalar(patch.get("value"))
        if where is not None and added is not None and "/rawYaml" in where.value:
            config.patterns.append(join(added.value))


class _Model:
    __slots__ = ("by_dir", "charts", "deployed", "elsewhere", "kustomize_dirs")

    def __init__(self) -> None:
        # folder -> the names the configs there build (and the configs they require)
        self.by_dir: dict[str, set[str]] = {}
        # (names, globs as one pattern, folders): what a config deploys outside its folder
        self.elsewhere: list[tuple[frozenset[str], re.Pattern[str] | None, list[str]]] = []
        # (names, kustomize folders) of each config, and what their kustomizations build
        # (computed on first use: file -> names)
        self.kustomize_dirs: list[tuple[frozenset[str], list[str]]] = []
        self.deployed: dict[str, set[str]] | None = None
        self.charts: dict[str, set[str]] = {}  # chart folder -> value keys set by skaffold


def _configs(project: Project) -> _Model:
    """The skaffold configs of the run: what each builds and where it deploys."""
    configs: dict[str, _Config] = {}
    for path in project.files("skaffold"):
        text = project.read_beside(path, os.path.basename(path))
        if text is None:
            continue
        try:
            roots = [r for r in iter_documents(text) if isinstance(r, dict)]
        except ParseError:
            continue
        absolute = os.path.normpath(os.path.abspath(path))
        directory = os.path.dirname(absolute)
        for root in roots:
            if not sniff(root):
                continue
            config = configs.setdefault(absolute, _Config())
            root = merged(root)
            config.names |= artifacts(root)
            _deploys(config, directory, root)
            for profile in mappings(root.get("profiles")):
                _deploys(config, directory, profile)
    model = _Model()
    for absolute, config in configs.items():
        # A config's manifests may name what the configs it requires build (at any depth;
        # a cycle or a missing file ends the walk).
        names = set(config.names)
        todo, seen = list(config.requires), {absolute}
        while todo:
            target = todo.pop()
            if target not in configs and os.path.join(target, "skaffold.yaml") in configs:
                target = os.path.join(target, "skaffold.yaml")
            if target in seen or target not in configs:
                continue
            seen.add(target)
            names |= configs[target].names
            todo += configs[target].requires
        folder = os.path.dirname(absolute)
        model.by_dir.setdefault(folder, set()).update(names)
        for chart, keys in config.charts.items():
            if keys:
                model.charts.setdefault(chart, set()).update(keys)
        if not names:
            continue
        # Below its own folder everything is the config's already: only what lies
        # elsewhere is looked at file by file.
        inside = folder.rstrip(os.sep) + os.sep
        patterns = [p for p in config.patterns if not p.startswith(inside)]
        directories = [d for d in config.directories if not d.startswith(inside)]
        if patterns or directories:
            import fnmatch

            globs = "|".join(fnmatch.translate(p) for p in patterns)
            pattern = re.compile(globs) if globs else None
            model.elsewhere.append((frozenset(names), pattern, directories))
        if config.directories:
            model.kustomize_dirs.append((frozenset(names), config.directories))
    return model


def _deployed_by_kustomize(project: Project, model: _Model) -> dict[str, set[str]]:
    """File -> the names of the configs whose kustomize paths build it."""
    if model.deployed is None:
        from pinlint.formats import kustomize

        model.deployed = {}
        for names, directories in model.kustomize_dirs:
            for directory in directories:
                for path in kustomize.built_files(project, directory):
                    model.deployed.setdefault(path, set()).update(names)
    return model.deployed


def built(project: Project, path: str) -> frozenset[str]:
    """The image names skaffold builds for the manifest ``path``: those of the configs in
    its folder or above, and of configs that deploy it from elsewhere (``rawYaml:
    [../k8s/*.yaml]``, a kustomize path whose kustomization includes it, a chart).  In
    the manifests they deploy, those names are the project's own images."""
    if not project.files("skaffold"):
        return frozenset()
    model = project.fact(("skaffold", "configs"), lambda: _configs(project))
    names: set[str] = set()
    absolute = os.path.normpath(os.path.abspath(path))
    directory = os.path.dirname(absolute)
    while True:
        names |= model.by_dir.get(directory, set())
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    for built_names, pattern, directories in model.elsewhere:
        if built_names <= names:
            continue
        if (pattern is not None and pattern.match(absolute)) or any(
            absolute.startswith(d + os.sep) for d in directories
        ):
            names |= built_names
    if model.kustomize_dirs and project.files("kustomize"):
        names |= _deployed_by_kustomize(project, model).get(absolute, set())
    return frozenset(names)


def replaced_values(project: Project, path: str) -> frozenset[str]:
    """The top-level keys of the values file ``path`` that a skaffold Helm release of its
    chart sets from the image it built (``setValueTemplates``, ``artifactOverrides``)."""
    if not project.files("skaffold"):
        return frozenset()
    model = project.fact(("skaffold", "configs"), lambda: _configs(project))
    directory = os.path.dirname(os.path.normpath(os.path.abspath(path)))
    if os.path.basename(directory) == "values":
        directory = os.path.dirname(directory)
    return frozenset(model.charts.get(directory, ()))


def image_name(image: str) -> str:
    """The repository part of a reference, as skaffold and kustomize match it."""
    return image[: parts.name_end(image)]
