"""Tekton: steps, sidecars, step templates, StepActions and the params that feed them.

Shapes from tektoncd/catalog and tektoncd/pipeline (tests/data/real/SOURCES.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import rule_of, scan_rows

TASK = """\
apiVersion: tekton.dev/v1beta1
kind: Task
metadata:
  name: buildah
spec:
  params:
  - name: BUILDER_IMAGE
    default: quay.io/buildah/stable:v1
  - name: version
    default: "latest"
  stepTemplate:
    image: alpine:3.20
  steps:
  - name: build
    image: $(params.BUILDER_IMAGE)
  - name: test
    image: docker.io/library/golang:$(params.version)
  - name: push
    image: "$(params['BUILDER_IMAGE'])"
  sidecars:
  - name: registry
    image: registry:2
"""

TASKRUN = """\
apiVersion: tekton.dev/v1
kind: TaskRun
metadata:
  generateName: step-template-
spec:
  params:
  - name: image
    value: ubuntu
  taskSpec:
    params:
    - name: image
      default: debian:12.7
    stepTemplate:
      image: $(params.image)
    steps:
    - name: foo
      script: echo hello
"""

PIPELINERUN = """\
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata:
  name: run
spec:
  params:
  - name: tool
    value: busybox:1.36
  pipelineSpec:
    params:
    - name: tool
    tasks:
    - name: one
      params:
      - name: img
        value: $(params.tool)
      taskSpec:
        params:
        - name: img
        steps:
        - image: $(params.img)
          script: "true"
"""

STEPACTION = """\
apiVersion: tekton.dev/v1alpha1
kind: StepAction
metadata:
  name: clone
spec:
  params:
  - name: gitInitImage
    default: "ghcr.io/tektoncd-catalog/git-clone:v1"
  image: $(params.gitInitImage)
"""

UNRESOLVED = """\
apiVersion: tekton.dev/v1
kind: Task
metadata:
  name: t
spec:
  params:
  - name: IMAGE
  steps:
  - image: $(params.IMAGE)
  - image: $(tasks.build.results.image)
  - image: gcr.io/x/tool:$(params.missing)
"""

CASES: list[Any] = [
    pytest.param(
        TASK,
        [
            (8, 14, "quay.io/buildah/stable:v1", "quay.io/buildah/stable:v1", 15),
            (10, 15, "latest", "docker.io/library/golang:latest", "docker.io/library/golang"),
            (12, 12, "alpine:3.20", "alpine:3.20", None),
            (22, 12, "registry:2", "registry:2", None),
        ],
        id="task-defaults-and-literals",
    ),
    pytest.param(
        TASKRUN,
        [(8, 12, "ubuntu", "ubuntu", 14)],
        id="taskrun-value-over-default",
    ),
    pytest.param(
        PIPELINERUN,
        [(8, 12, "busybox:1.36", "busybox:1.36", 21)],
        id="pipelinerun-through-pipeline-task",
    ),
    pytest.param(
        STEPACTION,
        [
            (
                8,
                15,
                "ghcr.io/tektoncd-catalog/git-clone:v1",
                "ghcr.io/tektoncd-catalog/git-clone:v1",
                9,
            )
        ],
        id="stepaction",
    ),
    pytest.param(
        UNRESOLVED,
        [
            (9, 12, "$(params.IMAGE)", None, None),
            (10, 12, "$(tasks.build.results.image)", None, None),
            (11, 12, "gcr.io/x/tool:$(params.missing)", None, None),
        ],
        id="no-value",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_tekton(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert scan_rows(text) == expected


def test_a_default_used_twice_is_one_reference() -> None:
    # BUILDER_IMAGE feeds two steps: one finding, at the default.
    assert rule_of(TASK) == ["PIN004 error", "PIN001 error", "PIN004 error", "PIN004 error"]


def test_substitution_without_a_value_is_a_warning_never_invalid() -> None:
    assert rule_of(UNRESOLVED) == ["PIN006 warning"] * 3


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec:\n  steps:\n"
            "  - image: alpine@sha256:" + "a" * 64 + "\n",
            id="digest",
        ),
        pytest.param(
            "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec:\n"
            "  tasks:\n  - name: a\n    taskRef: {name: build}\n",
            id="task-ref-only",
        ),
        pytest.param(
            "apiVersion: tekton.dev/v1\nkind: Task\nmetadata:\n  annotations:\n"
            "    image: nginx:latest\nspec:\n  steps: []\n",
            id="metadata",
        ),
    ],
)
def test_tekton_noop(text: str) -> None:
    assert [r for r in rule_of(text) if r != "-"] == []


def test_params_referring_to_themselves_end() -> None:
    # A run value naming its own param, over and over: resolution stops, the run goes on.
    text = (
        "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: r}\nspec:\n"
        "  params:\n  - {name: a, value: $(params.a)}\n  pipelineSpec:\n"
        "    params:\n    - {name: a, default: $(params.a)}\n    tasks:\n    - name: t\n"
        "      params:\n      - {name: a, value: $(params.a)}\n      taskSpec:\n"
        "        params:\n        - {name: a, default: $(params.a)}\n"
        "        steps:\n        - image: $(params.a)\n"
    )
    assert rule_of(text) == ["PIN006 warning"]


def test_pipelines_in_pipelines() -> None:
    # tektoncd/pipeline@3ee1745ae5b2d9175b11917d7c1935eaad44910c
    # examples/v1/pipelineruns/alpha/pipelines-in-pipelines.yaml: a task that is a whole
    # Pipeline (pipelineSpec).
    text = (
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata:\n  name: pip\nspec:\n"
        "  tasks:\n    - name: child\n      pipelineSpec:\n        tasks:\n"
        "          - name: hello\n            taskSpec:\n              steps:\n"
        "                - name: echo\n                  image: mirror.gcr.io/busybox\n"
    )
    assert rule_of(text) == ["PIN002 error"]
    # nested in itself through an alias: bounded, no hang
    looped = (
        "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\nspec: &p\n"
        "  tasks:\n  - name: a\n    pipelineSpec: *p\n"
    )
    assert rule_of(looped) == []
