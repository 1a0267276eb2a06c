"""No error on what is not a floating third-party image (the precision issue).

Each case is a real shape, cut down from the repository and commit named in
``tests/data/precision/SOURCES``: the whole offline pass runs over it, and the findings
are exactly the expected ones (rule and image as written).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pinlint import lint
from pinlint.config import Config

DATA = os.path.join(os.path.dirname(__file__), "data", "precision")


def _findings(*paths: str) -> list[tuple[str, int, str, str]]:
    result = lint.lint_paths(list(paths), Config())
    return [(os.path.basename(f.path), f.line, f.rule, f.as_written) for f in result.findings]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param(
            "tekton-pipelinerun.yaml",
            [
                ("tekton-pipelinerun.yaml", 12, "PIN006", "$(params.BUILDER_IMAGE)"),
                ("tekton-pipelinerun.yaml", 16, "PIN002", "mirror.gcr.io/bash"),
                ("tekton-pipelinerun.yaml", 21, "PIN006", "$(inputs.params.BUILDER_IMAGE)"),
                ("tekton-pipelinerun.yaml", 23, "PIN006", 'gcr.io/example/app:$(params["tag"])'),
            ],
            id="tekton-params-are-warnings-not-invalid",
        ),
        pytest.param(
            "argo-workflow.yaml",
            [
                ("argo-workflow.yaml", 16, "PIN006", "{{inputs.parameters.image}}"),
                ("argo-workflow.yaml", 19, "PIN006", "alpine:{{workflow.parameters.tag}}"),
                # text clearly meant as a reference, and malformed: still PIN007
                ("argo-workflow.yaml", 22, "PIN007", "Alpine:3.20.3"),
            ],
            id="argo-parameters-are-warnings",
        ),
        pytest.param("tekton-controller.yaml", [], id="ko-import-path-is-no-reference"),
        pytest.param("istio-gateway.yaml", [], id="istio-image-auto"),
        pytest.param("kubeflow-image-patch.yaml", [], id="documentation-placeholder"),
        pytest.param("kyverno-policy.yaml", [], id="policy-patterns"),
        pytest.param("Dockerfile-alpine.template", [], id="script-template-placeholders"),
    ],
)
def test_real_shapes(name: str, expected: list[tuple[str, int, str, str]]) -> None:
    assert _findings(os.path.join(DATA, name)) == expected


def test_pin007_still_fires_on_malformed_references(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {image: 'Nginx:latest'}\n  b: {image: 'nginx::1'}\n"
        "  c: {image: 'nginx:1.27.3 '}\n"
    )
    findings = lint.lint_paths([str(tmp_path)], Config()).findings
    assert [(f.rule, f.as_written) for f in findings] == [
        ("PIN007", "Nginx:latest"),
        ("PIN007", "nginx::1"),
        ("PIN007", "nginx:1.27.3 "),
    ]


def test_devcontainer_template_option_takes_the_template_default() -> None:
    # Before: one PIN900 ("unsupported modifier") hid every other finding of the file.
    template = os.path.join(DATA, "devcontainer")
    assert _findings(template) == [
        (
            "Dockerfile",
            1,
            "PIN004",
            "mcr.microsoft.com/devcontainers/cpp:2-${templateOption:imageVariant}",
        ),
        (
            "Dockerfile.more",
            1,
            "PIN004",
            "mcr.microsoft.com/devcontainers/cpp:2-${templateOption:imageVariant}",
        ),
        ("Dockerfile.more", 2, "PIN001", "nginx:latest"),
        (
            "Dockerfile.more",
            3,
            "PIN006",
            "mcr.microsoft.com/devcontainers/base:${templateOption:noSuchOption}",
        ),
    ]
    messages = [f.message for f in lint.lint_paths([template], Config()).findings]
    assert "mcr.microsoft.com/devcontainers/cpp:2-debian13" in messages[0]
    assert "${templateOption:noSuchOption} has no value or default" in messages[3]


def test_devcontainer_template_without_its_json_is_a_warning(tmp_path: Path) -> None:
    src = os.path.join(DATA, "devcontainer", ".devcontainer", "Dockerfile")
    shutil.copy(src, tmp_path / "Dockerfile")
    assert _findings(str(tmp_path)) == [
        (
            "Dockerfile",
            1,
            "PIN006",
            "mcr.microsoft.com/devcontainers/cpp:2-${templateOption:imageVariant}",
        )
    ]


@pytest.mark.parametrize(
    "json_text",
    [
        pytest.param("{", id="broken-json"),
        pytest.param("[" * 100_000 + "]" * 100_000, id="deep-nesting"),
        pytest.param(
            '{"options": {"imageVariant": {"default": ["x"]}}}', id="default-not-a-string"
        ),
        pytest.param('{"options": []}', id="options-not-a-map"),
        pytest.param("\xff\xfe", id="not-utf8"),
    ],
)
def test_hostile_template_json_gives_no_default(tmp_path: Path, json_text: str) -> None:
    (tmp_path / ".devcontainer").mkdir()
    shutil.copy(
        os.path.join(DATA, "devcontainer", ".devcontainer", "Dockerfile"),
        tmp_path / ".devcontainer" / "Dockerfile",
    )
    (tmp_path / "devcontainer-template.json").write_bytes(json_text.encode("latin-1"))
    assert [f.rule for f in lint.lint_paths([str(tmp_path)], Config()).findings] == ["PIN006"]


def test_template_json_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    # A symlink to a file outside the scanned tree is not followed.
    outside = tmp_path / "outside.json"
    outside.write_text('{"options": {"imageVariant": {"default": "debian13"}}}')
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(os.path.join(DATA, "devcontainer", ".devcontainer", "Dockerfile"), tree)
    (tree / "devcontainer-template.json").symlink_to(outside)
    assert [f.rule for f in lint.lint_paths([str(tree)], Config()).findings] == ["PIN006"]


def test_compose_build_args_reach_the_dockerfile() -> None:
    # Before: three PIN006 warnings (ARG without a default).  The compose file passes
    # SENTRY_IMAGE from its .env (a floating tag: reported), an exact clickhouse image
    # (nothing to report), and the image another service builds (the project's own).
    tree = os.path.join(DATA, "compose-args")
    result = lint.lint_paths([tree], Config())
    assert [(os.path.relpath(f.path, tree), f.line, f.rule) for f in result.findings] == [
        ("sentry/Dockerfile", 2, "PIN003")
    ]
    assert "ghcr.io/getsentry/sentry:nightly" in result.findings[0].message


def test_build_arg_flag_wins_over_compose(tmp_path: Path) -> None:
    shutil.copytree(os.path.join(DATA, "compose-args"), tmp_path / "t")
    cfg = Config(build_args={"SENTRY_IMAGE": "ghcr.io/getsentry/sentry:25.1.0"})
    assert lint.lint_paths([str(tmp_path / "t")], cfg).findings == []


def test_compose_args_conflicting_or_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n"
        "  a: {build: {context: app, args: {BASE: 'node:20'}}}\n"
        "  b: {build: {context: app, args: [BASE=node:22]}}\n"
        "  c: {build: {context: other, args: {BASE: 'nginx:latest'}}}\n"
    )
    # Two services disagree: no guess, the ARG stays unresolved.
    assert [f.rule for f in lint.lint_paths([str(tmp_path)], Config()).findings] == ["PIN006"]
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a:\n    build: ./app\n  b:\n    build:\n      context: ./app\n"
        "      dockerfile: Dockerfile\n      args:\n        BASE: ${BASE_IMAGE:-node:20}\n"
    )
    assert [f.message for f in lint.lint_paths([str(tmp_path)], Config()).findings] == [
        'node:20 uses the partial version "20"'
    ]


def test_compose_file_outside_the_tree_or_broken(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("ARG BASE\nFROM ${BASE}\n")
    (tmp_path / "compose.yaml").write_text(
        "services:\n  a: {build: {context: app, args: {BASE: 'nginx:latest'}}}\n"
    )
    # Linting app/ alone: the compose file above it is outside the scanned tree.
    findings = lint.lint_paths([str(tmp_path / "app")], Config()).findings
    assert [f.rule for f in findings] == ["PIN006"]
    # A compose file that does not parse: its own PIN900, and no args for the Dockerfile.
    (tmp_path / "compose.yaml").write_text("services: [{image: \n")
    findings = lint.lint_paths([str(tmp_path)], Config()).findings
    assert sorted((os.path.basename(f.path), f.rule) for f in findings) == [
        ("Dockerfile", "PIN006"),
        ("compose.yaml", "PIN900"),
    ]


@pytest.mark.parametrize(
    ("image", "rule"),
    [
        pytest.param("auto", None, id="istio-auto"),
        pytest.param("ko://github.com/tektoncd/pipeline/cmd/controller", None, id="ko"),
        pytest.param("*:*", None, id="policy-any"),
        pytest.param("!*:latest", None, id="policy-negated"),
        pytest.param("registry.example.com/*", None, id="policy-registry-glob"),
        pytest.param("IMAGE_URL", None, id="upper-case-placeholder"),
        pytest.param("REGISTRY/IMAGE:TAG", None, id="upper-case-reference-placeholder"),
        pytest.param("<your-registry>/app:1.0.0", None, id="angle-brackets"),
        pytest.param("php:%%PHP_VERSION%%-%%VARIANT%%", None, id="percent-template"),
        pytest.param("app:@VERSION@", None, id="configure-template"),
        pytest.param("app:{tag}", None, id="format-template"),
        pytest.param("$(params.image)", "PIN006", id="tekton-param"),
        pytest.param("Nginx:latest", "PIN007", id="upper-case-name"),
        pytest.param("nginx::1", "PIN007", id="double-colon"),
        pytest.param("NGINX:latest", "PIN007", id="upper-case-name-lower-tag"),
        pytest.param("nginx:1.27.3@sha256:abc", "PIN007", id="short-digest"),
        pytest.param("autoscaler", "PIN002", id="auto-prefix-is-an-image"),
    ],
)
def test_what_is_an_invalid_reference(image: str, rule: str | None) -> None:
    from pinlint import rules
    from pinlint.model import Occurrence

    occ = Occurrence("x.yaml", 0, len(image), 1, 1, image, image, "image")
    finding = rules.check(occ, frozenset(rules.RULES))
    assert (finding.rule if finding is not None else None) == rule
