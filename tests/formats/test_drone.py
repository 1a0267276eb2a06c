"""Drone and Woodpecker pipelines.

Shapes from real files (``tests/data/real/SOURCES.md``): drone-plugins/drone-docker and
123jixinyu/xorm (``.drone.yml``: lists of steps and services, several documents),
woodpecker-ci/woodpecker (``.woodpecker/*.yaml``: anchors under ``variables`` used by
every step), BDX-town/Akkoma (services as a mapping, ``${VAR}`` from a matrix),
104corp/sledium and AFPy/powrap (the older ``pipeline:`` mapping).
"""

from __future__ import annotations

import pytest

from pinlint import formats
from pinlint.formats import ScanOptions

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str) -> list[Row]:
    kind = formats.classify(path)
    assert kind is not None, path
    found = formats.scan(kind, path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


DRONE = """\
kind: pipeline
type: docker
name: testing

steps:
  - name: vet
    image: golang:1.24.11
  - name: publish
    image: plugins/docker:18
    settings:
      repo: plugins/docker
      tags: latest

services:
- name: mysql
  image: mysql:5.7
---
kind: pipeline
type: exec
name: local
steps:
- name: greeting
  commands: [echo hello]
---
kind: secret
name: token
get: {path: secrets, name: token}
"""

WOODPECKER_ANCHORS = """\
variables:
  - &golang_image 'docker.io/golang:1.27'
  - &node_image "docker.io/node:24-alpine"
  - &buildx_plugin docker.io/woodpeckerci/plugin-docker-buildx:6.1.1

steps:
  vendor:
    image: *golang_image
    commands: go mod vendor
  web:
    image: *node_image
  build:
    image: *golang_image
  publish:
    image: *buildx_plugin
    settings:
      repo: woodpeckerci/woodpecker-server
"""

WOODPECKER_SERVICES = """\
matrix:
  include:
    - ELIXIR_VERSION: 1.14
      OTP_VERSION: 25

services:
  postgres:
    image: postgres:15
    environment: {POSTGRES_USER: postgres}

clone:
  git:
    image: woodpeckerci/plugin-git

steps:
  - name: test
    image: akkoma/ci-base:${ELIXIR_VERSION}-otp${OTP_VERSION}
  - name: lint
    image: ${LINT_IMAGE:-alpine:3.20}
"""

OLD_PIPELINE = """\
pipeline:
  composer:
    image: composer
  test:
    image: 104corp/php-testing:7.1
"""


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        pytest.param(
            ".drone.yml",
            DRONE,
            [
                (7, 12, "golang:1.24.11", "golang:1.24.11", "steps[0].image"),
                (9, 12, "plugins/docker:18", "plugins/docker:18", "steps[1].image"),
                (16, 10, "mysql:5.7", "mysql:5.7", "services[0].image"),
            ],
            id="drone-documents",
        ),
        pytest.param(
            ".woodpecker/docker.yaml",
            WOODPECKER_ANCHORS,
            [
                # Each anchor once, where it is written: a fix edits the anchor.
                (2, 20, "docker.io/golang:1.27", "docker.io/golang:1.27", "steps.vendor.image"),
                (3, 18, "docker.io/node:24-alpine", "docker.io/node:24-alpine", "steps.web.image"),
                (
                    4,
                    20,
                    "docker.io/woodpeckerci/plugin-docker-buildx:6.1.1",
                    "docker.io/woodpeckerci/plugin-docker-buildx:6.1.1",
                    "steps.publish.image",
                ),
            ],
            id="woodpecker-anchors",
        ),
        pytest.param(
            ".woodpecker.yml",
            WOODPECKER_SERVICES,
            [
                (19, 26, "alpine:3.20", "alpine:3.20", "steps[1].image"),
                (8, 12, "postgres:15", "postgres:15", "services.postgres.image"),
                (13, 12, "woodpeckerci/plugin-git", "woodpeckerci/plugin-git", "clone.git.image"),
                # Built from the matrix: the one combination, at its last value (a
                # value that is part of the tag is not rewritten).
                (4, 20, "25", "akkoma/ci-base:1.14-otp25", "steps[0].image"),
            ],
            id="woodpecker-services-clone-variables",
        ),
        pytest.param(
            ".woodpecker.yaml",
            OLD_PIPELINE,
            [
                (3, 12, "composer", "composer", "pipeline.composer.image"),
                (
                    5,
                    12,
                    "104corp/php-testing:7.1",
                    "104corp/php-testing:7.1",
                    "pipeline.test.image",
                ),
            ],
            id="woodpecker-pipeline-mapping",
        ),
    ],
)
def test_drone(path: str, text: str, expected: list[Row]) -> None:
    assert sorted(_scan(text, path)) == sorted(expected)


def test_sniffed_drone_document_in_other_yaml() -> None:
    """A Drone pipeline kept under another name is recognised by ``kind: pipeline``."""
    assert [r[2] for r in _scan(DRONE, "ci/drone-pipeline.yml")] == [
        "golang:1.24.11",
        "plugins/docker:18",
        "mysql:5.7",
    ]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(".drone.yml", "kind: secret\nname: x\n", id="secret-only"),
        pytest.param(".drone.yml", "", id="empty"),
        pytest.param(
            ".drone.yml",
            "kind: pipeline\ntype: exec\nsteps:\n- name: a\n  commands: [make]\n",
            id="exec-pipeline",
        ),
        pytest.param(".woodpecker/a.yml", "steps:\n  a:\n    image:\n", id="null-image"),
        pytest.param(
            ".woodpecker/a.yml",
            "when: {event: push}\nsteps: [{name: a, commands: [image: x]}]\n",
            id="image-word-elsewhere",
        ),
        pytest.param("ci/other.yml", "kind: pipeline\napiVersion: v1\nsteps: []\n", id="manifest"),
    ],
)
def test_drone_noop(path: str, text: str) -> None:
    assert _scan(text, path) == []


def test_crlf_and_bom() -> None:
    text = "\ufeffsteps:\r\n  a:\r\n    image: alpine\r\n"
    assert _scan(text, ".woodpecker.yml") == [(3, 12, "alpine", "alpine", "steps.a.image")]


def test_alias_bomb_costs_its_size() -> None:
    """Aliases are never expanded: a "billion laughs" document is scanned in its size."""
    lines = ["variables:", "  - &a0 alpine"]
    for level in range(1, 30):
        previous = f"*a{level - 1}"
        lines.append(f"  - &a{level} [{', '.join([previous] * 10)}]")
    lines.append("steps:")
    lines += [f"  s{i}:\n    image: *a0" for i in range(50)]
    found = _scan("\n".join(lines) + "\n", ".woodpecker.yml")
    assert [r[2] for r in found] == ["alpine"]


# -- Go templates (Drone's template extension): read line by line -----------------------
#
# Shape of Drone's YAML templates (docs.drone.io/template/yaml: ``{{ .input.name }}``
# values, ``{{ if }}``/``{{ else }}``/``{{ end }}`` lines around keys), as the held-out
# file celery/celery@5dc781f0bd5f ``.drone.yml`` writes them; the file below is written
# for the test.
DRONE_TEMPLATE = """\
kind: pipeline
type: kubernetes
name: {{ .input.name }}

resources:
  requests:
  {{ if .input.cpuRequest }}
    cpu: {{ .input.cpuRequest }}
  {{ else }}
    cpu: 1000
  {{ end }}

steps:
- name: release
  image: harbor.example.org/team/releaser:v4
  commands:
  - make release
- name: test
  image: "{{ .input.image }}"
- name: lint
  image: "{{ .input.repo }}:1.0"
- image: 'golangci/golangci-lint:v1.57'   # a comment
  name: golangci
- name: build
  image: ${BUILD_IMAGE}
- name: alias
  image: *go_image
- name: script
  commands: |
    docker run --rm alpine:3 true
    image: not/a-step:1
  image: plugins/docker
services:
- name: db
  image: postgres:16
"""

WOODPECKER_TEMPLATE = (
    "\ufeffsteps:\r\n"
    "  {{- range .input.versions }}\r\n"
    "  test-{{ . }}:\r\n"
    "    image: node\r\n"
    "  {{- end }}\r\n"
)


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        pytest.param(
            ".drone.yml",
            DRONE_TEMPLATE,
            [
                (
                    15,
                    10,
                    "harbor.example.org/team/releaser:v4",
                    "harbor.example.org/team/releaser:v4",
                    "template line",
                ),
                (
                    22,
                    11,
                    "golangci/golangci-lint:v1.57",
                    "golangci/golangci-lint:v1.57",
                    "template line",
                ),
                (32, 10, "plugins/docker", "plugins/docker", "template line"),
                (35, 10, "postgres:16", "postgres:16", "template line"),
            ],
            id="drone-template",
        ),
        pytest.param(
            ".woodpecker/test.yml",
            WOODPECKER_TEMPLATE,
            [(4, 12, "node", "node", "template line")],
            id="woodpecker-template-bom-crlf",
        ),
    ],
)
def test_template_lines(path: str, text: str, expected: list[Row]) -> None:
    """A Drone/Woodpecker file that is a Go template is read line by line: each whole
    ``image: REF`` line is a reference; template values, variables, aliases and the
    lines of a block scalar are not."""
    assert _scan(text, path) == expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        pytest.param(
            ".drone.yml",
            "kind: pipeline\nsteps:\n- name: a\n  image: {{ .input.image }}\n",
            id="template-value",
        ),
        pytest.param(
            ".drone.yml",
            "{{ if .input.x }}\nkind: pipeline\n{{ end }}\nsteps:\n- name: a\n"
            "  commands: >-\n    image: alpine\n",
            id="block-scalar-only",
        ),
        pytest.param(
            ".woodpecker.yml",
            "steps:\n  a:\n    image: {{ .input.image }}:{{ .input.tag }}\n",
            id="woodpecker-template-value",
        ),
        # Not claimed by name and no ``kind: pipeline`` line: a generic YAML file that
        # does not parse stays unread (a Go template of anything else).
        pytest.param(
            "deploy/pod.yaml",
            "apiVersion: v1\nkind: Pod\nspec:\n{{ if .x }}\n  - image: alpine\n{{ end }}\n",
            id="unclaimed-template",
        ),
        pytest.param(
            "ci/pipeline.yml",
            "kind: Pipeline\nsteps:\n{{ if .input.x }}\n- name: a\n  image: alpine\n{{ end }}\n",
            id="capitalised-kind-is-not-drone",
        ),
    ],
)
def test_template_noop(path: str, text: str) -> None:
    assert _scan(text, path) == []


def test_broken_drone_file_without_template_is_still_a_parse_error() -> None:
    """Only ``{{`` makes a file a template: other YAML errors stay PIN900."""
    from pinlint.model import ParseError

    with pytest.raises(ParseError):
        _scan("kind: pipeline\nsteps:\n- name: a\n  image: alpine\n   bad: [\n", ".drone.yml")


# drone/envsubst's forms beyond compose's, as LemmyNet/lemmy@439734dd638a
# (``.woodpecker.yml``: ``image: dessalines/lemmy:${CI_COMMIT_TAG=default}``) and Drone's
# substitution docs (``${DRONE_TAG##v}``, ``${DRONE_COMMIT_SHA:0:8}``) write them.
ENVSUBST = """\
steps:
  a:
    image: golang:${GO_VERSION=1.22}
  b:
    image: "node:${NODE:=20-alpine}"
  c:
    image: dessalines/lemmy:${CI_COMMIT_TAG=default}
  d:
    image: app:${DRONE_TAG##v}
  e:
    image: app:${DRONE_COMMIT_SHA:0:8}
  f:
    image: app:${NAME,,}
  g:
    image: ${LINT_IMAGE:=alpine:3.20}
"""


def test_envsubst_forms() -> None:
    """``=``/``:=`` give a default (fixable where written) unless the server sets the
    variable on every run; string operations are computed there: unknown, not invalid."""
    text = ENVSUBST
    found = formats.scan("woodpecker", ".woodpecker.yml", text, ScanOptions())
    rows = [(o.line, o.written, o.image, o.unresolved) for o in found]
    assert rows == [
        (3, "golang:${GO_VERSION=1.22}", "golang:1.22", None),
        (5, "node:${NODE:=20-alpine}", "node:20-alpine", None),
        (7, "dessalines/lemmy:${CI_COMMIT_TAG=default}", None, "CI_COMMIT_TAG"),
        (9, "app:${DRONE_TAG##v}", None, "DRONE_TAG"),
        (11, "app:${DRONE_COMMIT_SHA:0:8}", None, "DRONE_COMMIT_SHA"),
        (13, "app:${NAME,,}", None, "NAME"),
        # The default is the whole reference: reported (and fixed) where it is written.
        (15, "alpine:3.20", "alpine:3.20", None),
    ]
    for o in found:
        assert text[o.start : o.end] == o.written


# Woodpecker's matrix workflows, as its documentation writes them
# (woodpecker-ci/woodpecker, docs/docs/20-usage/30-matrix-workflows.md: ``image:
# golang:${GO_VERSION}``, a service ``image: ${DATABASE}``), the ``include`` form of
# BDX-town/Akkoma's tuning file, and drycc/controller@948eacb7's matrix that only feeds
# ``labels`` (no image).
WOODPECKER_MATRIX = """\
matrix:
  GO_VERSION:
    - 1.22
    - 1.23.4
  DATABASE:
    - mysql:8.0
    - mariadb:11.4.2
steps:
  build:
    image: golang:${GO_VERSION}
  lint:
    image: golangci/golangci-lint:${LINT}
services:
  database:
    image: ${DATABASE}
"""

WOODPECKER_MATRIX_INCLUDE = """\
matrix:
  include:
    - NODE: 20
      DISTRO: alpine
    - NODE: 22.11.0
      DISTRO: bookworm
steps:
  test:
    image: node:${NODE}-${DISTRO}
"""


def test_woodpecker_matrix() -> None:
    rows = _scan(WOODPECKER_MATRIX, ".woodpecker/test.yml")
    assert sorted(rows) == sorted(
        [
            # Exactly the tag: at the matrix value (the fix rewrites it there); each
            # written value once, whatever the other columns.
            (3, 7, "1.22", "golang:1.22", "steps.build.image"),
            (4, 7, "1.23.4", "golang:1.23.4", "steps.build.image"),
            # Not a matrix variable: unknown, as before.
            (12, 12, "golangci/golangci-lint:${LINT}", None, "steps.lint.image"),
            # The whole reference: the matrix entry itself.
            (6, 7, "mysql:8.0", "mysql:8.0", "services.database.image"),
            (7, 7, "mariadb:11.4.2", "mariadb:11.4.2", "services.database.image"),
        ]
    )


def test_woodpecker_matrix_include_rows() -> None:
    rows = _scan(WOODPECKER_MATRIX_INCLUDE, ".woodpecker.yml")
    assert rows == [
        (4, 15, "alpine", "node:20-alpine", "steps.test.image"),
        (6, 15, "bookworm", "node:22.11.0-bookworm", "steps.test.image"),
    ]


def test_woodpecker_matrix_feeding_no_image_is_noop() -> None:
    text = (
        "matrix:\n  platform:\n  - linux/amd64\n  - linux/arm64\n"
        "labels:\n  platform: ${platform}\nsteps:\n- name: a\n  image: bash:5.2.37\n"
    )
    assert _scan(text, ".woodpecker/build-linux.yml") == [
        (9, 10, "bash:5.2.37", "bash:5.2.37", "steps[0].image")
    ]


def test_woodpecker_matrix_is_bounded() -> None:
    """Twelve columns of ten values would be 10**12 combinations: at most 256 are read."""
    columns = "".join(f"  V{c}:\n" + "".join(f"    - {v}\n" for v in range(10)) for c in range(12))
    text = "matrix:\n" + columns + "steps:\n  a:\n    image: app:${V0}-${V11}\n"
    from helpers import time_limit

    with time_limit(5):
        rows = _scan(text, ".woodpecker.yml")
    assert 0 < len(rows) <= 256


def test_template_of_a_drone_pipeline_under_another_name() -> None:
    """``.drone/drone.yml`` (drycc/controller@7d0d97d6 keeps its pipelines there) as a
    template: its ``kind: pipeline`` line says it is Drone's, and its lines are read."""
    text = "kind: pipeline\nsteps:\n{{ if .input.x }}\n- name: a\n  image: alpine\n{{ end }}\n"
    assert _scan(text, ".drone/drone.yml") == [(5, 10, "alpine", "alpine", "template line")]
