"""Precision in the wild: the false-error rate of pinlint on thirteen public repositories.

    python bench/precision.py --mirrors GITDIRS --corpus TREES [--src OTHER/src]
                              [--save ROWS.json] [--recall-of ROWS.json] [--rows]

``--mirrors GITDIRS`` holds one bare git directory per repository, as
``GITDIRS/<owner>+<name>/repo`` (or ``GITDIRS/<owner>+<name>``); the files pinlint may
read (:data:`EXTRACT`) are written from the commit of :data:`REPOSITORIES` to
``TREES/<owner>+<name>`` (an existing tree is reused; ``--fresh`` extracts again).
Without ``--mirrors``, ``--corpus`` must already hold the thirteen trees.

pinlint runs offline (``--offline --format json``, default settings) on each tree, with
the working directory at ``TREES``; ``--src`` runs another checkout's ``src`` instead
(``PYTHONPATH``), for the "before" column.  Every finding of severity ``error`` is put in
one class by the rules of :func:`classify`, in order; each rule reads the files of the
repository (skaffold configs, kustomizations, patches), none looks at what pinlint said
beyond the finding's path, line and image.  docs/precision.md gives the rules with the
files each was checked on.

The false-error rate is noise (the classes numbered 1-7 and "other") / all error
findings; test fixtures are shown apart.  ``--save`` writes the classified rows;
``--recall-of`` reads rows saved by an earlier run (another ``--src``) and lists each
*true* finding of that run (path and image, or else path and line) that this run no
longer reports as an error.

It is a measurement, not a test: the exit status is 0 whatever the figures (2 on bad
arguments or a repository that cannot be extracted).
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


from _common import bench_env, pinlint_command, table

REPOSITORIES = {
    "GoogleContainerTools+skaffold": "359a940c1b26e9aecfad508c1e87a679ec86e49b",
    "istio+istio": "86c9f01fd735fb01d8192f5bcaf0d424afb7f14c",
    "kubeflow+manifests": "009c88084074904c7743384ff50d3bd70012ef55",
    "grafana+loki": "65e30f8488e8a5ea2013c6881675f8103a8f6bc7",
    "tektoncd+pipeline": "3ee1745ae5b2d9175b11917d7c1935eaad44910c",
    "jenkinsci+docker": "ab3f5e0a80d666b1d554c2b7cad38b5c5ee35f1c",
    "nextcloud+docker": "4de1eed65a44c61ecce601ef1d27abd2059b52e6",
    "getsentry+self-hosted": "89a143f8e4d396a858cf6f462a832ae7da9fd2db",
    "docker+buildx": "461836ba0fcb3e847dab6045a726889faa150bdb",
    "devcontainers+templates": "c1ca13c3ecd61ece026017bfababc041ed4d0440",
    "paperless-ngx+paperless-ngx": "b0e0e8a35373a5d9d588a507cb63c79e50a23403",
    "celery+celery": "5dc781f0bd5f36186bfcc74e0a4f9f654452c69b",
    "GNOME+libxml2": "c8eaf2236ff16667970f96f3f01e119c99d38ab2",
}

# The files extracted: those pinlint may read (YAML, Dockerfiles, .env, Dev Container
# templates), and .gitignore.  Symbolic links are written as links.
EXTRACT = re.compile(
    r"(\.ya?ml$|dockerfile|containerfile|devcontainer-template\.json$|(^|/)\.env$"
    r"|\.gitignore$)",
    re.I,
)

NOISE_CLASSES = (
    "1 project-built (skaffold)",
    "2 kustomize placeholder",
    "3 not a reference",
    "4 substitution",
    "5 exact version scheme",
    "7 third-party tree",
    "other: placeholder rewritten by a script",
)
FIXTURE = "test fixture (not pullable)"
TRUE = "true"

# Reviewed by hand, each with the file that says so.
REVIEWED = {
    # jenkinsci/docker tests/test_helpers.bash (docker_build_child) and test_helpers.psm1:
    # ``sed -e "s#FROM bats-jenkins.*#FROM ${parent}#g"`` before ``docker build``.
    "bats-jenkins": "other: placeholder rewritten by a script",
    "bats-jenkins-plugins-cli": "other: placeholder rewritten by a script",
    # skaffold integration/testdata/verify-succeed-k8s/skaffold.yaml: a verify task that
    # runs an image on purpose not built (the profile's name says so).
    "not-built-localtask": FIXTURE,
    # skaffold's deliberately missing image; istio's golden outputs of templates rendered
    # with empty values.
    "zz-image-doesnt-exist": FIXTURE,
    "/agentgateway:": FIXTURE,
    "/proxyv2:": FIXTURE,
}

_SCHEMES = (
    # PostgreSQL >= 10: MAJOR.MINOR is a release (the official image and its copies).
    re.compile(r"(?:^|/)(library/)?postgres:(1[0-9]|[2-9][0-9])\.[0-9]+(-[a-z0-9.]+)*$"),
    re.compile(r"^nvcr\.io/nvidia/.*:[0-9]{2}\.(0[1-9]|1[0-2])"),  # NGC YY.MM
    re.compile(r"seaweedfs:[0-9]+\.[0-9]{2}"),
    re.compile(r":[0-9]+u[0-9]+"),  # Java 8u342
    re.compile(r"centos:centos[0-9]+\.[0-9]+\.[0-9]+$"),
    re.compile(r"^(docker\.io/)?bitnami/.*-r[0-9]+$"),
    re.compile(r"^(docker\.io/)?jenkins/jenkins:2\.[0-9]{3,}"),
)
_FIXTURE_DIR = re.compile(r"(^|/)(testdata|test-data|fixtures)(/|$)")
_FIXTURE_NAME = re.compile(r"^(fake\.|testing\.|test/|example\.|gcr\.io/my-)")
_KUSTOMIZATIONS = ("kustomization.yaml", "kustomization.yml", "Kustomization")


# -- extraction -----------------------------------------------------------------------


def git_dir(mirrors: str, repo: str) -> str:
    inner = os.path.join(mirrors, repo, "repo")
    return inner if os.path.isdir(inner) else os.path.join(mirrors, repo)


def extract(gitdir: str, commit: str, out: str) -> int:
    """Write the files of ``commit`` that :data:`EXTRACT` matches under ``out``; blobs
    the mirror does not hold are skipped.  Returns the number of files written."""
    listing = subprocess.run(
        ["git", f"--git-dir={gitdir}", "ls-tree", "-r", "-z", commit],
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8", "surrogateescape")
    wanted: list[tuple[str, str, str]] = []
    for line in listing.split("\0"):
        if not line:
            continue
        meta, path = line.split("\t", 1)
        mode, kind, obj = meta.split()
        if kind == "blob" and EXTRACT.search(path):
            wanted.append((mode, obj, path))
    batch = subprocess.run(
        ["git", f"--git-dir={gitdir}", "cat-file", "--batch"],
        input="".join(f"{obj}\n" for _, obj, _ in wanted).encode(),
        capture_output=True,
        check=True,
    ).stdout
    written = 0
    offset = 0
    for mode, _obj, path in wanted:
        end = batch.index(b"\n", offset)
        header = batch[offset:end].split()
        offset = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        data = batch[offset : offset + size]
        offset += size + 1
        target = os.path.join(out, path)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if mode == "120000":
            os.symlink(data.decode("utf-8", "surrogateescape"), target)
        else:
            with open(target, "wb") as f:
                f.write(data)
        written += 1
    return written


# -- facts of a repository, read from its files ----------------------------------------


def _load_all(path: str) -> list[dict[str, Any]]:
    try:
        with open(path, encoding="utf-8") as f:
            return [d for d in yaml.safe_load_all(f) if isinstance(d, dict)]
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield item


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                yield item


def name_of(image: str) -> str:
    """The repository of a reference: tag and digest removed."""
    name = image.partition("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name.rpartition(":")[0] if ":" in last else name


@dataclass
class SkaffoldConfig:
    """One skaffold config: what it builds, and the files it deploys (globs relative to
    the tree, and directories whose files it deploys)."""

    path: str
    artifacts: set[str] = field(default_factory=set)
    globs: list[str] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)
    requires: list[str] = field(default_factory=list)  # config files required
    # chart directory -> value keys a release sets from a built image (``image``)
    set_values: dict[str, set[str]] = field(default_factory=dict)

    def deploys(self, rel: str, reach: dict[str, set[str]]) -> bool:
        """``rel`` is the config itself (its verify, custom-action and builder images),
        lies below its directory (where skaffold projects keep their manifests), or is
        a file its manifests, kustomize paths (and what they include) or charts name."""
        if rel == self.path or rel.startswith(os.path.dirname(self.path) + "/"):
            return True
        if any(fnmatch.fnmatchcase(rel, g) for g in self.globs):
            return True
        for d in self.directories:
            if rel.startswith(d + "/"):
                return True
            for name in _KUSTOMIZATIONS:
                if rel in reach.get(os.path.join(d, name), ()):
                    return True
        return False


def _skaffold_config(root: str, rel: str, doc: dict[str, Any]) -> SkaffoldConfig:
    config = SkaffoldConfig(rel)
    base = os.path.dirname(rel)

    def join(p: str) -> str:
        return os.path.normpath(os.path.join(base, p))

    def read(section: dict[str, Any]) -> None:
        build = section.get("build")
        if isinstance(build, dict):
            for artifact in _dicts(build.get("artifacts")):
                # ``imageName`` is the v1alpha spelling of ``image``
                for key in ("image", "imageName"):
                    if isinstance(artifact.get(key), str):
                        config.artifacts.add(artifact[key])
        for patch in _dicts(section.get("patches")):
            value = patch.get("value")
            if (
                "/artifacts" in str(patch.get("path", ""))
                and isinstance(value, dict)
                and isinstance(value.get("image"), str)
            ):
                config.artifacts.add(value["image"])
            if "/rawYaml" in str(patch.get("path", "")) and isinstance(value, str):
                config.globs.append(join(value))
        for key in ("manifests", "deploy"):
            part = section.get(key)
            if not isinstance(part, dict):
                continue
            config.globs += [join(p) for p in _strings(part.get("rawYaml"))]
            kubectl = part.get("kubectl")
            if isinstance(kubectl, dict):
                config.globs += [join(p) for p in _strings(kubectl.get("manifests"))]
                for item in _dicts(kubectl.get("manifests")):  # v1alpha: {paths: [...]}
                    config.globs += [join(p) for p in _strings(item.get("paths"))]
            kustomize = part.get("kustomize")
            if isinstance(kustomize, dict):
                for p in [*_strings(kustomize.get("paths")), *_strings(kustomize.get("path"))]:
                    config.directories.append(join(p))
            helm = part.get("helm")
            if isinstance(helm, dict):
                for release in _dicts(helm.get("releases")):
                    if isinstance(release.get("chartPath"), str):
                        chart = join(release["chartPath"])
                        config.directories.append(chart)
                        overrides = release.get("artifactOverrides")
                        if isinstance(overrides, dict):
                            config.set_values.setdefault(chart, set()).update(
                                str(key).split(".")[0] for key in overrides
                            )
                        templates = release.get("setValueTemplates")
                        if isinstance(templates, dict):
                            config.set_values.setdefault(chart, set()).update(
                                str(key).split(".")[0]
                                for key, value in templates.items()
                                if "{{.IMAGE_" in str(value)
                            )
        for required in _dicts(section.get("requires")):
            if isinstance(required.get("path"), str):
                target = join(required["path"])
                if os.path.isdir(os.path.join(root, target)):
                    target = os.path.join(target, "skaffold.yaml")
                config.requires.append(target)

    read(doc)
    for profile in _dicts(doc.get("profiles")):
        read(profile)
    if not config.globs and not config.directories:
        config.globs.append(join("k8s/*.yaml"))  # skaffold's default for kubectl
    return config


@dataclass
class Kustomization:
    path: str  # the file, relative to the tree
    includes: list[str] = field(default_factory=list)  # files or directories
    components: list[str] = field(default_factory=list)  # folders of its components
    pinned: set[str] = field(default_factory=set)  # names an entry gives a tag or digest
    # strategic-merge patches: (kind, name) -> {container name: the image it sets}
    patched: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)


def _kustomization(root: str, rel: str, doc: dict[str, Any]) -> Kustomization:
    k = Kustomization(rel)
    base = os.path.dirname(rel)
    for key in ("resources", "bases", "components"):
        for item in _strings(doc.get(key)):
            if "://" not in item and not item.startswith("github.com/"):
                k.includes.append(os.path.normpath(os.path.join(base, item)))
                if key == "components":
                    k.components.append(os.path.normpath(os.path.join(base, item)))
    patch_files = list(_strings(doc.get("patchesStrategicMerge")))
    patch_docs: list[dict[str, Any]] = []
    for entry in _dicts(doc.get("patches")):
        if isinstance(entry.get("path"), str):
            patch_files.append(entry["path"])
        if isinstance(entry.get("patch"), str):
            with contextlib.suppress(yaml.YAMLError):
                patch_docs += [d for d in yaml.safe_load_all(entry["patch"]) if isinstance(d, dict)]
    for item in patch_files:
        if "\n" in item:  # an inline patch
            with contextlib.suppress(yaml.YAMLError):
                patch_docs += [d for d in yaml.safe_load_all(item) if isinstance(d, dict)]
            continue
        path = os.path.normpath(os.path.join(base, item))
        k.includes.append(path)
        patch_docs += _load_all(os.path.join(root, path))
    for patch in patch_docs:
        meta = patch.get("metadata")
        if isinstance(patch.get("kind"), str) and isinstance(meta, dict):
            images = dict(_containers(patch))
            if images:
                k.patched.setdefault((patch["kind"], str(meta.get("name"))), {}).update(images)
    for entry in _dicts(doc.get("images")):
        if isinstance(entry.get("name"), str) and (entry.get("newTag") or entry.get("digest")):
            k.pinned.add(entry["name"])
    return k


def _containers(node: Any) -> Iterator[tuple[str, str]]:
    """(container name, image) of every container-like mapping below ``node``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key in ("containers", "initContainers"):
                    for c in _dicts(value):
                        if isinstance(c.get("name"), str) and isinstance(c.get("image"), str):
                            yield c["name"], c["image"]
                elif key != "metadata":
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


@dataclass
class Facts:
    skaffold: list[SkaffoldConfig]
    kustomizations: dict[str, Kustomization]
    reach: dict[str, set[str]]  # kustomization path -> files it includes, at any depth


def repo_facts(tree: str) -> Facts:
    configs: list[SkaffoldConfig] = []
    kustomizations: dict[str, Kustomization] = {}
    for dirpath, _, files in os.walk(tree):
        for name in files:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, tree)
            if name.endswith((".yaml", ".yml")):
                for doc in _load_all(path):
                    if str(doc.get("apiVersion", "")).startswith("skaffold/"):
                        configs.append(_skaffold_config(tree, rel, doc))
            if name in _KUSTOMIZATIONS:
                for doc in _load_all(path):
                    kustomizations[rel] = _kustomization(tree, rel, doc)
    # artifacts of required configs are built for the requiring one too
    by_path: dict[str, list[SkaffoldConfig]] = {}
    for c in configs:
        by_path.setdefault(c.path, []).append(c)
    for c in configs:
        todo, seen = list(c.requires), set()
        while todo:
            target = todo.pop()
            if target in seen:
                continue
            seen.add(target)
            for other in by_path.get(target, []):
                c.artifacts |= other.artifacts
                todo += other.requires
    by_dir = {os.path.dirname(p): p for p in kustomizations}
    # A component's images and patches apply to all the including kustomization builds.
    own = {p: (set(k.pinned), dict(k.patched)) for p, k in kustomizations.items()}
    for includer in kustomizations.values():
        for folder in includer.components:
            for name in _KUSTOMIZATIONS:
                component = own.get(os.path.join(folder, name))
                if component is not None:
                    includer.pinned |= component[0]
                    for key, images in component[1].items():
                        includer.patched.setdefault(key, {}).update(images)
    reach: dict[str, set[str]] = {}

    def files_of(k: str, seen: set[str]) -> set[str]:
        if k in reach:
            return reach[k]
        if k in seen:
            return set()
        seen.add(k)
        out: set[str] = set()
        for item in kustomizations[k].includes:
            inner = by_dir.get(item)
            if inner is not None:
                out.add(inner)
                out |= files_of(inner, seen)
            else:
                out.add(item)
        reach[k] = out
        return out

    for k in kustomizations:
        files_of(k, set())
    return Facts(configs, kustomizations, reach)


def _pinned_by_every_overlay(rel: str, name: str, facts: Facts, reaching: list[str]) -> bool:
    """Every top kustomization (one no other includes) that builds ``rel`` gives ``name``
    a tag or digest, itself or through a kustomization it includes that builds ``rel``:
    an overlay that leaves the placeholder alone deploys it as written."""
    included = {inner for files in facts.reach.values() for inner in files}
    roots = [k for k in reaching if k not in included] or reaching
    return bool(roots) and all(
        name in facts.kustomizations[root].pinned
        or any(
            inner in reaching and name in facts.kustomizations[inner].pinned
            for inner in facts.reach[root]
            if inner in facts.kustomizations
        )
        for root in roots
    )


def _value_replaced(tree: str, rel: str, image: str, facts: Facts) -> bool:
    """``image`` is the value, in a chart's values file, of a key that the skaffold
    release deploying the chart sets from the image it built (``setValueTemplates``:
    ``image.repository: "{{.IMAGE_REPO_app}}"``; ``artifactOverrides: {image: app}``)."""
    for c in facts.skaffold:
        for chart, keys in c.set_values.items():
            if os.path.dirname(rel) != chart or not keys:
                continue
            for doc in _load_all(os.path.join(tree, rel)):
                for key in keys:
                    value = doc.get(key)
                    if isinstance(value, dict):
                        value = value.get("repository")
                    if isinstance(value, str) and name_of(image).endswith(name_of(value)):
                        return True
    return False


def _patched_away(tree: str, rel: str, image: str, facts: Facts, reaching: list[str]) -> bool:
    """The container of ``image`` in ``rel`` gets another image from a strategic-merge
    patch of a kustomization that includes ``rel`` (same kind, name and container)."""
    wanted: dict[tuple[str, str], dict[str, str]] = {}
    for k in reaching:
        for key, images in facts.kustomizations[k].patched.items():
            wanted.setdefault(key, {}).update(images)
    if not wanted:
        return False
    for doc in _load_all(os.path.join(tree, rel)):
        meta = doc.get("metadata")
        key = (str(doc.get("kind")), str(meta.get("name") if isinstance(meta, dict) else None))
        patch = wanted.get(key, {})
        if any(i == image and n in patch and patch[n] != image for n, i in _containers(doc)):
            return True
    return False


def classify(tree: str, rel: str, finding: dict[str, Any], facts: Facts) -> str:
    """The class of one error finding (``rel``: its path in the tree)."""
    image, rule = finding["image"], finding["rule"]
    if image in REVIEWED:
        return REVIEWED[image]
    if any(p in ("vendor", "node_modules", "third_party") for p in rel.split("/")[:-1]):
        return "7 third-party tree"
    if rule == "PIN900":
        message = finding["message"]
        if "templateOption" in message or "modifier" in message:
            return "4 substitution"
        return "other: file not read"
    if (
        image == "auto"
        or "%%" in image
        or image.startswith("ko://")
        or re.fullmatch(r"[A-Z0-9_./:-]*[A-Z][A-Z0-9_./:-]*", image)
        or "*" in image
    ):
        return "3 not a reference"
    if "$(" in image or "{{" in image or ("templateOption" in image and rule == "PIN007"):
        return "4 substitution"
    if any(r.search(image) for r in _SCHEMES):
        return "5 exact version scheme"
    name = name_of(image)
    built = any(name in c.artifacts and c.deploys(rel, facts.reach) for c in facts.skaffold)
    if built or _value_replaced(tree, rel, image, facts):
        return "1 project-built (skaffold)"
    reaching = [
        k
        for k, files in facts.reach.items()
        if rel in files and os.path.basename(rel) not in _KUSTOMIZATIONS
    ]
    if _pinned_by_every_overlay(rel, name, facts, reaching) or _patched_away(
        tree, rel, image, facts, reaching
    ):
        return "2 kustomize placeholder"
    if _FIXTURE_DIR.search(rel) and _FIXTURE_NAME.match(image):
        return FIXTURE
    return TRUE


# -- running and reporting ------------------------------------------------------------


Row = dict[str, Any]


def run_pinlint(corpus: str, repo: str, src: str | None) -> list[dict[str, Any]]:
    env = bench_env(**({"PYTHONPATH": os.path.abspath(src)} if src else {}))
    cmd = [*pinlint_command(), "--offline", "--format", "json", "--fail-on", "never", repo]
    if src:
        cmd = [sys.executable, "-m", "pinlint", *cmd[len(pinlint_command()) :]]
    proc = subprocess.run(cmd, cwd=corpus, env=env, capture_output=True, check=False)
    if proc.returncode not in (0, 1):
        sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    result: list[dict[str, Any]] = json.loads(proc.stdout)
    return result


def measure(corpus: str, repos: Iterable[str], src: str | None) -> list[Row]:
    rows: list[Row] = []
    for repo in repos:
        tree = os.path.join(corpus, repo)
        facts = repo_facts(tree)
        for f in run_pinlint(corpus, repo, src):
            if f["severity"] != "error":
                continue
            rel = os.path.relpath(f["path"], repo)
            rows.append(
                {
                    "repo": repo,
                    "class": classify(tree, rel, f, facts),
                    "rule": f["rule"],
                    "path": f["path"],
                    "line": f["line"],
                    "image": f["image"],
                }
            )
    return rows


def report(rows: list[Row], show_rows: bool) -> None:
    by_class = Counter(r["class"] for r in rows)
    total = len(rows)
    order = [*NOISE_CLASSES, FIXTURE, TRUE]
    order += sorted(c for c in by_class if c not in order)
    table([(c, str(by_class.get(c, 0))) for c in order], ("class", "error findings"))
    noise = sum(n for c, n in by_class.items() if c[0].isdigit() or c.startswith("other"))
    fixtures = by_class.get(FIXTURE, 0)

    def share(n: int) -> str:
        return f"{n} of {total} ({100 * n / total:.1f}%)" if total else "0"

    print(f"noise (classes 1-7 and other): {share(noise)}")
    print(f"noise and test fixtures: {share(noise + fixtures)}")
    per_repo: dict[str, Counter[str]] = {}
    for r in rows:
        per_repo.setdefault(r["repo"], Counter())[r["class"]] += 1
    print()
    table(
        [
            (
                repo,
                str(sum(c.values())),
                str(sum(n for k, n in c.items() if k[0].isdigit() or k.startswith("other"))),
                str(c.get(FIXTURE, 0)),
                str(c.get(TRUE, 0)),
            )
            for repo, c in sorted(per_repo.items())
        ],
        ("repository", "errors", "noise", "fixtures", "true"),
    )
    if show_rows:
        for r in rows:
            if r["class"] != TRUE:
                print(f"{r['class']}: {r['path']}:{r['line']}: {r['rule']} {r['image']}")


def recall(previous: list[Row], rows: list[Row]) -> None:
    """Each *true* finding of ``previous`` among the error findings of ``rows``: same path
    and image, or else same path and line (the reference spelled otherwise, listed)."""
    found = {(r["path"], r["image"]) for r in rows}
    at = {(r["path"], r["line"]): r["image"] for r in rows}
    wanted = [r for r in previous if r["class"] == TRUE]
    lost = [r for r in wanted if (r["path"], r["image"]) not in found]
    respelled = [r for r in lost if (r["path"], r["line"]) in at]
    lost = [r for r in lost if (r["path"], r["line"]) not in at]
    print(f"recall of the earlier run's true findings: {len(wanted) - len(lost)} of {len(wanted)}")
    for r in respelled:
        now = at[(r["path"], r["line"])]
        print(f"  same line, spelled otherwise: {r['path']}:{r['line']}: {r['image']} -> {now}")
    for r in lost:
        print(f"  lost: {r['path']}:{r['line']}: {r['rule']} {r['image']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", help="folder of bare git dirs, <owner>+<name>[/repo]")
    parser.add_argument("--corpus", required=True, help="folder of the extracted trees")
    parser.add_argument("--fresh", action="store_true", help="extract again")
    parser.add_argument("--src", help="another checkout's src folder, run instead")
    parser.add_argument("--save", help="write the classified rows (JSON) here")
    parser.add_argument("--recall-of", help="rows saved by an earlier run")
    parser.add_argument("--rows", action="store_true", help="list every finding not true")
    parser.add_argument("--repo", action="append", help="only these repositories")
    args = parser.parse_args(argv)
    repos = args.repo or list(REPOSITORIES)
    for repo in repos:
        if repo not in REPOSITORIES:
            print(f"precision: unknown repository {repo}", file=sys.stderr)
            return 2
        tree = os.path.join(args.corpus, repo)
        if args.mirrors and (args.fresh or not os.path.isdir(tree)):
            if os.path.isdir(tree):
                subprocess.run(["rm", "-rf", "--", tree], check=True)
            try:
                n = extract(git_dir(args.mirrors, repo), REPOSITORIES[repo], tree)
            except subprocess.CalledProcessError as e:
                print(f"precision: {repo}: cannot extract: {e}", file=sys.stderr)
                return 2
            print(f"{repo}: {n} files extracted at {REPOSITORIES[repo][:12]}")
        elif not os.path.isdir(tree):
            print(f"precision: {tree}: no such tree (give --mirrors)", file=sys.stderr)
            return 2
    rows = measure(args.corpus, repos, args.src)
    report(rows, args.rows)
    if args.save:
        with open(args.save, "w", encoding="utf-8") as f:
            json.dump(rows, f, indent=0)
    if args.recall_of:
        with open(args.recall_of, encoding="utf-8") as f:
            recall(json.load(f), rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
