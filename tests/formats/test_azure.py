"""Azure Pipelines.

Shapes from real files (``tests/data/real/SOURCES.md``, ``bench/heldout/SOURCES.md``):
LuxCoreRender/LuxCore (a container resource used by alias), gprestes/
azure-pipelines-container-jobs (``container: {image: $(var)}`` fed by job variables),
0152la/z3 and libgit2/libgit2 (hosted pools only), 0312birdzhang/vince-ci (a container
mapping broken by its indentation, read as one string).
"""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = "azure-pipelines.yml") -> list[Row]:
    kind = formats.classify(path)
    assert kind == "azure", path
    found = formats.scan(kind, path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


PIPELINE = """\
resources:
  containers:
  - container: LinuxContainer
    image: ubuntu:18.04
  - container: pg
    image: postgres:alpine

variables:
  node: node:20

pool:
  vmImage: ubuntu-latest

container: python:3.12

stages:
- stage: Build
  jobs:
  - job: Linux
    pool: {name: 1ES-Pool, image: 1es-ubuntu-22.04}
    container: LinuxContainer
    services:
      db: pg
      cache: redis:7
  - job: Node
    container:
      image: $(node)
      options: --user 0
  - job: Tool
    variables:
      tool: ghcr.io/acme/tool:latest
    container: {image: "$(tool)"}
  - job: Templated
    container: ${{ parameters.image }}
  - job: Runtime
    container: $[ variables['containerImage'] ]
  - job: Unknown
    container: $(nowhere)
"""


def test_azure() -> None:
    assert _scan(PIPELINE) == [
        (4, 12, "ubuntu:18.04", "ubuntu:18.04", "resources.containers[0].image"),
        (6, 12, "postgres:alpine", "postgres:alpine", "resources.containers[1].image"),
        (14, 12, "python:3.12", "python:3.12", "container"),
        (24, 14, "redis:7", "redis:7", "stages[0].jobs[0].services.cache"),
        (27, 14, "$(node)", "node:20", "stages[0].jobs[1].container.image"),
        (32, 25, "$(tool)", "ghcr.io/acme/tool:latest", "stages[0].jobs[2].container.image"),
        (38, 16, "$(nowhere)", None, "stages[0].jobs[5].container"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "pool:\n  vmImage: ubuntu-latest\nsteps:\n- script: echo hi\n", id="hosted-pool"
        ),
        pytest.param(
            "jobs:\n- job: RunsInContainer\n  container: sfossdk\n"
            "    image:coderus/sailfishos-platform-sdk-base:3.0.3.8\n",
            id="broken-mapping",
        ),
        pytest.param("steps:\n- script: docker run --rm container:latest\n", id="script"),
    ],
)
def test_azure_noop(text: str) -> None:
    assert _scan(text) == []


def test_alias_is_not_an_image() -> None:
    """``container: linux`` names the resource; only the resource's image is read."""
    pinned = "ubuntu:22.04@sha256:" + "0" * 64
    text = (
        "jobs:\n- job: a\n  pool: {name: x, image: ubuntu-2204}\n  container: linux\n"
        f"resources:\n  containers: [{{container: linux, image: '{pinned}'}}]\n"
    )
    assert [(r[2], r[4]) for r in _scan(text)] == [(pinned, "resources.containers[0].image")]


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("azure-pipelines.yml", "azure"),
        ("azure-pipelines-release.yaml", "azure"),
        (".azure-pipelines.yml", "azure"),
        (".azure-pipelines/linux.yml", "azure"),
        ("azure-pipelines/docker.yml", "azure"),
        ("build/azure.yml", "yaml"),
    ],
)
def test_azure_claims(path: str, kind: str) -> None:
    assert formats.classify(path) == kind


# gprestes/azure-pipelines-container-jobs@e1cc6e64bc51 (tuning set): a job builds and pushes
# ``flcdrg/azure-pipelines-container-jobs`` with Docker@2, a later job runs in it as
# ``ghcr.io/...:latest`` through a job variable.  Written for the test in that shape.
BUILT_HERE = """\
variables:
  repo: team/app
jobs:
- job: build
  steps:
  - task: Docker@2
    inputs:
      command: login
      containerRegistry: GitHub Packages
  - task: Docker@2
    inputs:
      containerRegistry: GitHub Packages
      repository: 'flcdrg/azure-pipelines-container-jobs'
      command: 'build'
      tags: latest
  - task: Docker@2
    inputs:
      repository: $(repo)
- job: use
  dependsOn: build
  container:
    image: $(ContainerName)
  variables:
    ContainerName: 'ghcr.io/flcdrg/azure-pipelines-container-jobs:latest'
- job: other
  container: ghcr.io/team/app:main
  services:
    db: postgres:16
- job: unrelated
  container: ghcr.io/flcdrg/other:latest
"""


def test_images_a_docker_task_builds_are_not_findings() -> None:
    """The repositories of the pipeline's Docker@2 build/push tasks (``buildAndPush`` by
    default; a login builds nothing) are its own images, under any registry."""
    rows = [(r[0], r[3]) for r in _scan(BUILT_HERE)]
    assert rows == [(28, "postgres:16"), (30, "ghcr.io/flcdrg/other:latest")]
