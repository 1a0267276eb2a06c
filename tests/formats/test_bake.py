"""Docker Bake files, and the HCL reader under them.

Shapes from real files (``tests/data/real/SOURCES.md``, ``bench/heldout/SOURCES.md``):
tonistiigi/xx (args that feed ``FROM ${TEST_BASE_IMAGE}``, ``inherits``, computed
defaults), Alfresco/alfresco-dockerfiles-bakery (an arg that is one variable, the
variable's default the reference; an arg that turns a ``FROM`` into a stage name),
docker/buildx (``target:`` contexts, ``null`` defaults), jenkinsci/docker (the JSON form
beside the HCL file).  ``docker-image://`` contexts and ``dockerfile-inline`` are written
as Docker's bake reference documents them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pinlint import formats
from pinlint.formats import Project, ScanOptions, hcl
from pinlint.model import ParseError

Row = tuple[int, int, str, "str | None"]


def _scan(
    tmp_path: Path, text: str, name: str = "docker-bake.hcl", files: dict[str, str] | None = None
) -> list[Row]:
    for relative, content in (files or {}).items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    kind = formats.classify(str(path))
    assert kind == "bake", name
    found = formats.scan(kind, str(path), text, ScanOptions(), Project([str(tmp_path)]))
    for o in found:
        assert text[o.start : o.end] == o.written
    return [(o.line, o.column, o.written, o.image) for o in found]


BAKE = """\
# Targets of a bake file.
variable "BASE" {
  default = "debian:bookworm"
}
variable "TAG" { default = "3.20" }
variable "COMPUTED" {
  default = TAG == "3.20" ? "alpine:3.20" : null
}

target "_common" {
  args = {
    BASE_IMAGE = "${BASE}"
  }
}

target "app" {
  inherits = ["_common"]
  context = "app"
  dockerfile = "build.Dockerfile"
  contexts = {
    golang = "docker-image://golang:1.22"  // a comment
    src = "./src"
    tools = "target:tools"
    pinned = "docker-image://alpine@sha256:%s"
  }
  args = {
    ALPINE = "alpine:${TAG}"
    VERSION = "1.0"
  }
}

target "tools" {
  dockerfile-inline = <<EOT
FROM node:20 AS build
FROM build
COPY --from=redis /usr/local/bin/redis-cli /bin/
EOT
}

target "stage" {
  dockerfile = "stage.Dockerfile"
  args = { FINAL = "base" }  # a stage once the arg is in: nothing to pull
}
""" % ("0" * 64)

DOCKERFILE = """\
ARG BASE_IMAGE=ubuntu
ARG ALPINE
FROM ${BASE_IMAGE} AS build
FROM ${ALPINE}
FROM build
"""


def test_bake(tmp_path: Path) -> None:
    stage = "ARG FINAL\nFROM alpine:3.20.3 AS base\nFROM ${FINAL}\n"
    rows = _scan(
        tmp_path, BAKE, files={"app/build.Dockerfile": DOCKERFILE, "stage.Dockerfile": stage}
    )
    assert rows == [
        # ``${BASE}`` is the whole arg: the variable's default is what a fix pins.
        (3, 14, "debian:bookworm", "debian:bookworm"),
        (21, 30, "golang:1.22", "golang:1.22"),
        (24, 30, "alpine@sha256:" + "0" * 64, "alpine@sha256:" + "0" * 64),
        # Built from a variable and other text: reported, not rewritten.
        (27, 15, "alpine:${TAG}", "alpine:3.20"),
        (34, 6, "node:20", "node:20"),
        (36, 13, "redis", "redis"),
    ]


def test_json(tmp_path: Path) -> None:
    text = """{
  "variable": {"BASE": {"default": "python:3.12-slim"}},
  "target": {
    "app": {
      "args": {"BASE_IMAGE": "${BASE}"},
      "contexts": {"golang": "docker-image://golang:1.22"}
    }
  }
}
"""
    dockerfile = {"Dockerfile": "ARG BASE_IMAGE\nFROM $BASE_IMAGE\n"}
    rows = _scan(tmp_path, text, "docker-bake.json", dockerfile)
    assert rows == [
        (2, 37, "python:3.12-slim", "python:3.12-slim"),
        (6, 46, "golang:1.22", "golang:1.22"),
    ]


def test_other_hcl_files_are_read_only_when_they_hold_targets(tmp_path: Path) -> None:
    packer = 'source "docker" "ubuntu" {\n  image = "ubuntu:22.04"\n}\n'
    assert _scan(tmp_path, packer, "build.pkr.hcl") == []
    broken_terraform = 'target "x" {\n  a = [\n'
    assert _scan(tmp_path, broken_terraform, "main.hcl") == []
    ci = 'target "ci" {\n  contexts = { base = "docker-image://alpine" }\n}\n'
    assert _scan(tmp_path, ci, "ci.hcl") == [(2, 39, "alpine", "alpine")]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param('group "default" { targets = ["a"] }\n', id="group-only"),
        pytest.param(
            'target "a" {\n  contexts = { x = "docker-image://${NOWHERE}" }\n}\n',
            id="unknown-variable-is-unresolved",
        ),
        pytest.param(
            'target "a" {\n  args = { BASE = "alpine:3" }\n}\n', id="args-without-dockerfile"
        ),
        pytest.param('target "a" {\n  tags = ["me/app:latest"]\n}\n', id="tags-are-outputs"),
    ],
)
def test_bake_noop(tmp_path: Path, text: str) -> None:
    assert [r for r in _scan(tmp_path, text) if r[3] is not None] == []


def test_a_named_bake_file_that_is_not_hcl_is_a_parse_error(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="invalid HCL"):
        _scan(tmp_path, 'target "a" {\n  args = {\n')


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('a = "${x}"\nb = <<-EOT\n  x\n  EOT\nc = [1, {d = 2}]\n', id="values"),
        pytest.param("/* c */ a = f(1, [2, 3]) // c\n# c\nb = x ? y : z\n", id="expressions"),
        pytest.param('a = { for k, v in m : k => v }\nb = "\\"q\\" $${x}"\n', id="for-escapes"),
    ],
)
def test_hcl_reads(text: str) -> None:
    root = hcl.parse(text)
    assert set(root.attributes) <= {"a", "b", "c"}


def test_hcl_strings_keep_their_spans() -> None:
    text = 'x = "a\\tb"\ny = "${v}"\nz = "$${lit}"\n'
    root = hcl.parse(text)
    x, y, z = (root.attributes[k] for k in "xyz")
    assert isinstance(x, hcl.Str)
    assert isinstance(y, hcl.Str)
    assert isinstance(z, hcl.Str)
    assert (x.value, x.verbatim, text[x.start : x.end]) == ("a\tb", False, "a\\tb")
    assert (y.interpolations, y.simple()) == (1, ["v"])
    assert (z.interpolations, z.value) == (0, "${lit}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('a = "x\n', "unterminated string", id="string"),
        pytest.param("a = <<EOT\nx\n", "unterminated heredoc", id="heredoc"),
        pytest.param("/* x", "unterminated comment", id="comment"),
        pytest.param("a = {" * 200 + "}" * 200, "nesting too deep", id="nesting"),
        pytest.param("a = [" * 5000, "nesting too deep", id="brackets"),
        pytest.param('target "x" {', "expected '}'", id="block"),
        pytest.param('a = "${' * 300, "nesting too deep", id="interpolations"),
    ],
)
def test_hcl_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        hcl.parse(text)


def test_a_named_context_is_not_an_image(tmp_path: Path) -> None:
    text = """\
target "app" {
  contexts = { golang = "docker-image://golang:1.22.8", assets = "./assets" }
  dockerfile-inline = <<EOT
FROM golang AS build
FROM alpine:3.20
COPY --from=assets / /srv
COPY --from=build /out /bin
EOT
}
"""
    assert _scan(tmp_path, text) == [
        (2, 41, "golang:1.22.8", "golang:1.22.8"),
        (5, 6, "alpine:3.20", "alpine:3.20"),
    ]


def test_deep_json_is_a_parse_error(tmp_path: Path) -> None:
    text = '{"target": {"a": {"args": ' + '{"x": ' * 100 + "1" + "}" * 100 + "}}}\n"
    with pytest.raises(ParseError, match="nesting too deep"):
        _scan(tmp_path, text, "docker-bake.json")


def test_inherits_cycle_ends(tmp_path: Path) -> None:
    text = """\
target "a" {
  inherits = ["b"]
  contexts = { x = "docker-image://alpine:3" }
}
target "b" { inherits = ["a"] }
"""
    assert _scan(tmp_path, text) == [(3, 36, "alpine:3", "alpine:3")]


# Shape of 0GiS0/youtube-docker-bake@d717626399c2 (``bakes/bake-final.hcl``): bake files
# kept in a folder, run from the repository's root with ``-f bakes/...``, whose targets'
# contexts are relative to that root.  Written for the test.
BAKES_FOLDER = """\
target "frontend" {
  context = "./web"
  dockerfile = "Dockerfile.web"
  args = {
    "NGINX_VERSION" = "otel"
  }
}
"""
WEB_DOCKERFILE = (
    "ARG NGINX_VERSION=alpine\nFROM node:22.11.0 AS build\nFROM nginx:${NGINX_VERSION}\n"
)


def test_context_relative_to_the_directory_bake_runs_in(tmp_path: Path) -> None:
    """Not beside the bake file: the context is looked for in the directories above it
    (bake resolves it against where it runs, usually the repository's root)."""
    found = _scan(
        tmp_path, BAKES_FOLDER, "bakes/bake-final.hcl", {"web/Dockerfile.web": WEB_DOCKERFILE}
    )
    assert found == [(5, 24, "otel", "nginx:otel")]


def test_context_beside_the_bake_file_wins(tmp_path: Path) -> None:
    found = _scan(
        tmp_path,
        BAKES_FOLDER,
        "bakes/bake-final.hcl",
        {
            "web/Dockerfile.web": WEB_DOCKERFILE,
            "bakes/web/Dockerfile.web": "ARG NGINX_VERSION\nFROM ghcr.io/x/nginx:${NGINX_VERSION}",
        },
    )
    assert found == [(5, 24, "otel", "ghcr.io/x/nginx:otel")]


def test_context_above_the_scanned_tree_is_not_read(tmp_path: Path) -> None:
    """The walk up stops at the scanned tree: a Dockerfile above it is never opened."""
    (tmp_path / "web").mkdir()
    (tmp_path / "web" / "Dockerfile.web").write_text(WEB_DOCKERFILE)
    tree = tmp_path / "repo" / "bakes"
    tree.mkdir(parents=True)
    (tree / "bake-final.hcl").write_text(BAKES_FOLDER)
    path = str(tree / "bake-final.hcl")
    found = formats.scan("bake", path, BAKES_FOLDER, ScanOptions(), Project([str(tree)]))
    assert found == []


def test_args_feeding_copy_from_and_mount_from(tmp_path: Path) -> None:
    """An arg that names a ``COPY --from`` or ``RUN --mount=from=`` image is pulled as a
    base image is: reported once at its value in the bake file (written for the test,
    in the shape of Dockerfiles that copy a tool out of its image)."""
    dockerfile = (
        "ARG HELM=alpine/helm:3\nFROM alpine:3.20.3\nARG HELM\n"
        "COPY --from=${HELM} /usr/bin/helm /usr/bin/helm\n"
        "RUN --mount=type=bind,from=${HELM},target=/h true\n"
    )
    bake = 'target "default" {\n  args = {\n    HELM = "alpine/helm:3.14"\n  }\n}\n'
    found = _scan(tmp_path, bake, files={"Dockerfile": dockerfile})
    assert found == [(3, 13, "alpine/helm:3.14", "alpine/helm:3.14")]
