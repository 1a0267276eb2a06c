"""Google Cloud Build configs.

Shapes from real files (``tests/data/real/SOURCES.md``, ``bench/heldout/SOURCES.md``):
GoogleCloudPlatform/cloud-builders (``git/cloudbuild.yaml`` builds ``version_file`` and
runs it in the next step; builders under ``gcr.io/$PROJECT_ID``), kubernetes/test-infra
(``images:`` of the build), cloud-builders-community (``${PROJECT_ID}``,
``substitutions`` defaults).  The JSON form is the same Build resource.
"""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = "cloudbuild.yaml") -> list[Row]:
    kind = formats.classify(path)
    assert kind is not None, path
    found = formats.scan(kind, path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


BUILD = """\
steps:
- name: 'gcr.io/cloud-builders/docker'
  args: ['build', '--tag=version_file', '.']
- name: 'version_file'
  args: ['VERSION']
- name: gcr.io/cloud-builders/docker
  args: [build, -t, 'gcr.io/$PROJECT_ID/tool', .]
- name: gcr.io/$PROJECT_ID/tool
- name: gcr.io/$PROJECT_ID/other:1.2
- name: golang:1.22
  entrypoint: go
- name: ${_NODE_IMAGE}
- name: gcr.io/kaniko-project/executor:v1.23.2
  args: ['--destination=us-docker.pkg.dev/acme/app/web', '--context=.']
- name: us-docker.pkg.dev/acme/app/web:latest
- name: $_REGION-docker.pkg.dev/acme/tools/$_TOOL
- name: pushed
substitutions:
  _NODE_IMAGE: node:20
  _REGION: europe-west1
images: ['pushed']
"""


def test_cloudbuild() -> None:
    assert sorted(_scan(BUILD)) == [
        (2, 10, "gcr.io/cloud-builders/docker", "gcr.io/cloud-builders/docker", "steps[0].name"),
        (6, 9, "gcr.io/cloud-builders/docker", "gcr.io/cloud-builders/docker", "steps[2].name"),
        (10, 9, "golang:1.22", "golang:1.22", "steps[5].name"),
        (
            13,
            9,
            "gcr.io/kaniko-project/executor:v1.23.2",
            "gcr.io/kaniko-project/executor:v1.23.2",
            "steps[7].name",
        ),
        (16, 9, "$_REGION-docker.pkg.dev/acme/tools/$_TOOL", None, "steps[9].name"),
        # The substitution's default is what a fix pins.
        (19, 16, "node:20", "node:20", "steps[6].name"),
    ]


JSON = """\
{
  "steps": [
    {"name": "gcr.io/cloud-builders/gcloud", "args": ["version"]},
\t{"name": "alpine:3.20@sha256:%s"}
  ],
  "timeout": "600s"
}
""" % ("0" * 64)


def test_json() -> None:
    rows = _scan(JSON, "ci/cloudbuild-release.json")
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        (3, 15, "gcr.io/cloud-builders/gcloud", "steps[0].name"),
        (4, 12, "alpine:3.20@sha256:" + "0" * 64, "steps[1].name"),
    ]


def test_sniffed_build_config_under_another_name() -> None:
    text = "steps:\n- name: ubuntu\n  args: [echo]\ntimeout: 60s\n"
    assert _scan(text, "ci/build.yaml") == [(2, 9, "ubuntu", "ubuntu", "steps[0].name")]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param("cloudbuild.yaml", "timeout: 60s\n", id="no-steps"),
        pytest.param("cloudbuild.yaml", "steps:\n- args: [x]\n", id="step-without-name"),
        pytest.param(
            "ci/build.yaml",
            "steps:\n- name: test\n  image: node:20\n",
            id="other-ci-steps-are-not-sniffed",
        ),
        pytest.param(
            "ci/build.yaml", "steps:\n- name: a\n  uses: actions/checkout@v4\n", id="workflow-steps"
        ),
        pytest.param(
            "ci/build.yaml", "on: push\nsteps:\n- name: ubuntu\n", id="unknown-top-level-key"
        ),
    ],
)
def test_cloudbuild_noop(path: str, text: str) -> None:
    assert _scan(text, path) == []
