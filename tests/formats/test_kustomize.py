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
