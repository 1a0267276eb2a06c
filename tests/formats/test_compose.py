from __future__ import annotations

from pathlib import Path

import pytest

from pinlint.formats import ScanOptions
from pinlint.formats.compose import interpolate, parse_dotenv
from pinlint.formats.yamlfile import scan

Row = tuple[int, int, str, "str | None", str, "str | None"]


def _scan(
    tmp_path: Path, text: str, env: str | None = None, name: str = "compose.yaml"
) -> list[Row]:
    if env is not None:
        (tmp_path / ".env").write_text(env, encoding="utf-8", newline="")
    path = str(tmp_path / name)
    found = scan(path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
        assert o.path == path
        assert o.fixable == (o.image is not None and o.written == o.image)
    return [(o.line, o.column, o.written, o.image, o.context, o.unresolved) for o in found]


BASIC = """\
services:
  web:
    image: nginx:latest
    ports: ["80:80"]
  db:
    image: "postgres:16"
  cache:
    image: 'redis'
  pinned:
    image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
"""

BUILD = """\
services:
  app:
    build: .
    image: registry.example.com/me/app:dev
  worker:
    build:
      context: ./worker
  proxy:
    image: traefik:v3.1
"""

ANCHORS = """\
x-base: &base
  image: nginx:latest
  restart: always
x-unused: &unused {image: never/reported}
services:
  a:
    <<: *base
  b:
    <<: *base
    ports: ["81:80"]
  c: {<<: *base, image: "redis:7"}
  d:
    <<: *base
    build: .
"""

SCALAR_ANCHOR = """\
services:
  a:
    image: &img alpine:3
  b:
    image: *img
"""

FLOW = '{services: {web: {image: "nginx:1.27"}, db: {image: postgres}}}\n'

BLOCK = """\
services:
  web:
    image: >-
      nginx:1.27.3
  db:
    image: |
      postgres
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BASIC,
            [
                (3, 12, "nginx:latest", "nginx:latest", "services.web.image", None),
                (6, 13, "postgres:16", "postgres:16", "services.db.image", None),
                (8, 13, "redis", "redis", "services.cache.image", None),
                (
                    10,
                    12,
                    "nginx@sha256:" + "0123456789abcdef" * 4,
                    "nginx@sha256:" + "0123456789abcdef" * 4,
                    "services.pinned.image",
                    None,
                ),
            ],
            id="plain-quoted-digest",
        ),
        pytest.param(
            BUILD,
            [(9, 12, "traefik:v3.1", "traefik:v3.1", "services.proxy.image", None)],
            id="build-services-skipped",
        ),
        pytest.param(
            ANCHORS,
            [
                (2, 10, "nginx:latest", "nginx:latest", "services.a.image", None),
                (11, 26, "redis:7", "redis:7", "services.c.image", None),
            ],
            id="merge-keys-reported-once-where-written",
        ),
        pytest.param(
            SCALAR_ANCHOR,
            [(3, 17, "alpine:3", "alpine:3", "services.a.image", None)],
            id="scalar-anchor-reported-once",
        ),
        pytest.param(
            FLOW,
            [
                (1, 27, "nginx:1.27", "nginx:1.27", "services.web.image", None),
                (1, 53, "postgres", "postgres", "services.db.image", None),
            ],
            id="flow-style",
        ),
        pytest.param(
            BLOCK,
            [
                (4, 7, "nginx:1.27.3", "nginx:1.27.3", "services.web.image", None),
                (7, 7, "postgres", "postgres\n", "services.db.image", None),
            ],
            id="block-scalars",
        ),
        pytest.param(
            "services:\n  web:\n    image: nginx\n      :latest\n",
            [(3, 12, "nginx\n      :latest", "nginx :latest", "services.web.image", None)],
            id="multi-line-plain-not-verbatim",
        ),
        pytest.param(
            'services:\n  web:\n    image: "ng\\\ninx"\n',
            [(3, 13, "ng\\\ninx", "nginx", "services.web.image", None)],
            id="escaped-line-break-not-verbatim",
        ),
    ],
)
def test_compose(tmp_path: Path, text: str, expected: list[Row]) -> None:
    assert _scan(tmp_path, text) == expected


@pytest.mark.parametrize(
    ("value", "env", "expected"),
    [
        pytest.param(
            '"${IMG:-nginx:latest}"',
            None,
            (3, 20, "nginx:latest", "nginx:latest", None),
            id="default-is-the-span",
        ),
        pytest.param(
            "${IMG-nginx:latest}",
            "",
            (3, 18, "nginx:latest", "nginx:latest", None),
            id="default-without-colon",
        ),
        pytest.param(
            "${IMG:-nginx:latest}",
            "IMG=\n",
            (3, 19, "nginx:latest", "nginx:latest", None),
            id="colon-default-used-for-empty",
        ),
        pytest.param(
            "${IMG-nginx:latest}",
            "IMG=\n",
            (3, 12, "${IMG-nginx:latest}", "", None),
            id="dash-default-not-used-for-empty",
        ),
        pytest.param(
            "${IMG:-nginx:latest}",
            "IMG=redis:7\n",
            (3, 12, "${IMG:-nginx:latest}", "redis:7", None),
            id="env-value-wins-not-fixable",
        ),
        pytest.param(
            "${REG}/app:${TAG:-1}",
            "REG=ghcr.io/acme\n",
            (3, 12, "${REG}/app:${TAG:-1}", "ghcr.io/acme/app:1", None),
            id="mixed-substituted-whole-span",
        ),
        pytest.param(
            "${REG}/app:${TAG:-1}",
            None,
            (3, 12, "${REG}/app:${TAG:-1}", None, "REG"),
            id="unset-without-default",
        ),
        pytest.param(
            "${IMG:?image required}",
            None,
            (3, 12, "${IMG:?image required}", None, "IMG"),
            id="required-unset",
        ),
        pytest.param(
            "${IMG?image required}",
            "IMG=alpine:3\n",
            (3, 12, "${IMG?image required}", "alpine:3", None),
            id="required-set",
        ),
        pytest.param(
            "$IMAGE",
            "export IMAGE='busybox'\n",
            (3, 12, "$IMAGE", "busybox", None),
            id="bare-variable",
        ),
        pytest.param(
            "$IMAGE:${TAG:+1.2.3}",
            "IMAGE=busybox\nTAG=x\n",
            (3, 12, "$IMAGE:${TAG:+1.2.3}", "busybox:1.2.3", None),
            id="alternative-value",
        ),
        pytest.param(
            "my$$registry/app:1",
            None,
            (3, 12, "my$$registry/app:1", "my$registry/app:1", None),
            id="escaped-dollar",
        ),
        pytest.param(
            "${A:-${B:-redis:7}}",
            None,
            (3, 17, "${B:-redis:7}", "redis:7", None),
            id="nested-default",
        ),
        pytest.param(
            "${A:-${B}}",
            "B=nginx\n",
            (3, 17, "${B}", "nginx", None),
            id="nested-default-from-env",
        ),
        pytest.param(
            "${IMG:-nginx",
            None,
            (3, 12, "${IMG:-nginx", "${IMG:-nginx", None),
            id="invalid-interpolation-kept",
        ),
        pytest.param(
            '"${IMG:-ng\\u0069nx}"',
            None,
            (3, 13, "${IMG:-ng\\u0069nx}", "nginx", None),
            id="default-in-escaped-scalar-not-fixable",
        ),
    ],
)
def test_interpolation(
    tmp_path: Path, value: str, env: str | None, expected: tuple[object, ...]
) -> None:
    text = f"services:\n  web:\n    image: {value}\n"
    assert _scan(tmp_path, text, env) == [(*expected[:4], "services.web.image", expected[4])]


def test_process_environment_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMG", "from-the-shell:1")
    monkeypatch.setenv("TAG", "9")
    text = "services:\n  a:\n    image: ${IMG:-nginx:latest}\n  b:\n    image: app:$TAG\n"
    assert _scan(tmp_path, text) == [
        (3, 19, "nginx:latest", "nginx:latest", "services.a.image", None),
        (5, 12, "app:$TAG", None, "services.b.image", "TAG"),
    ]


def test_env_file_beside_the_compose_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("IMG=wrong:1\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".env").write_text("IMG=right:1\n")
    text = "services:\n  a:\n    image: ${IMG}\n"
    [o] = scan(str(sub / "compose.yml"), text, ScanOptions())
    assert o.image == "right:1"


def test_crlf(tmp_path: Path) -> None:
    text = BASIC.replace("\n", "\r\n")
    rows = _scan(tmp_path, text)
    assert [r[:4] for r in rows] == [
        (3, 12, "nginx:latest", "nginx:latest"),
        (6, 13, "postgres:16", "postgres:16"),
        (8, 13, "redis", "redis"),
        (
            10,
            12,
            "nginx@sha256:" + "0123456789abcdef" * 4,
            "nginx@sha256:" + "0123456789abcdef" * 4,
        ),
    ]


def test_crlf_default_span(tmp_path: Path) -> None:
    text = "services:\r\n  web:\r\n    image: ${IMG:-nginx:latest}\r\n"
    assert _scan(tmp_path, text) == [
        (3, 19, "nginx:latest", "nginx:latest", "services.web.image", None)
    ]


def test_bom(tmp_path: Path) -> None:
    text = "\ufeff" + BASIC
    [first, *_] = scan(str(tmp_path / "compose.yaml"), text, ScanOptions())
    assert first.start == BASIC.index("nginx:latest") + 1
    assert (first.line, first.column) == (3, 12)
    assert text[first.start : first.end] == "nginx:latest"


@pytest.mark.parametrize(
    ("name", "text", "count"),
    [
        pytest.param("compose.yml", "services:\n  a:\n    image: x\n", 1, id="compose.yml"),
        pytest.param("compose.yaml", "services:\n  a:\n    image: x\n", 1, id="compose.yaml"),
        pytest.param(
            "docker-compose.prod.yml", "services:\n  a:\n    image: x\n", 1, id="docker-compose"
        ),
        pytest.param(
            "compose.override.yaml", "services:\n  a:\n    image: x\n", 1, id="compose-override"
        ),
        pytest.param("stack.yml", "services:\n  a:\n    image: x\n", 1, id="by-content"),
        pytest.param(
            "stack.yml",
            "version: '3'\nservices:\n  a:\n    build: .\n  b:\n    image: x\n",
            1,
            id="by-content-build",
        ),
        pytest.param(
            ".gitlab-ci.yml",
            "image: python:3\nservices:\n  - postgres:16\ntest:\n  script: [pytest]\n",
            2,  # not compose: read as GitLab CI, whose image and service these are
            id="gitlab-ci-services-list",
        ),
        pytest.param(
            "workflow.yml",
            "jobs:\n  test:\n    services:\n      db:\n        image: postgres\n",
            0,
            id="nested-services",
        ),
        pytest.param(
            "config.yml", "services:\n  a:\n    port: 80\n    image_name: x\n", 0, id="no-image"
        ),
    ],
)
def test_detection(tmp_path: Path, name: str, text: str, count: int) -> None:
    assert len(_scan(tmp_path, text, name=name)) == count


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("services:\n  app:\n    build: .\n    image: me/app\n", id="build-only"),
        pytest.param("services:\n  app:\n    image:\n  b:\n    image: ~\n", id="null-image"),
        pytest.param("services:\n  app:\n    image: [nginx]\n", id="image-not-scalar"),
        pytest.param("x-img: nginx:latest\nservices: {}\n", id="extension-not-used"),
        pytest.param(
            "services:\n  app:\n    labels:\n      image: nginx:latest\n"
            "    environment: [IMAGE=nginx]\n    image: &i\n",
            id="image-text-elsewhere",
        ),
        pytest.param("services:\n", id="no-services"),
    ],
)
def test_compose_noop(tmp_path: Path, text: str) -> None:
    assert _scan(tmp_path, text) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("A=1\nB = 2\n", {"A": "1", "B": "2"}, id="plain"),
        pytest.param("export A=1\n", {"A": "1"}, id="export"),
        pytest.param("A: 1\n", {"A": "1"}, id="yaml-style"),
        pytest.param("# comment\n\n  # indented\nA=1\n", {"A": "1"}, id="comments"),
        pytest.param("A=1 # note\nB=x#y\n", {"A": "1", "B": "x#y"}, id="inline-comment"),
        pytest.param(
            'A=\'${B} \\n\'\nB="a\\tb\\n\\"q\\""\n',
            {"A": "${B} \\n", "B": 'a\tb\n"q"'},
            id="quotes",
        ),
        pytest.param('A="line1\nline2"\nB=2\n', {"A": "line1\nline2", "B": "2"}, id="multi-line"),
        pytest.param(
            "REG=ghcr.io\nIMG=${REG}/app\nQ=\"$REG/q\"\nS='$REG'\n",
            {"REG": "ghcr.io", "IMG": "ghcr.io/app", "Q": "ghcr.io/q", "S": "$REG"},
            id="expansion",
        ),
        pytest.param(
            'A=${MISSING:-d}\nB=${MISSING}x\nC=\\$x\nD="\\$x"\n',
            {"A": "d", "B": "x", "C": "\\", "D": "$x"},
            id="missing-and-escaped-dollar",
        ),
        pytest.param("INHERITED\nA=1\n", {"A": "1"}, id="inherited-ignored"),
        pytest.param("A=1\r\nB=2\r\n", {"A": "1", "B": "2"}, id="crlf"),
        pytest.param("bad key=1\nA=1\n", {"A": "1"}, id="bad-line-skipped"),
        pytest.param('A="unterminated\nB=2\n', {}, id="unterminated-quote"),
        pytest.param("A=\nB=''\n", {"A": "", "B": ""}, id="empty"),
    ],
)
def test_parse_dotenv(source: str, expected: dict[str, str]) -> None:
    assert parse_dotenv(source) == expected


def test_interpolate_lookup_only_when_needed() -> None:
    looked_up: list[str] = []

    def lookup(name: str) -> str | None:
        looked_up.append(name)
        return None

    result = interpolate("${A:-${B:-x}}:${C-1}", lookup)
    assert (result.value, result.unresolved, result.default) == ("x:1", None, None)
    assert looked_up == ["A", "B", "C"]


# -- build extras: dockerfile_inline and additional_contexts --------------------------

EXTRAS = """\
services:
  a:
    build:
      context: .
      dockerfile_inline: |
        FROM alpine AS base
        FROM base
        COPY --from=busybox:1.37 / /
      additional_contexts:
        img: docker-image://nginx:latest
        dep: service:b
        src: ./src
  b:
    build:
      dockerfile_inline: FROM debian
      additional_contexts:
        - z=docker-image://redis
"""


def test_build_extras() -> None:
    from pinlint.formats import ScanOptions
    from pinlint.formats.yamlfile import scan

    found = scan("compose.yaml", EXTRAS, ScanOptions())
    for o in found:
        assert EXTRAS[o.start : o.end] == o.written == o.image
    assert [(o.line, o.column, o.written) for o in found] == [
        (6, 14, "alpine"),
        (8, 21, "busybox:1.37"),
        (10, 29, "nginx:latest"),
        (15, 31, "debian"),
        (17, 28, "redis"),
    ]


def test_build_extras_noop() -> None:
    from pinlint.formats import ScanOptions
    from pinlint.formats.yamlfile import scan

    text = (
        "services:\n  a:\n    build:\n      dockerfile_inline: |\n        FROM ${BASE}\n"
        "      additional_contexts:\n        x: docker-image://${IMG}\n        y: service:b\n"
        "  b:\n    build:\n      dockerfile_inline: FROM base\n"
        "      additional_contexts:\n        base: service:c\n"
        "  c:\n    build:\n      dockerfile_inline: FROM named\n"
        "      additional_contexts: ['named=docker-image://nginx:1.27.3']\n"
    )
    assert [o.image for o in scan("compose.yaml", text, ScanOptions())] == [None, "nginx:1.27.3"]
