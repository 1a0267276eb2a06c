"""The sources pinlint reads, one module each, and the registry that names them.

A *source* is one kind of file that names images: Dockerfiles, compose files,
Kubernetes manifests, ...  Each has a module under ``pinlint.formats`` and one entry in
:data:`SOURCES` saying which files it claims.  Entries name their module by string; a
module is imported the first time a file of its kind is scanned, so a run over one
Dockerfile imports neither PyYAML nor any YAML source.

How a file finds its source (``docs/architecture.md``, "Adding a source"):

1. By name and path (:func:`classify`, asked by discovery): the ``claim`` of each entry,
   in the order of :data:`SOURCES`; the first that says yes wins.  A claim sees the base
   name, its lower-case form and the path with ``/`` separators, and must not touch the
   disk; an entry with ``confirm`` asks its module's ``confirm(path, project)`` after a
   name claim (a ``values.yaml`` is Helm's only beside a ``Chart.yaml``).
2. By content, for YAML: every ``*.yml``/``*.yaml`` that no other source claims is of
   kind ``yaml``.  It is parsed once (:mod:`pinlint.formats.yamlfile`) and each document
   is offered to the YAML sources with ``sniff``, in the order of :data:`SOURCES`; the
   first whose ``sniff(root)`` says yes scans it.  A YAML source's ``hint`` takes every
   document of a generic YAML file by its name (compose files).

What a module provides, by its entry's ``reader``:

- ``TEXT``: ``scan(path, text, options, project) -> list[Occurrence]`` for the decoded
  file (a BOM kept as character 0);
- ``YAML``: ``scan_document(doc: yamltree.Document) -> list[Occurrence]``, plus
  ``sniff(root) -> bool`` when the entry has ``sniff``.  A YAML source claimed by name
  gets every mapping document of its files; the parse is done for it.

A source raises :class:`pinlint.model.ParseError` for a file it cannot parse, reads
other files only through :class:`Project`, and knows nothing of
rules, registries or fixing.  :func:`scan` is the one dispatch point, for the lint pass
and the fixer alike.
"""

from __future__ import annotations

import os

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from types import ModuleType
    from typing import TypeVar

    from pinlint.model import Occurrence

    _T = TypeVar("_T")

    # (base name, lower-case base name, path with "/" separators) -> claimed?
    Claim = Callable[[str, str, str], bool]

__all__ = [
    "MAX_FILE_SIZE",
    "SOURCES",
    "TEXT",
    "YAML",
    "Project",
    "ScanOptions",
    "Source",
    "classify",
    "scan",
    "source",
]

TEXT = "text"
YAML = "yaml"

# Larger files are not read, neither to lint them nor as another file a source needs:
# nobody writes a 16 MiB Dockerfile or manifest by hand, and reading one would blow the
# memory budget of a pre-commit hook.
MAX_FILE_SIZE = 16 * 1024 * 1024


class ScanOptions:
    """What a scan needs besides the text (a plain class: CONTRIBUTING.md, "Start-up budget")."""

    __slots__ = ("build_args",)

    def __init__(self, build_args: dict[str, str] | None = None) -> None:
        # ``--build-arg KEY=VALUE``: overrides Dockerfile ARG defaults, as docker build does.
        self.build_args: dict[str, str] = build_args if build_args is not None else {}


# -- what a source may know beyond its file --------------------------------------------
#
# Some sources read more than one file: a compose file takes variables from the ``.env``
# beside it; Helm values need the ``Chart.yaml`` of their chart; a kustomization rewrites
# the images of its bases.  One Project per run answers these questions for every source,
# so that a file is read at most once per run, however many files ask for it (answers are
# cached under a key the asking source chooses: ``fact``); what is read stays inside the
# scanned tree (a symlink that leads out of it, to ``/etc``, to another project, to a
# secret, is not followed, and neither is anything but a regular file: a FIFO would block
# the run); and what is read is bounded (``MAX_FILE_SIZE``, UTF-8).  The scanned tree is
# the directories named on the command line, and for a file named on its own (the
# pre-commit call) the directory that holds it.  Sources never open other files
# themselves.  A Project is plain data plus caches, so it travels to the worker processes
# of a large run (each keeps its own cache).  It lives here, not in a module of its own,
# because the lint pass makes one on every run and an import costs the one-file run more
# than this class.


# Kinds of files whose paths discovery records for the other sources: a kustomization
# rewrites the images of manifests elsewhere in the tree, a skaffold config builds the
# images its manifests name.  Only these few, so that the project stays small when it
# travels to the worker processes.
TREE_KINDS = frozenset(("kustomize", "skaffold"))


def _work_tree(directory: str, seen: dict[str, str | None]) -> str | None:
    """The top of the git work tree ``directory`` is in (a ``.git`` beside it), or None."""
    current = os.path.abspath(directory)
    walked: list[str] = []
    top: str | None = None
    while current not in seen:
        walked.append(current)
        if os.path.exists(os.path.join(current, ".git")):
            top = current
            break
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    else:
        top = seen[current]
    for each in walked:
        seen[each] = top
    return top


# Paths whose real path a Project keeps at most (they are asked about in the order of
# the files, so the directories of the files around the current one).
_REAL_CACHE = 4096


class Project:
    """Per-run facts about the scanned tree, read on first use and cached."""

    __slots__ = ("_facts", "_real", "_real_roots", "discovered", "roots")

    def __init__(self, roots: Sequence[str] = ()) -> None:
        # The paths given to the run (files or directories).
        self.roots = tuple(roots)
        self._real_roots: tuple[str, ...] | None = None
        self._facts: dict[object, object] = {}
        # os.path.realpath of each path asked about: sources walk up the same directories
        # for file after file, and each answer costs a system call per path component.
        self._real: dict[str, str] = {}
        # kind -> paths found by discovery, for the kinds of ``TREE_KINDS``.
        self.discovered: dict[str, list[str]] = {}

    def saw(self, path: str, kind: str) -> None:
        """Discovery found ``path`` of ``kind`` (kept when other sources need it)."""
        if kind in TREE_KINDS:
            self.discovered.setdefault(kind, []).append(path)

    def files(self, kind: str) -> list[str]:
        """The paths of ``kind`` (one of ``TREE_KINDS``) discovery found in this run."""
        return self.discovered.get(kind, [])

    def fact(self, key: object, compute: Callable[[], _T]) -> _T:
        """``compute()``, once per run for ``key`` (a tuple naming the source first)."""
        try:
            return self._facts[key]  # type: ignore[return-value]
        except KeyError:
            value = self._facts[key] = compute()
            return value

    def _trees(self, path: str) -> tuple[str, ...]:
        if self._real_roots is None:
            trees: list[str] = []
            tops: dict[str, str | None] = {}
            for root in self.roots:
                directory = root if os.path.isdir(root) else os.path.dirname(root) or "."
                # And the git work tree around it: a pre-commit hook names single files
                # (``charts/x/templates/job.yaml``), whose chart and ``.env`` are the
                # repository's, a directory up.  Never more than the repository.
                for tree in (directory, _work_tree(directory, tops)):
                    if tree is not None and os.path.realpath(tree) not in trees:
                        trees.append(os.path.realpath(tree))
            self._real_roots = tuple(trees)
        if self._real_roots:
            return self._real_roots
        # No roots given (a format scanned on its own): the file's own directory.
        return (self.realpath(os.path.dirname(path) or "."),)

    def realpath(self, path: str) -> str:
        """``os.path.realpath(path)``, once per run for each path."""
        real = self._real.get(path)
        if real is None:
            if len(self._real) >= _REAL_CACHE:
                self._real.clear()  # bounded: one entry per directory of a tree otherwise
            real = self._real[path] = os.path.realpath(path)
        return real

    def inside(self, path: str, other: str) -> str | None:
        """The real path of ``other`` when it lies inside the tree ``path`` was found in.

        Not inside git's own directory: ``.git/config`` holds the token that
        actions/checkout persists (``extraheader``), and a pull request can link a
        ``.env`` to it.
        """
        real = self.realpath(other)
        for tree in self._trees(path):
            top = tree.rstrip(os.sep) + os.sep
            if real == tree or real.startswith(top):
                parts = real[len(top) :].split(os.sep)
                if any(part.lower() == ".git" for part in parts):
                    return None
                return real
        return None

    def read_beside(self, path: str, name: str) -> str | None:
        """The text of the file ``name`` in the directory of ``path``, or None.

        None when there is no such file, or it is not a regular file, lies outside the
        scanned tree (through a symlink), is larger than ``MAX_FILE_SIZE`` or is not
        UTF-8 (a BOM is dropped).  Cached: asking again costs nothing.
        """
        other = os.path.join(os.path.dirname(path), name)
        return self.fact(("file", other), lambda: self._read(path, other))

    def _read(self, path: str, other: str) -> str | None:
        import stat

        real = self.inside(path, other)
        if real is None:
            return None
        try:
            # O_NONBLOCK: a FIFO swapped in after the realpath above cannot block the run.
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            with os.fdopen(fd, "rb", closefd=False) as f:
                data = f.read(MAX_FILE_SIZE + 1)
        except OSError:
            return None
        finally:
            os.close(fd)
        if len(data) > MAX_FILE_SIZE:
            return None
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return None


class Source:
    """One entry of the registry: a source, its module and the files it claims."""

    __slots__ = (
        "claim",
        "confirm",
        "hint",
        "kind",
        "module",
        "needs",
        "reader",
        "sniff",
    )

    def __init__(
        self,
        kind: str,
        module: str,
        *,
        reader: str = TEXT,
        claim: Claim | None = None,
        confirm: bool = False,
        sniff: bool = False,
        hint: Claim | None = None,
        needs: Sequence[str] = (),
    ) -> None:
        self.kind = kind  # the name of the file kind, as discovery and the fixer pass it
        self.module = module  # imported on first use
        self.reader = reader  # TEXT or YAML
        self.claim = claim  # files claimed by name and path
        self.confirm = confirm  # the module's confirm(path, project) decides a name claim
        self.sniff = sniff  # YAML: documents of generic YAML files offered to sniff(root)
        self.hint = hint  # YAML: a generic YAML file so named is this source's, whole
        # YAML: words one of which a file must hold to be worth parsing for this source
        # (most YAML files name no image; parsing is most of the cost of one).
        self.needs = tuple(needs)


def _dockerfile(name: str, lower: str, path: str) -> bool:
    """``Dockerfile``, ``*.Dockerfile``, ``Dockerfile.*``, ``Dockerfile-*``,
    ``*.Containerfile``, ``Containerfile*``.

    The whole name and the suffix in any case (``dockerfile``, ``api.dockerfile``), the
    ``Dockerfile.`` prefix only as written, so that ``dockerfile.py`` stays Python.
    BuildKit's per-Dockerfile ignore files (``Dockerfile.dockerignore``) are not
    Dockerfiles, and a YAML suffix wins (``Dockerfile.yaml`` is YAML).
    """
    if lower.endswith((".dockerignore", ".yml", ".yaml")):
        return False
    return (
        lower in ("dockerfile", "containerfile")
        or lower.endswith((".dockerfile", ".containerfile"))
        or name.startswith(("Dockerfile.", "Dockerfile-", "Containerfile"))
    )


def _yaml(name: str, lower: str, path: str) -> bool:
    return lower.endswith((".yml", ".yaml"))


_COMPOSE_NAME: object = None


def _compose_name(name: str, lower: str, path: str) -> bool:
    """``compose.yaml``, ``compose.*.yml``, ``docker-compose*.yml``, any case."""
    global _COMPOSE_NAME
    import re

    if _COMPOSE_NAME is None:
        _COMPOSE_NAME = re.compile(r"(?:docker-compose[^/\\]*|compose(?:\.[^/\\]+)?)\.ya?ml")
    assert isinstance(_COMPOSE_NAME, re.Pattern)
    return _COMPOSE_NAME.fullmatch(lower) is not None


def _workflow(name: str, lower: str, path: str) -> bool:
    """``.github/workflows/*.yml`` and ``*.yaml``."""
    return lower.endswith((".yml", ".yaml")) and ("/" + path).endswith("/.github/workflows/" + name)


def _action(name: str, lower: str, path: str) -> bool:
    """GitHub Actions metadata: ``action.yml``, ``action.yaml``."""
    return name in ("action.yml", "action.yaml")


def _gitlab(name: str, lower: str, path: str) -> bool:
    """``.gitlab-ci.yml`` and included ``*.gitlab-ci.yml`` (``.yaml`` too)."""
    return lower.endswith((".gitlab-ci.yml", ".gitlab-ci.yaml"))


def _devcontainer(name: str, lower: str, path: str) -> bool:
    """``.devcontainer.json``, ``devcontainer.json`` under a ``.devcontainer`` folder."""
    return name == ".devcontainer.json" or (
        name == "devcontainer.json" and "/.devcontainer/" in "/" + path
    )


def _cloudbuild(name: str, lower: str, path: str) -> bool:
    """``cloudbuild.yaml``, ``cloudbuild-release.yml``, ``cloudbuild_test.json``, ..."""
    return lower.startswith("cloudbuild") and lower.endswith((".yaml", ".yml", ".json"))


def _drone(name: str, lower: str, path: str) -> bool:
    return lower in (".drone.yml", ".drone.yaml")


# The folder claims below test a substring first: classify asks every claim of every
# YAML file, and most YAML files are none of these.


def _in_folder(path: str, name: str, folder: str) -> bool:
    """Whether ``path`` (``/`` separators) is ``folder/name`` or ends with it."""
    return path == folder + "/" + name or path.endswith("/" + folder + "/" + name)


def _woodpecker(name: str, lower: str, path: str) -> bool:
    """``.woodpecker.yml`` and every YAML file of a ``.woodpecker/`` folder."""
    if ".woodpecker" not in path or not lower.endswith((".yml", ".yaml")):
        return False
    return lower.startswith(".woodpecker.") or _in_folder(path, name, ".woodpecker")


def _circleci(name: str, lower: str, path: str) -> bool:
    """``.circleci/config.yml`` and the other YAML files of ``.circleci/`` (continued
    configs)."""
    return (
        ".circleci/" in path
        and lower.endswith((".yml", ".yaml"))
        and _in_folder(path, name, ".circleci")
    )


def _bitbucket(name: str, lower: str, path: str) -> bool:
    return lower in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml")


def _azure(name: str, lower: str, path: str) -> bool:
    """``azure-pipelines*.yml`` (also with a leading dot), and the YAML files of an
    ``azure-pipelines/`` or ``.azure-pipelines/`` folder (templates)."""
    if "pipelines" not in path.lower() or not lower.endswith((".yml", ".yaml")):
        return False
    if lower.lstrip(".").startswith("azure-pipelines"):
        return True
    parent = path.rsplit("/", 2)[-2].lower() if "/" in path else ""
    return parent in ("azure-pipelines", ".azure-pipelines")


def _bake(name: str, lower: str, path: str) -> bool:
    """``docker-bake*.hcl``/``.json`` (``docker-bake.override.hcl``), and any ``*.hcl``:
    bake reads any HCL file it is given (``-f ci.hcl``); others are skipped by content."""
    return lower.endswith(".hcl") or (lower.startswith("docker-bake") and lower.endswith(".json"))


def _kustomization(name: str, lower: str, path: str) -> bool:
    """``kustomization.yaml``, ``kustomization.yml``, ``Kustomization`` (as kustomize
    looks them up)."""
    return name in ("kustomization.yaml", "kustomization.yml", "Kustomization")


def _skaffold(name: str, lower: str, path: str) -> bool:
    """``skaffold.yaml`` and its variants (``skaffold-gradle.yaml``)."""
    return lower.startswith("skaffold") and lower.endswith((".yaml", ".yml"))


def _helm_values(name: str, lower: str, path: str) -> bool:
    """``values.yaml``, ``values-*.yaml``, ``values.*.yaml``, ``values/*.yaml``; a chart's
    only when a ``Chart.yaml`` is beside (the module's ``confirm``)."""
    if not lower.endswith((".yaml", ".yml")):
        return False
    if lower in ("values.yaml", "values.yml") or lower.startswith(
        ("values-", "values.", "values_")
    ):
        return True
    return path.rsplit("/", 2)[-2:-1] == ["values"]


def _helm_template(name: str, lower: str, path: str) -> bool:
    """A YAML file below a ``templates/`` folder; a chart's only beside a ``Chart.yaml``."""
    return lower.endswith((".yaml", ".yml")) and (
        "/templates/" in path or path.startswith("templates/")
    )


# The registry.  Order matters twice: the first claim wins (specific names before the
# generic ``yaml``), and YAML documents go to the first source whose sniff accepts them.
SOURCES: tuple[Source, ...] = (
    Source("dockerfile", "pinlint.formats.dockerfile", claim=_dockerfile),
    # Kubernetes-ecosystem documents before plain manifests: they have apiVersion and kind
    # too, and more than the manifest rules know.
    Source("tekton", "pinlint.formats.tekton", reader=YAML, sniff=True, needs=("image",)),
    Source("argo", "pinlint.formats.argo", reader=YAML, sniff=True, needs=("image",)),
    Source("olm", "pinlint.formats.olm", reader=YAML, sniff=True, needs=("image",)),
    Source(
        "kustomize",
        "pinlint.formats.kustomize",
        reader=YAML,
        claim=_kustomization,
        sniff=True,
        needs=("images",),
    ),
    Source(
        "skaffold",
        "pinlint.formats.skaffold",
        reader=YAML,
        claim=_skaffold,
        sniff=True,
        needs=("image", "Image", "builder"),
    ),
    Source(
        "helm",
        "pinlint.formats.helm",
        reader=YAML,
        claim=_helm_values,
        confirm=True,
        needs=("image", "Image", "repository"),
    ),
    # Chart templates are Go templates, never manifests: a line scan finds the images
    # written in them as text.
    Source("helm-template", "pinlint.formats.helmtemplates", claim=_helm_template, confirm=True),
    Source(
        "gitops",
        "pinlint.formats.gitops",
        reader=YAML,
        sniff=True,
        needs=("values", "images"),
    ),
    Source(
        "kubernetes",
        "pinlint.formats.kubernetes",
        reader=YAML,
        sniff=True,
        needs=("image",),
    ),
    Source(
        "compose",
        "pinlint.formats.compose",
        reader=YAML,
        sniff=True,
        hint=_compose_name,
        # A service that only builds still pulls what its inline Dockerfile and named
        # contexts name.
        needs=("image", "dockerfile_inline", "docker-image://"),
    ),
    Source(
        "workflows",
        "pinlint.formats.workflows",
        reader=YAML,
        claim=_workflow,
        sniff=True,
        needs=("container", "services", "docker://"),
    ),
    Source(
        "actions",
        "pinlint.formats.actions",
        reader=YAML,
        claim=_action,
        sniff=True,
        needs=("image", "docker://"),
    ),
    Source(
        "gitlab",
        "pinlint.formats.gitlab",
        reader=YAML,
        claim=_gitlab,
        sniff=True,
        needs=("image", "services"),
    ),
    Source("devcontainer", "pinlint.formats.devcontainer", claim=_devcontainer),
    Source("bake", "pinlint.formats.bake", claim=_bake),
    # CI configs claimed by name (Cloud Build and Drone documents also by content).
    Source(
        "cloudbuild",
        "pinlint.formats.cloudbuild",
        reader=YAML,
        claim=_cloudbuild,
        sniff=True,
        needs=("steps",),
    ),
    Source(
        "drone", "pinlint.formats.drone", reader=YAML, claim=_drone, sniff=True, needs=("image",)
    ),
    Source("woodpecker", "pinlint.formats.drone", reader=YAML, claim=_woodpecker, needs=("image",)),
    Source("circleci", "pinlint.formats.circleci", reader=YAML, claim=_circleci, needs=("image",)),
    Source(
        "bitbucket",
        "pinlint.formats.bitbucket",
        reader=YAML,
        claim=_bitbucket,
        needs=("image", "docker://"),
    ),
    Source("azure", "pinlint.formats.azure", reader=YAML, claim=_azure, needs=("container",)),
    # Last of the claims: any other YAML file, its documents offered to the sniffs above.
    Source(YAML, "pinlint.formats.yamlfile", claim=_yaml),
)

_BY_KIND: dict[str, Source] = {}
_MODULES: dict[str, ModuleType] = {}


def source(kind: str) -> Source:
    """The registry entry of ``kind`` (KeyError for a kind no source has)."""
    if not _BY_KIND:
        _BY_KIND.update((s.kind, s) for s in SOURCES)
    return _BY_KIND[kind]


def load(entry: Source) -> ModuleType:
    """The module of a source, imported on first use."""
    module = _MODULES.get(entry.module)
    if module is None:
        # The import statement's own machinery, not ``importlib``: that package (and
        # ``warnings`` behind it) is not loaded at start-up, and the one-file run would
        # pay for it.
        import sys

        __import__(entry.module)
        module = _MODULES[entry.module] = sys.modules[entry.module]
    return module


def classify(path: str, project: Project | None = None) -> str | None:
    """The kind of a file by its name and path, or None when no source claims it."""
    slash = path.replace("\\", "/")
    name = slash.rsplit("/", 1)[-1]
    lower = name.lower()
    for entry in SOURCES:
        claim = entry.claim
        if claim is None or not claim(name, lower, slash):
            continue
        if entry.confirm:
            if project is None:
                project = Project()
            if not load(entry).confirm(path, project):
                continue
        return entry.kind
    return None


def scan(
    kind: str, path: str, text: str, options: ScanOptions, project: Project | None = None
) -> list[Occurrence]:
    """The image references of a file of ``kind``: the one way any file is scanned.

    ``project`` is the run's; without one, the file's own directory is its tree.
    """
    entry = source(kind)
    if project is None:
        project = Project()
    if entry.reader == YAML:
        # The YAML reader is the generic ``yaml`` entry's module (``yamlfile``), loaded by
        # name like every source: it imports this registry, not the other way round.
        found: list[Occurrence] = load(source(YAML)).scan_claimed(
            entry, path, text, options, project
        )
        return found
    found = load(entry).scan(path, text, options, project)
    return found
