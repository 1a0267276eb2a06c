from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pinlint.formats import ScanOptions
from pinlint.formats.dockerfile import scan
from pinlint.model import Occurrence, ParseError

# (line, column, written, image, context, use_line, unresolved)
Row = tuple[int, int, str, str | None, str, int | None, str | None]


def _check_offsets(text: str, occ: Occurrence) -> None:
    """The span is the written text, and line/column point at its first character."""
    assert text[occ.start : occ.end] == occ.written
    lines = text.split("\n")
    line_start = sum(len(line) + 1 for line in lines[: occ.line - 1])
    bom = 1 if occ.line == 1 and text.startswith("\ufeff") else 0
    assert occ.start == line_start + bom + occ.column - 1


def _rows(text: str, **build_args: str) -> list[Row]:
    found = scan("Dockerfile", text, ScanOptions(build_args=build_args))
    for occ in found:
        assert occ.path == "Dockerfile"
        _check_offsets(text, occ)
    return [
        (o.line, o.column, o.written, o.image, o.context, o.use_line, o.unresolved) for o in found
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # FROM, any spelling
        pytest.param(
            "FROM nginx:latest\n",
            [(1, 6, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="from_plain",
        ),
        pytest.param(
            "from nginx:latest as web\n",
            [(1, 6, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="from_lowercase",
        ),
        pytest.param(
            "From redis AS Cache\nFROM cache\nfrom CACHE\n",
            [(1, 6, "redis", "redis", "FROM", None, None)],
            id="from_mixed_case_and_stage_names_any_case",
        ),
        pytest.param(
            "FROM nginx:1.27.3@sha256:" + "a" * 64 + "\n",
            [
                (
                    1,
                    6,
                    "nginx:1.27.3@sha256:" + "a" * 64,
                    "nginx:1.27.3@sha256:" + "a" * 64,
                    "FROM",
                    None,
                    None,
                )
            ],
            id="from_pinned_is_still_reported_rules_decide",
        ),
        pytest.param(
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\n",
            [(1, 32, "golang:1.22", "golang:1.22", "FROM", None, None)],
            id="from_platform_flag",
        ),
        pytest.param(
            "  FROM   --platform=linux/amd64 \t  alpine:3.19   \n",
            [(1, 36, "alpine:3.19", "alpine:3.19", "FROM", None, None)],
            id="from_flag_with_spacing",
        ),
        pytest.param(
            'FROM --platform="linux/arm64" alpine\n',
            [(1, 31, "alpine", "alpine", "FROM", None, None)],
            id="from_quoted_flag",
        ),
        pytest.param(
            "FROM --platform linux/arm64 alpine:3\n",
            [(1, 29, "alpine:3", "alpine:3", "FROM", None, None)],
            id="from_flag_value_as_next_word",
        ),
        pytest.param(
            'FROM "nginx:latest"\n',
            [(1, 7, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="from_quoted_reference",
        ),
        # continuations
        pytest.param(
            "FROM \\\n    nginx:latest \\\n    AS web\n",
            [(2, 5, "nginx:latest", "nginx:latest", "FROM", 1, None)],
            id="continuation",
        ),
        pytest.param(
            "FROM --platform=linux/amd64 \\\n# a comment\n\n   \n  nginx:1.27 AS web\n",
            [(5, 3, "nginx:1.27", "nginx:1.27", "FROM", 1, None)],
            id="continuation_with_comment_and_blank_lines",
        ),
        pytest.param(
            "FROM ngi\\\nnx:1\n",
            [(1, 6, "ngi\\\nnx:1", "nginx:1", "FROM", None, None)],
            id="reference_cut_by_continuation_is_not_fixable",
        ),
        pytest.param(
            "RUN echo \\\\\nFROM alpine\n",
            [(2, 6, "alpine", "alpine", "FROM", None, None)],
            id="escaped_backslash_does_not_continue",
        ),
        pytest.param(
            "RUN apt-get install \\\n    curl \\\n    && echo done\nFROM alpine\n",
            [(4, 6, "alpine", "alpine", "FROM", None, None)],
            id="long_run_then_from",
        ),
        # escape directive
        pytest.param(
            "# escape=`\nFROM `\n  nginx:latest\nRUN dir c:\\\nFROM redis\n",
            [
                (3, 3, "nginx:latest", "nginx:latest", "FROM", 2, None),
                (5, 6, "redis", "redis", "FROM", None, None),
            ],
            id="escape_backtick",
        ),
        pytest.param(
            "#escape = `\r\nFROM `\r\n  nginx:latest\r\n",
            [(3, 3, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="escape_backtick_crlf",
        ),
        pytest.param(
            "FROM alpine\n# escape=`\nRUN echo `\nFROM redis\n",
            [
                (1, 6, "alpine", "alpine", "FROM", None, None),
                (4, 6, "redis", "redis", "FROM", None, None),
            ],
            id="escape_directive_after_instruction_is_a_comment",
        ),
        # CRLF and BOM
        pytest.param(
            "FROM nginx:latest\r\nFROM redis AS cache\r\nCOPY --from=busybox:1 / /\r\n",
            [
                (1, 6, "nginx:latest", "nginx:latest", "FROM", None, None),
                (2, 6, "redis", "redis", "FROM", None, None),
                (3, 13, "busybox:1", "busybox:1", "COPY --from", None, None),
            ],
            id="crlf",
        ),
        pytest.param(
            "ARG IMG=nginx:latest\r\nFROM \\\r\n  ${IMG}\r\n",
            [(1, 9, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="crlf_arg_and_continuation",
        ),
        pytest.param(
            "\ufeffFROM nginx:latest\n",
            [(1, 6, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="bom",
        ),
        pytest.param(
            "\ufeff# syntax=docker/dockerfile:1\r\nARG B=alpine:3\r\nFROM $B\r\n",
            [
                (1, 10, "docker/dockerfile:1", "docker/dockerfile:1", "# syntax", None, None),
                (2, 7, "alpine:3", "alpine:3", "FROM", 3, None),
            ],
            id="bom_crlf_syntax",
        ),
        # syntax directive
        pytest.param(
            "# syntax=docker/dockerfile:1.7\nFROM alpine:3.19\n",
            [
                (1, 10, "docker/dockerfile:1.7", "docker/dockerfile:1.7", "# syntax", None, None),
                (2, 6, "alpine:3.19", "alpine:3.19", "FROM", None, None),
            ],
            id="syntax",
        ),
        pytest.param(
            "#  SYNTAX =  docker/dockerfile:1 ignored words  \nFROM scratch\n",
            [(1, 14, "docker/dockerfile:1", "docker/dockerfile:1", "# syntax", None, None)],
            id="syntax_spacing_case_and_extra_words",
        ),
        pytest.param(
            "# escape=`\n# check=skip=all\n# syntax=docker/dockerfile:1\nFROM scratch\n",
            [(3, 10, "docker/dockerfile:1", "docker/dockerfile:1", "# syntax", None, None)],
            id="syntax_after_other_directives",
        ),
        pytest.param(
            "#!/usr/bin/env buildx\n# syntax=docker/dockerfile:1\nFROM scratch\n",
            [(2, 10, "docker/dockerfile:1", "docker/dockerfile:1", "# syntax", None, None)],
            id="syntax_after_shebang",
        ),
        # ARG defaults
        pytest.param(
            "ARG BASE=nginx:latest\nFROM ${BASE}\n",
            [(1, 10, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_braces",
        ),
        pytest.param(
            "ARG BASE=nginx:latest\nFROM $BASE AS web\n",
            [(1, 10, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_dollar",
        ),
        pytest.param(
            'ARG IMG="nginx:latest"\nFROM $IMG\n',
            [(1, 10, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_double_quoted",
        ),
        pytest.param(
            "ARG IMG='nginx:latest'\nFROM \"${IMG}\"\n",
            [(1, 10, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_single_quoted_used_in_quotes",
        ),
        pytest.param(
            "ARG A=1 IMG=nginx:latest B=2\nFROM $IMG\n",
            [(1, 13, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_several_on_one_line",
        ),
        pytest.param(
            "arg IMG=nginx:latest\nfrom ${IMG}\n",
            [(1, 9, "nginx:latest", "nginx:latest", "FROM", 2, None)],
            id="arg_lowercase",
        ),
        pytest.param(
            "FROM ${IMG:-nginx:latest}\n",
            [(1, 13, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="default_colon_dash",
        ),
        pytest.param(
            "FROM ${IMG-nginx:latest}\n",
            [(1, 12, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="default_dash",
        ),
        pytest.param(
            "ARG IMG=\nFROM ${IMG:-nginx:latest}\n",
            [(2, 13, "nginx:latest", "nginx:latest", "FROM", None, None)],
            id="default_colon_dash_on_empty",
        ),
        pytest.param(
            "ARG IMG=redis:7\nFROM ${IMG-nginx:latest}\n",
            [(1, 9, "redis:7", "redis:7", "FROM", 2, None)],
            id="default_dash_not_used_when_set",
        ),
        pytest.param(
            "ARG SLIM=1\nFROM python:3.12${SLIM:+-slim}\n",
            [(2, 6, "python:3.12${SLIM:+-slim}", "python:3.12-slim", "FROM", None, None)],
            id="alternative_set",
        ),
        pytest.param(
            "FROM python:3.12${SLIM:+-slim}\n",
            [(1, 6, "python:3.12${SLIM:+-slim}", "python:3.12", "FROM", None, None)],
            id="alternative_unset",
        ),
        pytest.param(
            "ARG REGISTRY=registry.example.com\nARG TAG=1.2\n"
            "ARG BASE=${REGISTRY}/nginx:${TAG}\nFROM ${BASE}\n",
            [(4, 6, "${BASE}", "registry.example.com/nginx:1.2", "FROM", None, None)],
            id="arg_nested",
        ),
        pytest.param(
            "ARG A=nginx:latest\nARG B=$A\nFROM ${B}\n",
            [(1, 7, "nginx:latest", "nginx:latest", "FROM", 3, None)],
            id="arg_passed_through_another_arg",
        ),
        pytest.param(
            "ARG NODE=20\nFROM node:${NODE}-alpine\n",
            [(2, 6, "node:${NODE}-alpine", "node:20-alpine", "FROM", None, None)],
            id="arg_part_of_reference",
        ),
        pytest.param(
            "ARG IMG=nginx\\:latest\nFROM $IMG\n",
            [(2, 6, "$IMG", "nginx:latest", "FROM", None, None)],
            id="arg_default_with_escape_is_not_fixable",
        ),
        pytest.param(
            "FROM node:${NODE}-alpine\n",
            [(1, 6, "node:${NODE}-alpine", None, "FROM", None, "NODE")],
            id="unresolved_part",
        ),
        pytest.param(
            "ARG IMG\nFROM $IMG\n",
            [(2, 6, "$IMG", None, "FROM", None, "IMG")],
            id="unresolved_declared_without_value",
        ),
        pytest.param(
            "ARG IMG=\nFROM ${IMG}\n",
            [(2, 6, "${IMG}", None, "FROM", None, "IMG")],
            id="unresolved_empty_value",
        ),
        pytest.param(
            "FROM alpine:3.19\nARG IMG=nginx:latest\nFROM $IMG\n",
            [
                (1, 6, "alpine:3.19", "alpine:3.19", "FROM", None, None),
                (3, 6, "$IMG", None, "FROM", None, "IMG"),
            ],
            id="stage_arg_does_not_feed_from",
        ),
        pytest.param(
            "ARG BASE=alpine:3\nFROM $BASE AS a\nRUN true\nFROM ${BASE}\n",
            [
                (1, 10, "alpine:3", "alpine:3", "FROM", 2, None),
                (1, 10, "alpine:3", "alpine:3", "FROM", 4, None),
            ],
            id="one_arg_several_froms",
        ),
        pytest.param(
            "ARG BASE=alpine:3.20.3\nARG BASE=${BASE}-slim\nFROM $BASE\n",
            [(3, 6, "$BASE", "alpine:3.20.3-slim", "FROM", None, None)],
            id="arg_redefined_from_itself",
        ),
        pytest.param(
            "ARG IMG=debian:bookworm-slim\nFROM ${IMG%-slim}\n",
            [(2, 6, "${IMG%-slim}", "debian:bookworm", "FROM", None, None)],
            id="pattern_removal",
        ),
        # stage-local ARGs feed COPY --from and RUN --mount
        pytest.param(
            "FROM alpine AS a\nARG SRC=busybox:latest\nCOPY --from=$SRC /bin/sh /sh\n",
            [
                (1, 6, "alpine", "alpine", "FROM", None, None),
                (2, 9, "busybox:latest", "busybox:latest", "COPY --from", 3, None),
            ],
            id="stage_arg_copy_from",
        ),
        pytest.param(
            "ARG SRC=busybox:latest\nFROM scratch\nARG SRC\nCOPY --from=${SRC} / /\n",
            [(1, 9, "busybox:latest", "busybox:latest", "COPY --from", 4, None)],
            id="global_arg_redeclared_in_stage",
        ),
        pytest.param(
            "ARG SRC=busybox:latest\nFROM scratch\nCOPY --from=${SRC} / /\n",
            [(3, 13, "${SRC}", None, "COPY --from", None, "SRC")],
            id="global_arg_not_redeclared_in_stage",
        ),
        # COPY --from
        pytest.param(
            "FROM alpine\nCOPY --from=nginx:latest /etc/nginx /etc/nginx\n",
            [
                (1, 6, "alpine", "alpine", "FROM", None, None),
                (2, 13, "nginx:latest", "nginx:latest", "COPY --from", None, None),
            ],
            id="copy_from_image",
        ),
        pytest.param(
            'FROM scratch\ncopy --chown=1:1 --from="nginx:1.27" --link /a /b\n',
            [(2, 26, "nginx:1.27", "nginx:1.27", "COPY --from", None, None)],
            id="copy_from_quoted_among_flags",
        ),
        pytest.param(
            "FROM scratch\nCOPY --from=${SRC:-busybox:1.36} /bin/sh /sh\n",
            [(2, 20, "busybox:1.36", "busybox:1.36", "COPY --from", None, None)],
            id="copy_from_default_in_braces",
        ),
        pytest.param(
            "FROM scratch\nCOPY \\\n  --from=nginx:1.27 \\\n  /a /b\n",
            [(3, 10, "nginx:1.27", "nginx:1.27", "COPY --from", 2, None)],
            id="copy_from_continued",
        ),
        # RUN --mount
        pytest.param(
            "FROM scratch\nRUN --mount=type=bind,from=golang:1.22,source=/go,target=/go make\n",
            [(2, 28, "golang:1.22", "golang:1.22", "RUN --mount", None, None)],
            id="run_mount_bind",
        ),
        pytest.param(
            "FROM scratch\nRUN --mount=from=busybox,target=/b true\n",
            [(2, 18, "busybox", "busybox", "RUN --mount", None, None)],
            id="run_mount_default_type_is_bind",
        ),
        pytest.param(
            "FROM scratch\nrun --network=none --mount=target=/c,type=cache,from=alpine:3 true\n",
            [(2, 54, "alpine:3", "alpine:3", "RUN --mount", None, None)],
            id="run_mount_cache",
        ),
        pytest.param(
            "FROM scratch\nARG TOOLS=busybox:1.36\n"
            "RUN --mount=type=bind,from=${TOOLS},target=/t true\n",
            [(2, 11, "busybox:1.36", "busybox:1.36", "RUN --mount", 3, None)],
            id="run_mount_stage_arg",
        ),
        # heredocs end where their terminator is
        pytest.param(
            "FROM alpine\nRUN <<EOF\nFROM nginx\nEOF\nFROM redis\n",
            [
                (1, 6, "alpine", "alpine", "FROM", None, None),
                (5, 6, "redis", "redis", "FROM", None, None),
            ],
            id="heredoc_then_from",
        ),
        pytest.param(
            'FROM scratch\nCOPY <<"A" <<-B /dst/\nFROM x\nA\n\tFROM y\n\tB\nFROM redis\n',
            [(7, 6, "redis", "redis", "FROM", None, None)],
            id="two_heredocs_quoted_and_chomped",
        ),
        pytest.param(
            'FROM scratch\nRUN ["sh", "-c", "cat <<EOF"]\nFROM redis\n',
            [(3, 6, "redis", "redis", "FROM", None, None)],
            id="json_form_has_no_heredoc",
        ),
        pytest.param(
            "FROM scratch\nRUN python3 <<'PY' > /out\r\nprint('FROM x')\r\nPY\r\nFROM redis\r\n",
            [(5, 6, "redis", "redis", "FROM", None, None)],
            id="heredoc_crlf",
        ),
        pytest.param(
            "FROM scratch\nONBUILD RUN <<EOF\nFROM x\nEOF\nFROM redis\n",
            [(5, 6, "redis", "redis", "FROM", None, None)],
            id="onbuild_heredoc",
        ),
        pytest.param(
            "FROM scratch\nRUN echo a<<b\nFROM redis\n",
            [(3, 6, "redis", "redis", "FROM", None, None)],
            id="shift_operator_is_not_a_heredoc",
        ),
    ],
)
def test_scan(text: str, expected: list[Row]) -> None:
    assert _rows(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "ARG IMG=nginx:latest\nFROM $IMG\n",
            [(1, 9, "nginx:latest", "nginx:1.27.3", "FROM", 2, None)],
            id="build_arg_overrides_default",
        ),
        pytest.param(
            "ARG IMG\nFROM $IMG\n",
            [(2, 6, "$IMG", "nginx:1.27.3", "FROM", None, None)],
            id="build_arg_without_default",
        ),
        pytest.param(
            "FROM scratch\nARG IMG=busybox:1\nCOPY --from=$IMG / /\n",
            [(2, 9, "busybox:1", "nginx:1.27.3", "COPY --from", 3, None)],
            id="build_arg_overrides_stage_arg",
        ),
        pytest.param(
            "FROM $IMG\n",
            [(1, 6, "$IMG", None, "FROM", None, "IMG")],
            id="build_arg_not_declared_is_not_used",
        ),
    ],
)
def test_scan_build_args(text: str, expected: list[Row]) -> None:
    """``--build-arg IMG=nginx:1.27.3``: the image changes, the span stays the default."""
    assert _rows(text, IMG="nginx:1.27.3") == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("\n\n  \n", id="blank"),
        pytest.param("# FROM nginx:latest\n  # FROM redis\n", id="comments"),
        pytest.param("FROM scratch\n", id="scratch"),
        pytest.param("FROM scratch AS build\nFROM build AS final\n", id="stage_name"),
        pytest.param("FROM scratch AS Build\nFROM BUILD\n", id="stage_name_any_case"),
        pytest.param("ARG S=build\nFROM scratch AS build\nFROM ${S}\n", id="stage_name_via_arg"),
        pytest.param("FROM scratch AS builder\nCOPY --from=builder /a /b\n", id="copy_from_stage"),
        pytest.param(
            "FROM scratch AS Builder\nCOPY --from=BUILDER /a /b\n", id="copy_from_stage_case"
        ),
        pytest.param("FROM scratch\nCOPY --from=0 /a /b\n", id="copy_from_stage_index"),
        pytest.param("FROM scratch\nCOPY --from= /a /b\n", id="copy_from_empty"),
        pytest.param(
            "FROM scratch AS b\nARG S=b\nCOPY --from=$S /a /b\n", id="copy_from_stage_via_arg"
        ),
        pytest.param("FROM scratch\nADD --chown=1 nginx.tar /\n", id="add_is_not_an_image"),
        pytest.param("FROM scratch\nCOPY --link . /app\n", id="copy_without_from"),
        pytest.param(
            "FROM scratch AS build\nRUN --mount=type=bind,from=build,target=/x true\n",
            id="run_mount_from_stage",
        ),
        pytest.param(
            "FROM scratch\nRUN --mount=type=secret,id=from --mount=type=cache,target=/c true\n",
            id="run_mount_without_from",
        ),
        pytest.param(
            "FROM scratch\nRUN --mount=type=tmpfs,from=nginx,target=/t true\n",
            id="run_mount_tmpfs_ignores_from",
        ),
        pytest.param("FROM scratch\nRUN <<EOF\nFROM nginx:latest\nEOF\n", id="heredoc"),
        pytest.param(
            "FROM scratch\nRUN <<-EOT bash\n\tFROM nginx:latest\n\tEOT\n", id="heredoc_chomp"
        ),
        pytest.param("FROM scratch\nRUN echo \\\n  FROM nginx:latest\n", id="from_in_continuation"),
        pytest.param(
            "FROM scratch\nLABEL x=1 \\\n# FROM nginx\n  y=2\n", id="comment_inside_continuation"
        ),
        pytest.param("FROM scratch\n# syntax=docker/dockerfile:1\n", id="syntax_not_at_top"),
        pytest.param(
            "# hello\n# syntax=docker/dockerfile:1\nFROM scratch\n", id="syntax_after_comment"
        ),
        pytest.param(
            "\n# syntax=docker/dockerfile:1\nFROM scratch\n", id="syntax_after_blank_line"
        ),
        pytest.param("  # syntax=docker/dockerfile:1\nFROM scratch\n", id="syntax_indented"),
        pytest.param("\ufeffFROM scratch\r\n", id="bom_crlf_scratch"),
    ],
)
def test_scan_noop(text: str) -> None:
    assert scan("Dockerfile", text, ScanOptions()) == []


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        pytest.param('FROM "nginx\n', 1, 6, id="unterminated_double_quote"),
        pytest.param("ARG IMG='nginx\nFROM $IMG\n", 1, 9, id="unterminated_single_quote_in_arg"),
        pytest.param("FROM nginx extra\n", 1, 1, id="from_two_words"),
        pytest.param("FROM nginx # comment\n", 1, 1, id="from_trailing_comment"),
        pytest.param("FROM\n", 1, 1, id="from_without_image"),
        pytest.param("FROM nginx AS 1st\n", 1, 15, id="bad_stage_name"),
        pytest.param("FROM ${IMG\n", 1, 6, id="missing_brace"),
        pytest.param("FROM nginx:${}\n", 1, 12, id="empty_substitution"),
        pytest.param("FROM ${IMG:=nginx}\n", 1, 12, id="unsupported_modifier"),
        pytest.param("FROM scratch\nRUN <<EOF\necho hi\n", 2, 1, id="unterminated_heredoc"),
        pytest.param(
            'FROM scratch\nRUN ["cat", "<<EOF", 1]\n', 2, 1, id="json_array_of_non_strings"
        ),
        pytest.param("# escape=`\n# escape=\\\nFROM scratch\n", 2, 1, id="escape_twice"),
        pytest.param("# escape=x\nFROM scratch\n", 1, 10, id="invalid_escape"),
        pytest.param('FROM scratch\r\nFROM \\\r\n  "x\r\n', 3, 3, id="crlf_error_position"),
    ],
)
def test_scan_parse_error(text: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as info:
        scan("Dockerfile", text, ScanOptions())
    assert (info.value.line, info.value.column) == (line, column)
    assert info.value.message


def test_fixable_only_when_span_is_the_image() -> None:
    text = "ARG TAG=20\nARG IMG=nginx:latest\nFROM node:${TAG}-alpine AS a\nFROM $IMG\n"
    plain, composite, from_arg = scan("Dockerfile", "FROM redis\n", ScanOptions()) + scan(
        "Dockerfile", text, ScanOptions()
    )
    assert plain.fixable
    assert not composite.fixable
    assert from_arg.fixable
    overridden = scan("Dockerfile", text, ScanOptions(build_args={"IMG": "nginx:1"}))[1]
    assert (overridden.written, overridden.image, overridden.fixable) == (
        "nginx:latest",
        "nginx:1",
        False,
    )


def test_splice_at_span_rewrites_only_the_reference() -> None:
    """What the fixer will do: replace text[start:end], every other byte unchanged."""
    text = '\ufeff# syntax=docker/dockerfile:1\r\nARG BASE="nginx:latest"\r\nFROM ${BASE}\r\n'
    occ = next(o for o in scan("Dockerfile", text, ScanOptions()) if o.context == "FROM")
    fixed = text[: occ.start] + "nginx:1.27.3" + text[occ.end :]
    assert fixed == (
        '\ufeff# syntax=docker/dockerfile:1\r\nARG BASE="nginx:1.27.3"\r\nFROM ${BASE}\r\n'
    )
    assert [o.image for o in scan("Dockerfile", fixed, ScanOptions())] == [
        "docker/dockerfile:1",
        "nginx:1.27.3",
    ]


_PIECES = [
    "FROM ",
    "from ",
    "ARG ",
    "COPY ",
    "RUN ",
    "ONBUILD ",
    "--from=",
    "--mount=",
    "--platform=",
    "type=cache,",
    "from=",
    " AS ",
    "as ",
    "nginx",
    ":latest",
    "${",
    "}",
    "$",
    ":-",
    "-",
    ":+",
    "%",
    "#",
    "/",
    "'",
    '"',
    "\\",
    "`",
    "\n",
    "\r\n",
    " ",
    "\t",
    "<<",
    "<<-",
    "EOF",
    "[",
    "]",
    ",",
    "=",
    "0",
    "scratch",
    "\ufeff",
    "# escape=`\n",
    "# syntax=",
    "B",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40))
def test_scan_any_input_gives_exact_spans_or_parse_error(pieces: list[str]) -> None:
    text = "".join(pieces)
    where = (1, 1)
    try:
        found = scan("Dockerfile", text, ScanOptions(build_args={"B": "x:1"}))
    except ParseError as e:  # the only error a file may cause, with a usable position
        found, where = [], (e.line, e.column)
    assert min(where) >= 1
    for occ in found:
        _check_offsets(text, occ)
        assert occ.image is not None or occ.unresolved
