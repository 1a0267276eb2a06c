"""Bitbucket Pipelines.

Shapes from real files (``tests/data/real/SOURCES.md``): 20tab/django-uwsgi-template and
1irs/test-selenium-demo (a default image and ``definitions.services``),
181192/kube-fluentd-operator (``image: {name: ...}``), 56kyle/robust-python-demo (step
images in ``parallel`` groups).  ``pipe: docker://`` is written as Atlassian documents
it (a pipe run from any image).
"""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = "bitbucket-pipelines.yml") -> list[Row]:
    kind = formats.classify(path)
    assert kind == "bitbucket", path
    found = formats.scan(kind, path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


PIPELINES = """\
image: python:3.7

definitions:
  services:
    postgres:
      image: postgres:12
    private:
      image:
        name: registry.example.com/team/db:latest
        username: $REGISTRY_USER
  steps:
    - step: &lint
        name: Lint
        image: ghcr.io/astral-sh/uv:latest-python3.13-bookworm-slim
        script: [uv run ruff check]

pipelines:
  default:
    - step: *lint
    - parallel:
        - step:
            image: node:20.11.1
            services: [postgres]
            script:
              - pipe: docker://acme/deploy-pipe:1
                variables: {ENV: prod}
              - pipe: atlassian/aws-s3-deploy:1.1.0
  custom:
    release:
      - step:
          image: {name: "$BUILD_IMAGE", aws: {access-key: $KEY}}
          script: [make]
"""


def test_bitbucket() -> None:
    assert _scan(PIPELINES) == [
        (1, 8, "python:3.7", "python:3.7", "image"),
        (6, 14, "postgres:12", "postgres:12", "definitions.services.postgres.image"),
        (
            9,
            15,
            "registry.example.com/team/db:latest",
            "registry.example.com/team/db:latest",
            "definitions.services.private.image",
        ),
        (
            14,
            16,
            "ghcr.io/astral-sh/uv:latest-python3.13-bookworm-slim",
            "ghcr.io/astral-sh/uv:latest-python3.13-bookworm-slim",
            "definitions.steps[0].step.image",
        ),
        (22, 20, "node:20.11.1", "node:20.11.1", "pipelines.default[1].parallel[0].step.image"),
        (
            25,
            32,
            "acme/deploy-pipe:1",
            "acme/deploy-pipe:1",
            "pipelines.default[1].parallel[0].step.script[0].pipe",
        ),
        (31, 26, "$BUILD_IMAGE", None, "pipelines.custom.release[0].step.image"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("pipelines:\n  default:\n    - step: {script: [make]}\n", id="default-image"),
        pytest.param(
            "pipelines:\n  default:\n    - step:\n        script:\n"
            "          - pipe: atlassian/git-secrets-scan:0.5.1\n",
            id="atlassian-pipe",
        ),
        pytest.param("image:\n", id="null-image"),
        pytest.param("options: {docker: true}\nclone: {depth: 1}\n", id="no-images"),
    ],
)
def test_bitbucket_noop(text: str) -> None:
    assert _scan(text) == []


def test_docker_pipe_quoted_with_escapes_is_not_fixable() -> None:
    """A value that is not written as it reads keeps its whole span (never rewritten)."""
    text = 'pipelines:\n  default:\n    - step:\n        script:\n          - pipe: "docker://acme/\\x78"\n'
    found = formats.scan("bitbucket", "bitbucket-pipelines.yml", text, ScanOptions())
    assert [(o.image, o.fixable) for o in found] == [("acme/x", False)]
