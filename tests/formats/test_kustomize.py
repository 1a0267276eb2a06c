"""Kustomize: ``images:`` entries, and the manifests they rewrite (shapes from
kubeflow/manifests and the skaffold examples, tests/data/real/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from helpers import scan_rows
from pinlint.config import Config
from pinlint.lint import lint_paths

KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../base
images:
- name: ghcr.io/kubeflow/kfp-api-server
  newTag: master
- name: mysql
  newName: mysql
  newTag: "8.3"
- name: pinned
  newName: ghcr.io/acme/pinned
  digest: sha256:AAAA
- name: renamed-only
  newName: ghcr.io/acme/renamed
-   {name: flow, newTag: latest}
""".replace("AAAA", "a" * 64)

CASES: list[Any] = [
    pytest.param(
        KUSTOMIZATION,
        [
            (
                7,
                11,
                "master",
                "ghcr.io/kubeflow/kfp-api-server:master",
                "ghcr.io/kubeflow/kfp-api-server",
            ),
            (10, 12, "8.3", "mysql:8.3", "mysql"),
            (
                13,
                11,
                "sha256:" + "a" * 64,
                "ghcr.io/acme/pinned@sha256:" + "a" * 64,
                None,
            ),
            (16, 26, "latest", "flow:latest", "flow"),
        ],
        id="entries",
    ),
    pytest.param("resources: [a.yaml]\n", [], id="no-images"),
    pytest.param("images:\n- newTag: v1\n- name:\n", [], id="no-name"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_kustomization(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert scan_rows(text, "overlays/dev/kustomization.yaml", "kustomize") == expected


def test_digest_goes_on_its_own_line() -> None:
    from pinlint import formats

    found = formats.scan("kustomize", "kustomization.yaml", KUSTOMIZATION, formats.ScanOptions())
    split = found[1].split
    assert split is not None
    assert split.digest is not None
    start, end = split.digest
    assert start == end == KUSTOMIZATION.index('"8.3"') + len('"8.3"')
    assert split.digest_text == "\n  digest: {digest}"
    flow = found[3].split
    assert flow is not None
    assert flow.digest == (KUSTOMIZATION.index("latest}") + 6,) * 2  # flow: right after the tag


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  template:
    spec:
      containers:
      - name: a
        image: controller
      - name: b
        image: busybox
"""


def _report(root: Path) -> list[tuple[str, int, str]]:
    result = lint_paths([str(root)], Config())
    return sorted((str(Path(f.path).relative_to(root)), f.line, f.rule) for f in result.findings)


def test_placeholder_pinned_by_every_overlay(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/prod/kustomization.yaml": (
                "resources:\n- ../../base\nimages:\n- name: controller\n"
                "  newName: ghcr.io/acme/controller\n  newTag: 1.4.2\n"
            ),
        },
    )
    # The placeholder is the overlay's to set, and it sets an exact tag: nothing there.
    assert _report(tmp_path) == [("base/deployment.yaml", 11, "PIN002")]


def test_floating_overlay_is_reported_at_its_entry(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT,
            "overlays/dev/kustomization.yaml": (
                "resources:\n- ../../base\nimages:\n- name: controller\n  newTag: master\n"
            ),
        },
    )
    assert _report(tmp_path) == [
        ("base/deployment.yaml", 11, "PIN002"),
        ("overlays/dev/kustomization.yaml", 5, "PIN003"),
    ]


def test_no_kustomization_no_change(tmp_path: Path) -> None:
    _tree(tmp_path, {"base/deployment.yaml": DEPLOYMENT})
    assert _report(tmp_path) == [
        ("base/deployment.yaml", 9, "PIN002"),
        ("base/deployment.yaml", 11, "PIN002"),
    ]


def test_cycles_and_missing_resources_end(tmp_path: Path) -> None:
    # a includes b includes a; c names a folder and a file that do not exist.
    _tree(
        tmp_path,
        {
            "a/kustomization.yaml": (
                "resources:\n- ../b\n- dep.yaml\nimages:\n- {name: controller, newTag: 1.0.0}\n"
            ),
            "a/dep.yaml": DEPLOYMENT,
            "b/kustomization.yaml": "resources:\n- ../a\n",
            "c/kustomization.yaml": "resources:\n- ../nowhere\n- gone.yaml\n- https://example.com/x.yaml\n",
            "d/kustomization.yaml": "images: [\n",
        },
    )
    report = _report(tmp_path)
    assert ("a/dep.yaml", 9, "PIN002") not in report
    assert ("a/dep.yaml", 11, "PIN002") in report
    assert ("d/kustomization.yaml", 1, "PIN900") in report


def test_strategic_merge_patch_replaces_the_base_image(tmp_path: Path) -> None:
    # GoogleContainerTools/skaffold@359a940c1b26e9aecfad508c1e87a679ec86e49b
    # examples/kustomize: the base's ``not/a/valid/image`` is replaced by patch.yaml
    # (patchesStrategicMerge); the patch's own image is the one deployed, and floats.
    deployment = DEPLOYMENT.replace("controller", "not/a/valid/image")
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n"
        "  template:\n    spec:\n      containers:\n      - name: a\n"
        "        image: index.docker.io/library/busybox\n"
    )
    _tree(
        tmp_path,
        {
            "kustomization.yaml": (
                "resources:\n- deployment.yaml\npatchesStrategicMerge:\n- patch.yaml\n"
            ),
            "deployment.yaml": deployment,
            "patch.yaml": patch,
            # Another kind or name, or a container the patch does not touch: kept.
            "other/kustomization.yaml": (
                "resources:\n- deployment.yaml\npatches:\n- path: patch.yaml\n"
            ),
            "other/deployment.yaml": deployment.replace("name: app", "name: other"),
            "other/patch.yaml": patch,
        },
    )
    assert _report(tmp_path) == [
        ("deployment.yaml", 11, "PIN002"),  # container b: busybox, untouched
        ("other/deployment.yaml", 9, "PIN002"),
        ("other/deployment.yaml", 11, "PIN002"),
        ("other/patch.yaml", 10, "PIN002"),
        ("patch.yaml", 10, "PIN002"),
    ]


def test_inline_patches_replace_the_base_image(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "kustomization.yaml": (
                "resources:\n- deployment.yaml\npatches:\n- patch: |-\n"
                "    apiVersion: apps/v1\n    kind: Deployment\n    metadata: {name: app}\n"
                "    spec:\n      template:\n        spec:\n          containers:\n"
                "          - {name: a, image: ghcr.io/acme/controller:1.2.3}\n"
                "patchesStrategicMerge:\n- |-\n    apiVersion: apps/v1\n"
                "    kind: Deployment\n    metadata: {name: app}\n    spec:\n      template:\n"
                "        spec:\n          containers:\n"
                "          - {name: b, image: busybox:1.36.1}\n"
            ),
            "deployment.yaml": DEPLOYMENT,
        },
    )
    assert _report(tmp_path) == []


def test_patch_file_images_are_rewritten_by_the_images_entry(tmp_path: Path) -> None:
    # kubeflow/manifests@009c88084074904c7743384ff50d3bd70012ef55
    # applications/profiles/upstream/overlays/kubeflow: patches/kfam.yaml adds the kfam
    # container with ``image: ghcr.io/kubeflow/kubeflow/kfam``, and the same
    # kustomization's images entry gives it ``newTag: v1.10.0``.
    patch = DEPLOYMENT.replace("controller", "ghcr.io/kubeflow/kubeflow/kfam").replace(
        "busybox", "ghcr.io/kubeflow/kubeflow/kfam"
    )
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT.replace("busybox", "busybox:1.36.1"),
            "overlays/kubeflow/kustomization.yaml": (
                "resources:\n- ../../base\npatchesStrategicMerge:\n- patches/kfam.yaml\n"
                "images:\n- name: ghcr.io/kubeflow/kubeflow/kfam\n"
                "  newName: ghcr.io/kubeflow/kubeflow/kfam\n  newTag: v1.10.0\n"
                "- name: controller\n  newTag: latest\n"
            ),
            "overlays/kubeflow/patches/kfam.yaml": patch,
        },
    )
    assert _report(tmp_path) == [("overlays/kubeflow/kustomization.yaml", 10, "PIN001")]


def test_patch_paths_outside_the_tree_are_not_read(tmp_path: Path) -> None:
    # A patch named outside the scanned tree (``../``, absolute, a symlink out of it), a
    # remote one, a huge one and a patch that does not parse: none replaces an image,
    # none is read from outside, the run ends.
    outside = tmp_path / "outside"
    outside.mkdir()
    patch = DEPLOYMENT.replace("controller", "ghcr.io/acme/x:1.0.0")
    (outside / "patch.yaml").write_text(patch)
    root = tmp_path / "tree"
    _tree(
        root,
        {
            "kustomization.yaml": (
                "resources:\n- deployment.yaml\npatchesStrategicMerge:\n- ../outside/patch.yaml\n"
                f"- {outside}/patch.yaml\n- link.yaml\n- https://example.com/p.yaml\n"
                "- huge.yaml\n- broken.yaml\n- missing.yaml\n"
            ),
            "deployment.yaml": DEPLOYMENT,
            "broken.yaml": "kind: [\n",
            "huge.yaml": patch + "#" * (17 * 1024 * 1024),
        },
    )
    (root / "link.yaml").symlink_to(outside / "patch.yaml")
    report = _report(root)
    assert ("deployment.yaml", 9, "PIN002") in report
    assert ("deployment.yaml", 11, "PIN002") in report


def test_an_overlay_that_leaves_the_placeholder_deploys_it(tmp_path: Path) -> None:
    # kubeflow/manifests@009c88084074904c7743384ff50d3bd70012ef55 shape: a base included
    # by several overlays (applications/pipeline/upstream/env/*). prod pins the
    # placeholder, staging pins it through prod; plain includes the base and leaves the
    # placeholder alone, so that overlay deploys ``controller`` as written.
    files = {
        "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
        "base/deployment.yaml": DEPLOYMENT.replace("busybox", "busybox:1.36.1"),
        "overlays/prod/kustomization.yaml": (
            "resources:\n- ../../base\nimages:\n- name: controller\n"
            "  newName: ghcr.io/acme/controller\n  newTag: 1.4.2\n"
        ),
        "overlays/staging/kustomization.yaml": "resources:\n- ../prod\n",
    }
    _tree(tmp_path / "pinned", files)
    assert _report(tmp_path / "pinned") == []
    files["overlays/plain/kustomization.yaml"] = "resources:\n- ../../base\n"
    _tree(tmp_path / "mixed", files)
    assert _report(tmp_path / "mixed") == [("base/deployment.yaml", 9, "PIN002")]


def test_a_component_pins_what_its_includer_builds(tmp_path: Path) -> None:
    # kubeflow/manifests@009c88084074904c7743384ff50d3bd70012ef55
    # common/oauth2-proxy/components/cluster-jwks-proxy: a Component with an ``images:``
    # entry. A component's images (and patches) apply to everything the kustomization
    # that includes it builds, the base's placeholder too; its floating entry is reported
    # at the entry.
    _tree(
        tmp_path,
        {
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": DEPLOYMENT.replace("busybox", "busybox:1.36.1"),
            "components/pin/kustomization.yaml": (
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
                "images:\n- name: controller\n  newName: ghcr.io/acme/controller\n"
                "  newTag: latest\n"
            ),
            "overlays/prod/kustomization.yaml": (
                "resources:\n- ../../base\ncomponents:\n- ../../components/pin\n"
            ),
        },
    )
    assert _report(tmp_path) == [("components/pin/kustomization.yaml", 6, "PIN001")]
