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


WITH_PARAM = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: loops-param-
spec:
  entrypoint: main
  arguments:
    parameters:
    - name: os-list
      value: |
        [
          { "image": "debian", "tag": "12.7" },
          { "image": "alpine", "tag": "3.20" }
        ]
  templates:
  - name: main
    inputs:
      parameters:
      - name: os-list
    steps:
    - - name: test
        template: cat
        arguments:
          parameters:
          - {name: image, value: "{{item.image}}"}
          - {name: tag, value: "{{item.tag}}"}
        withParam: "{{inputs.parameters.os-list}}"
  - name: cat
    inputs:
      parameters:
      - name: image
      - name: tag
    container:
      image: "{{inputs.parameters.image}}:{{inputs.parameters.tag}}"
"""


def test_with_param_json_list() -> None:
    # The entrypoint's input is the workflow's argument, a JSON list in a block: each
    # item's tag is found (and would be fixed) inside the JSON text.
    assert scan_rows(WITH_PARAM) == [
        (12, 40, "12.7", "debian:12.7", "debian"),
        (13, 40, "3.20", "alpine:3.20", "alpine"),
    ]
    assert rule_of(WITH_PARAM) == ["PIN004 error", "PIN004 error"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param('"not json"', id="not-json"),
        pytest.param('\'{"image": "a"}\'', id="not-a-list"),
        pytest.param('|\n        [{"image": "de\\\\u0062ian", "tag": "1"}]', id="escapes"),
        pytest.param("", id="no-value"),
    ],
)
def test_with_param_that_cannot_be_read_is_unresolved(value: str) -> None:
    text = WITH_PARAM.replace(
        """value: |
        [
          { "image": "debian", "tag": "12.7" },
          { "image": "alpine", "tag": "3.20" }
        ]""",
        f"value: {value}",
    )
    assert rule_of(text) == ["PIN006 warning"]
