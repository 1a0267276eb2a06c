"""Argo Workflows: parameters and loop items feeding ``{{...}}`` images.

Shapes from argoproj/argo-workflows examples (tests/data/real/SOURCES.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from helpers import rule_of, scan_rows

LOOP = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: loops-maps-
spec:
  entrypoint: loop-map-example
  templates:
  - name: loop-map-example
    steps:
    - - name: test-linux
        template: cat-os-release
        arguments:
          parameters:
          - name: image
            value: "{{item.image}}"
          - name: tag
            value: "{{item.tag}}"
        withItems:
        - { image: 'debian', tag: '9.1' }
        - { image: 'alpine', tag: '3.20.3' }
  - name: cat-os-release
    inputs:
      parameters:
      - name: image
      - name: tag
    container:
      image: "{{inputs.parameters.image}}:{{inputs.parameters.tag}}"
"""

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata:
  name: build
spec:
  arguments:
    parameters:
    - name: builder
      value: golang:1.23
  templates:
  - name: compile
    inputs:
      parameters:
      - name: base
        default: alpine:latest
    container:
      image: "{{workflow.parameters.builder}}"
    sidecars:
    - name: side
      image: "{{inputs.parameters.base}}"
  - name: from-step
    container:
      image: "{{steps.build.outputs.parameters.image}}"
"""

CASES: list[Any] = [
    pytest.param(
        LOOP,
        [(19, 36, "9.1", "debian:9.1", "debian"), (20, 36, "3.20.3", "alpine:3.20.3", "alpine")],
        id="with-items",
    ),
    pytest.param(
        TEMPLATE,
        [
            (9, 14, "golang:1.23", "golang:1.23", 17),
            (15, 18, "alpine:latest", "alpine:latest", 20),
            (23, 15, "{{steps.build.outputs.parameters.image}}", None, None),
        ],
        id="workflow-and-input-parameters",
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_argo(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert scan_rows(text) == expected


def test_rules() -> None:
    assert rule_of(LOOP) == ["PIN004 error", "-"]
    assert rule_of(TEMPLATE) == ["PIN004 error", "PIN001 error", "PIN006 warning"]


def test_items_times_callers_are_bounded() -> None:
    # 40 steps calling the template, 40 items each: at most _MAX_EXPANSIONS references,
    # and quickly.
    items = "\n".join(f"        - {{ image: 'i{n}', tag: '1.0' }}" for n in range(40))
    steps = "\n".join(
        f"    - - name: s{n}\n        template: t\n        arguments:\n          parameters:\n"
        f"          - {{name: image, value: '{{{{item.image}}}}:{{{{item.tag}}}}'}}\n"
        f"        withItems:\n{items}"
        for n in range(40)
    )
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n"
        f"  templates:\n  - name: main\n    steps:\n{steps}\n"
        "  - name: t\n    inputs:\n      parameters:\n      - name: image\n"
        "    container:\n      image: '{{inputs.parameters.image}}'\n"
    )
    assert 1 <= len(scan_rows(text)) <= 256
