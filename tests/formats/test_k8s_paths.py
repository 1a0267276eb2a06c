"""The Kubernetes-ecosystem sources through the command line, one path at a time (as a
pre-commit hook names the files it changed), and against hostile files: a Helm values
file still reads its chart's ``Chart.yaml`` beside it, an overlay's kustomization is
still read alone; aliases that would expand exponentially, very large values files and
a ``Chart.yaml`` that is a symlink out of the tree stay bounded and harmless.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import run_pinlint, time_limit
from pinlint import formats
from pinlint.formats import ScanOptions

CHART = 'apiVersion: v2\nname: x\nversion: 1.0.0\nappVersion: "{app}"\n'


def _findings(tmp_path: Path, cwd: Path, *paths: str) -> list[tuple[str, int, str, str]]:
    proc = run_pinlint(tmp_path, cwd, "--offline", "--format", "json", *paths, timeout=60)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    assert proc.stderr == b""
    return [(f["path"], f["line"], f["rule"], f["reference"]) for f in json.loads(proc.stdout)]


def test_one_values_file_reads_the_chart_beside_it(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    chart = tree / "charts" / "x"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").write_text(CHART.format(app="stable"))
    (chart / "values.yaml").write_text(
        "image:\n  repository: nginx\n  tag: latest\napp:\n  image:\n"
        "    repository: factoriotools/factorio\n    tag:\n"
    )
    (chart / "values-prod.yaml").write_text("image:\n  repository: nginx\n  tag: 1.27\n")
    assert _findings(tmp_path, tree, "charts/x/values.yaml") == [
        ("charts/x/values.yaml", 3, "PIN001", "nginx:latest"),
        # the empty tag falls back to the chart's appVersion, read from Chart.yaml
        ("charts/x/values.yaml", 7, "PIN003", "factoriotools/factorio:stable"),
    ]
    assert _findings(tmp_path, tree / "charts" / "x", "values-prod.yaml") == [
        ("values-prod.yaml", 3, "PIN004", "nginx:1.27"),
    ]
    # Without the Chart.yaml the same file is no chart's values: not Helm.
    (chart / "Chart.yaml").unlink()
    assert _findings(tmp_path, tree, "charts/x/values.yaml") == []


def test_one_values_file_with_a_chart_linked_out_of_the_tree(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Chart.yaml").write_text(CHART.format(app="stable"))
    tree = tmp_path / "tree"
    chart = tree / "charts" / "x"
    chart.mkdir(parents=True)
    (chart / "Chart.yaml").symlink_to(outside / "Chart.yaml")
    (chart / "values.yaml").write_text("image:\n  repository: nginx\n  tag: latest\n")
    (tree / ".git").mkdir()  # the tree ends here: the link leads out of it
    assert _findings(tmp_path, tree, "charts/x/values.yaml") == []


TEMPLATE = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ .Release.Name }}-init
spec:
  template:
    spec:
      containers:
      - name: clear
        image: alpine
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
"""


def test_one_template_reads_the_chart_of_its_repository(tmp_path: Path) -> None:
    # A pre-commit hook names charts/x/templates/job.yaml alone; its Chart.yaml is a
    # directory up, inside the repository (k8s-at-home/charts@2463dec1 gollum's shape).
    tree = tmp_path / "tree"
    templates = tree / "charts" / "x" / "templates"
    templates.mkdir(parents=True)
    (tree / "charts" / "x" / "Chart.yaml").write_text(CHART.format(app="1.0.0"))
    (templates / "job.yaml").write_text(TEMPLATE)
    (tree / ".git").mkdir()
    assert _findings(tmp_path, tree, "charts/x/templates/job.yaml") == [
        ("charts/x/templates/job.yaml", 10, "PIN002", "alpine"),
    ]
    # A Chart.yaml that leads out of the repository does not make a chart: the template
    # is then not a chart's, and not read as a manifest either (it is a Go template).
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Chart.yaml").write_text(CHART.format(app="1.0.0"))
    (tree / "charts" / "x" / "Chart.yaml").unlink()
    (tree / "charts" / "x" / "Chart.yaml").symlink_to(outside / "Chart.yaml")
    assert _findings(tmp_path, tree, "charts/x/templates/job.yaml") == []


def test_one_overlay_kustomization(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    (tree / "base").mkdir(parents=True)
    (tree / "overlays" / "prod").mkdir(parents=True)
    (tree / "base" / "kustomization.yaml").write_text("resources: [deployment.yaml]\n")
    (tree / "base" / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n"
        "    spec:\n      containers:\n      - name: a\n        image: ghcr.io/acme/app\n"
    )
    (tree / "overlays" / "prod" / "kustomization.yaml").write_text(
        "resources: [../../base]\nimages:\n- name: ghcr.io/acme/app\n  newTag: main\n"
        "- name: redis\n  newName: public.ecr.aws/docker/library/redis\n  newTag: '7.4.1'\n"
    )
    assert _findings(tmp_path, tree, "overlays/prod/kustomization.yaml") == [
        ("overlays/prod/kustomization.yaml", 4, "PIN003", "ghcr.io/acme/app:main"),
    ]


def _laughs(head: str, key: str, item: str, indent: str) -> str:
    """A "billion laughs" under ``key``: 30 levels of 10 aliases, 200 uses of the last."""
    lines = [head + "x-laughs:", "  - &a0 alpine"]
    for level in range(1, 30):
        lines.append(f"  - &a{level} [{', '.join([f'*a{level - 1}'] * 10)}]")
    lines.append(key)
    lines += [indent + item.format(i=i) for i in range(200)]
    return "\n".join(lines) + "\n"


BOMBS = {
    "flux-v1": _laughs(
        "",
        "apiVersion: helm.fluxcd.io/v1\nkind: HelmRelease\nspec:\n  values:",
        "c{i}: {{image: *a0, imageTag: '1', env: *a29, sidecars: *a29}}",
        "    ",
    ),
    "csv-env": _laughs(
        "",
        "apiVersion: operators.coreos.com/v1alpha1\nkind: ClusterServiceVersion\nspec:\n"
        "  install:\n    spec:\n      deployments:\n      - spec:\n          template:\n"
        "            spec:\n              containers:\n              - name: m\n"
        "                env:",
        "- {{name: RELATED_IMAGE_{i}, value: *a0, x: *a29}}",
        "                ",
    ),
}


@pytest.mark.parametrize("case", sorted(BOMBS))
def test_alias_bomb_is_read_in_its_size(case: str) -> None:
    text = BOMBS[case]
    with time_limit(10):
        found = formats.scan("yaml", "deploy/app.yaml", text, ScanOptions())
    # Each alias of the one written image is that image, found at most once per use.
    assert {o.written for o in found} <= {"alpine", "1"}
    assert len(found) <= 200


def test_catalog_source_image_that_is_not_a_string() -> None:
    text = (
        "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\n"
        "spec:\n  image: {nested: [1, 2]}\n---\n"
        "apiVersion: operators.coreos.com/v1alpha1\nkind: CatalogSource\nspec: [image]\n"
    )
    assert formats.scan("yaml", "catalog.yaml", text, ScanOptions()) == []


def test_large_values_file_scans_in_linear_time(tmp_path: Path) -> None:
    # 20,000 components, each a container with a bare image and a map with an empty tag
    # (about 2.5 MB): read once, in bounded time.
    parts = [
        f"c{i}:\n  initContainers:\n  - name: w\n    image: busybox\n    command: [sh]\n"
        f"  image:\n    repository: acme/c{i}\n    tag:\n"
        for i in range(20000)
    ]
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text(CHART.format(app="latest"))
    values = chart / "values.yaml"
    values.write_text("".join(parts))
    project = formats.Project([str(chart)])
    assert formats.classify(str(values), project) == "helm"
    with time_limit(60):
        found = formats.scan("helm", str(values), values.read_text(), ScanOptions(), project)
    assert len(found) == 40000
