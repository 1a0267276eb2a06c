"""BuildKit's automatic platform ARGs: defined without a declaration (precision issue).

Real shape: docker/buildx@461836ba0fcb3e847dab6045a726889faa150bdb ``Dockerfile``
(``FROM binaries-$TARGETOS AS binaries`` after ``FROM binaries-unix AS binaries-linux``
and its siblings), which pinlint used to report as an unresolved variable.
"""

from __future__ import annotations

import pytest

from pinlint.formats import ScanOptions
from pinlint.formats.dockerfile import scan

BUILDX_SHAPE = """\
# syntax=docker/dockerfile:1.9.0
ARG GO_VERSION=1.26.1
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-alpine3.23 AS golatest
FROM scratch AS binaries-unix
FROM binaries-unix AS binaries-darwin
FROM binaries-unix AS binaries-linux
FROM scratch AS binaries-windows
FROM binaries-$TARGETOS AS binaries
FROM binaries
"""


def _images(text: str, **build_args: str) -> list[tuple[int, str, str | None, str | None]]:
    found = scan("Dockerfile", text, ScanOptions(build_args=build_args))
    return [(o.line, o.written, o.image, o.unresolved) for o in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            BUILDX_SHAPE,
            [
                (1, "docker/dockerfile:1.9.0", "docker/dockerfile:1.9.0", None),
                (3, "golang:${GO_VERSION}-alpine3.23", "golang:1.26.1-alpine3.23", None),
            ],
            id="buildx_stage_per_os",
        ),
        pytest.param(
            "FROM scratch AS out-linux-amd64\nFROM out-${TARGETOS}-${TARGETARCH}\n",
            [],
            id="two_platform_args_name_a_stage",
        ),
        pytest.param(
            "FROM scratch AS build\nFROM alpine:3.20.3 AS x\nARG TARGETARCH\n"
            "COPY --from=build-$TARGETARCH /a /b\n",
            [
                (2, "alpine:3.20.3", "alpine:3.20.3", None),
                (4, "build-$TARGETARCH", "build-amd64", None),
            ],
            id="copy_from_no_such_stage_is_graded_for_linux_amd64",
        ),
        pytest.param(
            "FROM scratch AS bin-linux\nFROM alpine:3.20.3\nARG TARGETOS\n"
            "COPY --from=bin-$TARGETOS / /\n",
            [(2, "alpine:3.20.3", "alpine:3.20.3", None)],
            id="copy_from_stage_declared_arg",
        ),
        pytest.param(
            "FROM alpine:3.20.3\nCOPY --from=bin-$TARGETOS / /\n",
            [
                (1, "alpine:3.20.3", "alpine:3.20.3", None),
                (2, "bin-$TARGETOS", None, "TARGETOS"),
            ],
            id="in_a_stage_only_once_declared",
        ),
        pytest.param(
            "ARG TARGETOS\nFROM scratch AS a-linux\nFROM a-$TARGETOS\n",
            [],
            id="global_declaration_keeps_the_automatic_value",
        ),
        pytest.param(
            "FROM tools-$TARGETOS:1.2.3\n",
            [(1, "tools-$TARGETOS:1.2.3", "tools-linux:1.2.3", None)],
            id="an_image_not_a_stage_is_graded_for_linux",
        ),
        pytest.param(
            "FROM $TARGETPLATFORM\n",
            [(1, "$TARGETPLATFORM", "linux/amd64", None)],
            id="platform_value_never_names_a_stage",
        ),
    ],
)
def test_platform_args(text: str, expected: list[tuple[int, str, str | None, str | None]]) -> None:
    assert _images(text) == expected


def test_build_arg_overrides_platform_arg() -> None:
    text = "FROM scratch AS bin-linux\nFROM bin-$TARGETOS\n"
    assert _images(text, TARGETOS="windows") == [(2, "bin-$TARGETOS", "bin-windows", None)]


def test_other_variables_stay_unresolved() -> None:
    assert _images("FROM binaries-$TARGET_OS\n") == [(1, "binaries-$TARGET_OS", None, "TARGET_OS")]
