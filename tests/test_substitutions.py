"""Recognising placeholders that Tekton, Argo and Dev Container templates fill in."""

from __future__ import annotations

import pytest

from helpers import time_limit
from pinlint import substitutions


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        pytest.param("$(params.BUILDER_IMAGE)", [("params", "BUILDER_IMAGE")], id="tekton"),
        pytest.param("$(inputs.params.image)", [("params", "image")], id="tekton-v1alpha1"),
        pytest.param('$(params["my.image"])', [("params", "my.image")], id="tekton-bracket"),
        pytest.param("$(params['img'])", [("params", "img")], id="tekton-single-quote"),
        pytest.param(
            "$(tasks.build.results.IMAGE_URL)",
            [("tekton", "$(tasks.build.results.IMAGE_URL)")],
            id="tekton-result",
        ),
        pytest.param("{{inputs.parameters.image}}", [("inputs", "image")], id="argo-input"),
        pytest.param(
            "alpine:{{ workflow.parameters.tag }}", [("workflow", "tag")], id="argo-spaces"
        ),
        pytest.param("{{item}}", [("argo", "{{item}}")], id="argo-item"),
        pytest.param(
            "{{=inputs.parameters.image}}",
            [("argo", "{{=inputs.parameters.image}}")],
            id="argo-expression",
        ),
        pytest.param(
            "cpp:2-${templateOption:imageVariant}",
            [("templateOption", "imageVariant")],
            id="devcontainer",
        ),
        pytest.param(
            "$(params.registry)/app:$(params.tag)",
            [("params", "registry"), ("params", "tag")],
            id="two",
        ),
        # not placeholders of these tools
        pytest.param("{{ .Values.image }}", [], id="helm"),
        pytest.param('{{ include "img" . }}', [], id="helm-include"),
        pytest.param("${IMAGE}", [], id="shell-variable"),
        pytest.param("nginx:1.27.3", [], id="plain"),
    ],
)
def test_find(text: str, keys: list[tuple[str, str]]) -> None:
    assert [s.key for s in substitutions.find(text)] == keys


def test_find_spans() -> None:
    text = "gcr.io/x:$(params.tag)-slim"
    (sub,) = substitutions.find(text)
    assert text[sub.start : sub.end] == sub.text == "$(params.tag)"


def test_expand_with_defaults() -> None:
    defaults = {("params", "registry"): "ghcr.io/acme", ("params", "tag"): "1.2.3"}
    text = "$(params.registry)/app:$(params.tag)"
    assert substitutions.expand(text, lambda s: defaults.get(s.key)) == (
        "ghcr.io/acme/app:1.2.3",
        None,
    )
    value, missing = substitutions.expand(text, lambda s: None)
    assert value is None
    assert missing is not None
    assert missing.text == "$(params.registry)"
    assert substitutions.expand("nginx:1.27.3", lambda s: None) == ("nginx:1.27.3", None)


def test_long_hostile_input_is_linear() -> None:
    with time_limit(2):
        assert substitutions.find("$(" * 50_000) == []
        assert substitutions.find("{{" * 50_000 + "a" * 50_000) == []
