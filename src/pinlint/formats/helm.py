"""Helm values: image maps and image strings at any depth of a chart's values.

Files: ``values.yaml``, ``values-*.yaml``, ``values.*.yaml`` and ``values/*.yaml`` of a
chart (a ``Chart.yaml`` beside them, or above ``values/``).  The same shapes held inline
by Flux ``HelmRelease`` and Argo CD ``Application`` documents are read by
:mod:`pinlint.formats.gitops` with :func:`values_occurrences`.

Shapes, under any key and at any depth (``image``, ``initImage``, ``filtron.image``,
``sidecar.image``)::

    image:                       # a map: registry (or global.imageRegistry /
      registry: docker.io        #   global.image.registry), repository, tag, digest
      repository: bitnami/redis  #   (or sha, without "sha256:")
      tag: ""                    # empty or null: the chart's appVersion
      digest: ""
    image: {name: quay.io/x/exporter, tag: v0.11}   # name + tag
    image: grafana/logstash-output-loki             # a string, maybe with imageTag
    imageTag: 1.0.1                                 #   (or a sibling ``tag``)
    image: auto                                     # a bare word: a setting, no image,
    initContainers:                                 #   but an image in a container
    - {name: init, image: busybox, command: [sh]}   #   (beside command, env, ...)
    image: {repository: null}                       # a hook another value fills: none
    image:                                          # an empty tag with a suffix: the
      repository: jenkins/jenkins                   #   appVersion, "-", the tagLabel
      tag:                                          #   (jenkins) or flavor (nextcloud);
      tagLabel: jdk21                               #   a tagSuffix follows any tag

A tag written empty (``tag:``, ``tag: ""``) is reported where the tag is written, and
``--fix`` writes the tag there.  With a ``tagSuffix`` (appended to any tag) ``--fix``
writes the exact tag without the suffix, and the digest only into a ``digest`` field
(in the tag field it would come before the suffix); a ``tagLabel``/``flavor`` joined to
the appVersion is reported, not rewritten (each chart composes it its own way).

A map is a reference written in parts: the finding is at its ``tag`` (where the chart
reads it), and ``--fix`` writes the exact tag there and the digest into an empty
``digest``/``sha`` beside it (or after the tag when there is none), never a new map.
A string that is no valid reference (``image: auto``, ``image: true``) is no image.
Images that skaffold builds for the chart are the project's own (``owned``), and so are
the values a skaffold Helm release of the chart sets from a built image
(``setValueTemplates: {image.repository: "{{.IMAGE_REPO_app}}"}``, ``artifactOverrides``).
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from pinlint import reference
from pinlint.formats import parts
from pinlint.formats.owned import drop_owned
from pinlint.formats.yamltree import is_null, locate, merged, occurrence
from pinlint.model import Occurrence, Split

if TYPE_CHECKING:
    from yaml.events import ScalarEvent

    from pinlint.formats import Project
    from pinlint.formats.yamltree import Document, Node

__all__ = ["app_version", "claim", "confirm", "scan_document", "values_occurrences"]

_VALUES_NAME = re.compile(r"values(?:[-._][^/\\]*)?\.ya?ml")
_APP_VERSION = re.compile(r"""^appVersion:[ \t]*["']?([^"'\s#]+)""", re.M)
# Keys of a Kubernetes container beside ``image``: the map is a container, its bare
# ``image: busybox`` an image (a Docker Hub official image, no tag).
_CONTAINER_KEYS = frozenset(
    ("imagePullPolicy", "command", "args", "env", "envFrom", "volumeMounts", "workingDir")
)
# A repository as values write it: a name with an optional host and port, no scheme.
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/:-]*\Z")


def claim(name: str, lower: str, path: str) -> bool:
    if _VALUES_NAME.fullmatch(lower):
        return True
    parent = path.rsplit("/", 2)
    return len(parent) >= 2 and parent[-2] == "values" and lower.endswith((".yaml", ".yml"))


def _chart_dir(path: str) -> str:
    directory = os.path.dirname(path)
    if os.path.basename(directory) == "values":
        return os.path.dirname(directory)
    return directory


def chart_text(project: Project, path: str) -> str | None:
    """The ``Chart.yaml`` of the chart ``path`` belongs to, if it is in the tree."""
    directory = _chart_dir(path)
    for name in ("Chart.yaml", "Chart.yml"):
        text = project.read_beside(os.path.join(directory, name), name)
        if text is not None:
            return text
    return None


def confirm(path: str, project: Project) -> bool:
    """A values file is Helm's only inside a chart."""
    return chart_text(project, path) is not None


def app_version(chart: str | None) -> str | None:
    if chart is None:
        return None
    match = _APP_VERSION.search(chart)
    return match.group(1) if match else None


def scan_document(doc: Document) -> list[Occurrence]:
    """The images of one values document of a chart."""
    version = app_version(chart_text(doc.project, doc.path))
    plain = frozenset[str]()
    if _global_registry(doc.root) is not None:
        plain = doc.project.fact(
            ("helm", "plain", _chart_dir(doc.path)), lambda: _plain_images(doc.project, doc.path)
        )
    found = values_occurrences(doc.path, doc.text, doc.bom, doc.root, version, plain)
    if found and doc.project.files("skaffold"):
        from pinlint.formats import skaffold

        # A skaffold release of this chart sets these keys from the image it built.
        replaced = skaffold.replaced_values(doc.project, doc.path)
        if replaced:
            found = [
                o for o in found if re.split(r"[.\[]", o.context, maxsplit=1)[0] not in replaced
            ]
    return drop_owned(doc.project, doc.path, found)


# How much of a chart's templates is read to see which images they prefix with the
# global registry: files, and folder depth below ``templates/``.
_MAX_TEMPLATES = 256
_MAX_TEMPLATE_DEPTH = 4
_REPOSITORY_USE = re.compile(r"\.Values\.([A-Za-z0-9_.]+)\.repository\b")


def _plain_images(project: Project, path: str) -> frozenset[str]:
    """The image maps (``database.postgres.image``) the chart's templates only ever write
    without a registry (``{{ .Values.database.postgres.image.repository }}:{{ ... }}`` on
    a line naming no registry): kubeflow's katib chart sets ``global.imageRegistry`` for
    its own images, and its postgres is the official one.  Only templates inside the
    scanned tree are read (at most ``_MAX_TEMPLATES`` files, each within the size limit);
    without them every map takes the global registry."""
    templates = os.path.join(_chart_dir(path), "templates")
    if project.inside(path, templates) is None or not os.path.isdir(templates):
        return frozenset()
    plain: dict[str, bool] = {}
    count = 0
    top = templates.rstrip(os.sep).count(os.sep)
    for folder, dirs, files in os.walk(templates):
        if folder.count(os.sep) - top >= _MAX_TEMPLATE_DEPTH:
            dirs.clear()
        dirs.sort()
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml", ".tpl")):
                continue
            count += 1
            if count > _MAX_TEMPLATES:
                return frozenset()  # too many to tell: the global registry for all
            file = os.path.join(folder, name)
            text = project.read_beside(file, name)
            if text is None:
                continue
            for line in text.splitlines():
                if ".repository" not in line:
                    continue
                with_registry = "egistry" in line
                for match in _REPOSITORY_USE.finditer(line):
                    key = match.group(1)
                    plain[key] = plain.get(key, True) and not with_registry
    return frozenset(key for key, only_plain in plain.items() if only_plain)


def _scalar(node: Node | None) -> ScalarEvent | None:
    if node is None or isinstance(node, (dict, list)) or is_null(node):
        return None
    return node


def _text(node: Node | None) -> str | None:
    scalar = _scalar(node)
    return scalar.value if scalar is not None and scalar.value != "" else None


def _global_registry(root: dict[str, Node]) -> str | None:
    glob = root.get("global")
    if not isinstance(glob, dict):
        return None
    glob = merged(glob)
    registry = _text(glob.get("imageRegistry"))
    if registry is None:
        image = glob.get("image")
        if isinstance(image, dict):
            registry = _text(merged(image).get("registry"))
    return registry


def values_occurrences(
    path: str,
    text: str,
    bom: int,
    root: dict[str, Node],
    app_version: str | None,
    plain: frozenset[str] = frozenset(),
) -> list[Occurrence]:
    """The image references of a tree of Helm values.  ``plain`` are the image maps
    (``database.postgres.image``) the chart's templates write without a registry: the
    global registry is not theirs."""
    glob = _global_registry(root)
    found: list[Occurrence] = []
    seen: set[int] = set()
    stack: list[tuple[Node, str, str]] = [(root, "", "")]
    while stack:
        node, context, key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, list):
            for index, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    stack.append((item, f"{context}[{index}]", key))
            continue
        if not isinstance(node, dict):
            continue
        mapping = merged(node)
        if key != "global":
            registry = None if context in plain else glob
            occ = _image_map(path, text, bom, mapping, key, context, registry, app_version)
            if occ is not None:
                found.append(occ)
        prefix = context + "." if context else ""
        for child_key, value in mapping.items():
            if isinstance(value, (dict, list)):
                stack.append((value, prefix + child_key, child_key))
            elif (child_key == "image" or child_key.endswith("Image")) and id(value) not in seen:
                seen.add(id(value))
                occ = _image_string(path, text, bom, mapping, child_key, prefix + child_key)
                if occ is not None:
                    found.append(occ)
    found.sort(key=lambda o: o.start)
    return found


def _image_string(
    path: str, text: str, bom: int, mapping: dict[str, Node], key: str, context: str
) -> Occurrence | None:
    node = _scalar(mapping.get(key))
    tag = _scalar(mapping.get(key + "Tag"))
    hub: str | None = None
    if tag is None and key == "image" and "repository" not in mapping:
        tag = _scalar(mapping.get("tag"))  # ``image: ghcr.io/x/exporter``, ``tag: v1``
        if "hub" in mapping:
            # Istio's ``{hub, image: pilot, tag}``: the image is a name under the hub,
            # which an empty value leaves to ``global.hub``.
            hub = _text(mapping.get("hub"))
            if hub is None or tag is None or not tag.value:
                return None
    # A bare word is an image with its tag beside it (``image: redis``, ``imageTag: 7``)
    # or in a container (``initContainers: [{name: x, image: busybox, command: ...}]``);
    # alone it is a setting (``image: auto``, ``token: {image: 24h}``).
    tagged = tag is not None and tag.value != ""
    bare = tagged or (key == "image" and not _CONTAINER_KEYS.isdisjoint(mapping))
    if node is None or "repository" in mapping or not _is_reference(node.value, bare):
        return None
    if tag is not None and node.value[parts.name_end(node.value) :] == "" and tag.value:
        pieces = [parts.Piece(node.value, node), parts.literal(":"), parts.Piece(tag.value, tag)]
        if hub is not None:
            # ``Hub/Image:Tag-Variant``, as the chart's comments say.
            pieces.insert(0, parts.literal(hub.rstrip("/") + "/"))
            variant = _text(mapping.get("variant"))
            if variant:
                pieces.append(parts.literal("-" + variant))
        return parts.compose(path, text, bom, pieces, context, anchor=tag)
    return parts.whole(path, text, bom, node, context)


def _is_reference(value: str, bare: bool = False) -> bool:
    """A string value that is meant as an image: a valid reference with a repository
    path, tag or digest.  A bare word (``auto``, Istio's gateway injection; ``true``)
    is a setting, not an image."""
    if not value or "{{" in value or "://" in value or value != value.strip():
        return False
    if not bare and not any(c in value for c in "/:@"):
        return False
    try:
        reference.parse(value)
    except reference.InvalidReference:
        return False
    return True


def _image_map(
    path: str,
    text: str,
    bom: int,
    mapping: dict[str, Node],
    key: str,
    context: str,
    glob: str | None,
    app_version: str | None,
) -> Occurrence | None:
    repository = _scalar(mapping.get("repository"))
    if repository is None and "image" in key.lower():
        repository = _scalar(mapping.get("name"))
    if repository is None or not _REPOSITORY.match(repository.value) or "://" in repository.value:
        return None
    if "image" not in key.lower() and "tag" not in mapping and "registry" not in mapping:
        return None
    registry = _text(mapping.get("registry")) or glob
    name = f"{registry}/{repository.value}" if registry else repository.value
    tag_node = mapping.get("tag")
    tag = _text(tag_node)
    label = None
    if tag is None:
        tag = app_version
        # jenkins' ``tagLabel: jdk21``, nextcloud's ``flavor: apache``: appVersion-label
        found = _text(mapping.get("tagLabel")) or _text(mapping.get("flavor"))
        if tag and found:
            label = "-" + found
            tag += label
    extra = _text(mapping.get("tagSuffix"))  # datadog's ``jmx``, gitlab's ``-fips``
    suffix = ""
    if tag and extra:
        suffix = extra if extra.startswith("-") else "-" + extra
        tag += suffix
    # A label joins the appVersion only, in a way each chart decides: a tag written
    # there would change how the chart composes it, so that shape is not rewritten.  A
    # tagSuffix follows any tag: the fix writes the tag without it.
    fixable = bool(tag) and label is None
    digest_key = "digest" if "digest" in mapping else "sha" if "sha" in mapping else None
    digest_node = mapping.get(digest_key) if digest_key else None
    digest = _text(digest_node)
    image = name + (f":{tag}" if tag else "")
    if digest:
        image += "@" + (digest if ":" in digest else f"sha256:{digest}")
    try:
        reference.parse(image)
    except reference.InvalidReference:
        return None
    slot: tuple[int, int] | None = None
    if digest_node is not None and not digest and isinstance(digest_node, type(repository)):
        dspan = locate(text, bom, digest_node)
        if digest_node.style or dspan.end > dspan.start:
            slot = (dspan.start, dspan.end)
    digest_text = "{hex}" if digest_key == "sha" else "{digest}"
    where = tag_node if isinstance(tag_node, type(repository)) else None
    empty = where is not None and not where.style and where.value == "" and where.tag is None
    if empty and where is not None:
        # ``tag:`` written with no value: the tag goes right after the colon.
        span = locate(text, bom, where)
        if text[span.start - 1 : span.start] == ":":
            return Occurrence(
                path=path,
                start=span.start,
                end=span.start,
                line=span.line,
                column=span.column,
                written="",
                image=image,
                context=context + (".tag" if context else "tag"),
                split=Split(name, slot, digest_text, " {tag}", suffix) if fixable else None,
            )
    if where is None or empty:
        # No tag field to write to: report at the repository.
        at = context + (".repository" if context else "repository")
        return occurrence(path, text, bom, repository, at, image=image)
    span = locate(text, bom, where)
    return Occurrence(
        path=path,
        start=span.start,
        end=span.end,
        line=span.line,
        column=span.column,
        written=text[span.start : span.end],
        image=image,
        context=context + (".tag" if context else "tag"),
        split=Split(name, slot, digest_text, suffix=suffix) if span.verbatim and fixable else None,
    )
