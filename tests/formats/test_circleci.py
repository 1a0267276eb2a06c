"""CircleCI configs.

Shapes from real files (``tests/data/real/SOURCES.md``): CircleCI-Public's Django demo
(primary and service containers), ent/ent (a ``docker`` list anchored and reused by
another job), KennaSecurity/toolkit (``executors``), KennyChenFight/pgcapture (a
``machine`` executor's VM image).
"""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = ".circleci/config.yml") -> list[Row]:
    kind = formats.classify(path)
    assert kind == "circleci", path
    found = formats.scan(kind, path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


JOBS = """\
version: 2.1
jobs:
  build:
    docker:
      - image: cimg/python:3.10
        auth: {username: me, password: $DOCKERHUB_PASSWORD}
      - image: circleci/postgres:9.6.2
        environment: {POSTGRES_USER: root}
  integration:
    docker: &integration-docker
      - image: circleci/golang:1.16
      - image: circleci/mysql
  other:
    docker: *integration-docker
  vm:
    machine:
      image: ubuntu-2204:2024.01.1
  mac:
    macos: {xcode: 15.1.0}
workflows:
  all: {jobs: [build, integration]}
"""

EXECUTORS = """\
version: 2.1
parameters:
  node:
    type: string
    default: "cimg/node:20.11"
executors:
  py:
    parameters:
      tag: {type: string, default: "3.12"}
      image: {type: string, default: cimg/base:stable}
    docker:
      - image: cimg/python:<< parameters.tag >>
      - image: << parameters.image >>
      - image: << pipeline.parameters.node >>
      - image: redis:<< parameters.missing >>
orbs:
  tools:
    executors:
      default:
        docker: [{image: "alpine:3"}]
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            JOBS,
            [
                (5, 16, "cimg/python:3.10", "cimg/python:3.10", "jobs.build.docker[0].image"),
                (
                    7,
                    16,
                    "circleci/postgres:9.6.2",
                    "circleci/postgres:9.6.2",
                    "jobs.build.docker[1].image",
                ),
                (
                    11,
                    16,
                    "circleci/golang:1.16",
                    "circleci/golang:1.16",
                    "jobs.integration.docker[0].image",
                ),
                (12, 16, "circleci/mysql", "circleci/mysql", "jobs.integration.docker[1].image"),
            ],
            id="jobs-anchor-machine",
        ),
        pytest.param(
            EXECUTORS,
            [
                (
                    12,
                    16,
                    "cimg/python:<< parameters.tag >>",
                    "cimg/python:3.12",
                    "executors.py.docker[0].image",
                ),
                # The whole image is the parameter: its default is what a fix pins.
                (10, 38, "cimg/base:stable", "cimg/base:stable", "executors.py.docker[1].image"),
                (5, 15, "cimg/node:20.11", "cimg/node:20.11", "executors.py.docker[2].image"),
                (15, 16, "redis:<< parameters.missing >>", None, "executors.py.docker[3].image"),
                (
                    20,
                    27,
                    "alpine:3",
                    "alpine:3",
                    "orbs.tools.executors.default.docker[0].image",
                ),
            ],
            id="executors-parameters-orbs",
        ),
    ],
)
def test_circleci(text: str, expected: list[Row]) -> None:
    assert sorted(_scan(text)) == sorted(expected)


def test_unresolved_parameter_names_it() -> None:
    found = formats.scan("circleci", ".circleci/config.yml", EXECUTORS, ScanOptions())
    assert [o.unresolved for o in found if o.image is None] == ["missing"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("version: 2.1\n", id="no-jobs"),
        pytest.param(
            "version: 2.1\njobs:\n  a:\n    machine:\n      image: ubuntu-2004:202201-02\n",
            id="machine-only",
        ),
        pytest.param(
            "jobs:\n  a:\n    docker: [{auth: {}}]\n    steps: [{run: {name: image}}]\n",
            id="docker-without-image",
        ),
        pytest.param(
            "jobs:\n  a:\n    parameters:\n      image: {default: nginx:latest}\n",
            id="unused-default",
        ),
    ],
)
def test_circleci_noop(text: str) -> None:
    assert _scan(text) == []


def test_continued_config_is_claimed() -> None:
    assert formats.classify(".circleci/continue_config.yml") == "circleci"
    assert formats.classify("circleci/config.yml") == "yaml"
