"""skaffold: the images a config uses, and the ones it builds (shapes from
GoogleContainerTools/skaffold examples, tests/data/real/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

from helpers import scan_rows
from pinlint.config import Config
from pinlint.lint import lint_paths

CONFIG = """\
apiVersion: skaffold/v4beta14
kind: Config
build:
  artifacts:
  - image: skaffold-jib
    jib:
      fromImage: gcr.io/distroless/java21-debian12:debug
  - image: skaffold-buildpacks
    buildpacks:
      builder: "gcr.io/buildpacks/builder:v1"
      runImage: gcr.io/buildpacks/run@sha256:AAAA
  - image: app
    docker:
      buildArgs:
        BASE_IMAGE: golang:1.23
        ENV: development
  - image: ko://github.com/acme/app
    ko:
      fromImage: gcr.io/distroless/static-debian11:nonroot
verify:
- name: smoke
  container:
    name: smoke
    image: alpine:3.20
profiles:
- name: gcb
  build:
    googleCloudBuild:
      koImage: us-central1-docker.pkg.dev/k8s-skaffold/testing/skaffold:v1.37.2
""".replace("AAAA", "a" * 64)


def test_config() -> None:
    rows = scan_rows(CONFIG, "skaffold.yaml", "skaffold")
    assert [(r[0], r[2]) for r in rows] == [
        (7, "gcr.io/distroless/java21-debian12:debug"),
        (10, "gcr.io/buildpacks/builder:v1"),
        (11, "gcr.io/buildpacks/run@sha256:" + "a" * 64),
        (15, "golang:1.23"),
        (19, "gcr.io/distroless/static-debian11:nonroot"),
        (24, "alpine:3.20"),
        (29, "us-central1-docker.pkg.dev/k8s-skaffold/testing/skaffold:v1.37.2"),
    ]


def test_other_names_and_content() -> None:
    # skaffold-gradle.yaml by name; a skaffold document in any YAML file by content.
    assert len(scan_rows(CONFIG, "skaffold-gradle.yaml", "skaffold")) == 7
    assert len(scan_rows(CONFIG, "deploy/dev.yaml")) == 7


POD = (
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
    "  containers:\n  - {name: a, image: IMAGE}\n"
)


def test_built_images_are_the_projects_own(tmp_path: Path) -> None:
    (tmp_path / "app" / "k8s").mkdir(parents=True)
    (tmp_path / "app" / "skaffold.yaml").write_text(
        "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n  - image: leeroy-web\n"
        "profiles:\n- name: hello\n  patches:\n  - op: add\n    path: /build/artifacts/1\n"
        "    value:\n      image: skaffold-hello\n"
    )
    (tmp_path / "app" / "k8s" / "web.yaml").write_text(POD.replace("IMAGE", "leeroy-web"))
    (tmp_path / "app" / "k8s" / "hello.yaml").write_text(POD.replace("IMAGE", "skaffold-hello"))
    (tmp_path / "app" / "k8s" / "redis.yaml").write_text(POD.replace("IMAGE", "redis"))
    # Outside the config's folder, the same name is somebody else's image.
    (tmp_path / "other.yaml").write_text(POD.replace("IMAGE", "leeroy-web"))
    findings = lint_paths([str(tmp_path)], Config()).findings
    assert sorted(str(Path(f.path).relative_to(tmp_path)) for f in findings) == [
        "app/k8s/redis.yaml",
        "other.yaml",
    ]


def test_a_config_that_does_not_parse_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "skaffold.yaml").write_text("apiVersion: skaffold/v4\nimage: [\n")
    (tmp_path / "pod.yaml").write_text(POD.replace("IMAGE", "leeroy-web"))
    findings = lint_paths([str(tmp_path)], Config()).findings
    assert sorted((Path(f.path).name, f.rule) for f in findings) == [
        ("pod.yaml", "PIN002"),
        ("skaffold.yaml", "PIN900"),
    ]


def test_custom_action_and_verify_containers() -> None:
    # GoogleContainerTools/skaffold@359a940c1b26e9aecfad508c1e87a679ec86e49b
    # docs-v2/content/en/samples/custom-actions/two-local-actions.yaml and
    # docs-v2/content/en/samples/verify/verify.yaml: a container of a custom action or a
    # verify test is a reference, unless the config builds it.
    text = (
        "apiVersion: skaffold/v4beta5\nkind: Config\nbuild:\n  artifacts:\n"
        "    - image: integration-test-container\n"
        "verify:\n- name: integration-test-container\n  container:\n"
        "    name: integration-test-container\n    image: integration-test-container\n"
        "- name: alpine-wget\n  container:\n    name: alpine-wget\n    image: alpine:3.15\n"
        "customActions:\n  - name: update-infra\n    containers:\n"
        "      - name: update-db-schema\n        image: gcr.io/my-registry/db-updater:latest\n"
        "      - name: local\n        image: integration-test-container:dev\n"
    )
    assert [row[2] for row in scan_rows(text, "skaffold.yaml", "skaffold")] == [
        "alpine:3.15",
        "gcr.io/my-registry/db-updater:latest",
    ]


def test_helm_release_set_values() -> None:
    text = (
        "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n"
        "  - image: ghcr.io/acme/app\ndeploy:\n  helm:\n    releases:\n    - name: app\n"
        "      chartPath: charts\n      setValues:\n        image: ghcr.io/acme/app\n"
        "        sidecar.image: envoyproxy/envoy:v1.31\n        replicaCount: 2\n"
    )
    assert [(r[0], r[2]) for r in scan_rows(text, "skaffold.yaml", "skaffold")] == [
        (13, "envoyproxy/envoy:v1.31")
    ]
