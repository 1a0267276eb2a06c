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


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def _found(root: Path) -> list[tuple[str, int, str]]:
    findings = lint_paths([str(root)], Config()).findings
    return sorted((str(Path(f.path).relative_to(root)), f.line, f.rule) for f in findings)


def test_a_builder_image_the_config_builds() -> None:
    # GoogleContainerTools/skaffold@359a940c1b26e9aecfad508c1e87a679ec86e49b
    # codelab/03_buildpacks-runimage-override/skaffold.yaml: the run image is an artifact
    # of the same config (``requires: [{image: base}]``); the builder is not.
    text = (
        "apiVersion: skaffold/v2beta9\nkind: Config\nbuild:\n  artifacts:\n"
        "  - image: base\n    context: base\n  - image: app\n    context: app\n"
        "    buildpacks:\n      runImage: base\n      builder: gcr.io/buildpacks/builder\n"
        "    requires:\n    - image: base\n"
    )
    assert [(r[0], r[2]) for r in scan_rows(text, "skaffold.yaml", "skaffold")] == [
        (11, "gcr.io/buildpacks/builder")
    ]


def test_v1alpha_image_name_is_an_artifact(tmp_path: Path) -> None:
    # skaffold@359a940c integration/testdata/fix/skaffold.yaml (skaffold/v1alpha1 spells
    # ``image`` as ``imageName``) and its k8s-pod.yaml.
    _write(
        tmp_path,
        {
            "skaffold.yaml": (
                "apiVersion: skaffold/v1alpha1\nkind: Config\nbuild:\n  artifacts:\n"
                "  - imageName: us-central1-docker.pkg.dev/k8s-skaffold/testing/skaffold-example\n"
                "    workspace: .\ndeploy:\n  kubectl:\n    manifests:\n      - paths:\n"
                "        - k8s-*\n"
            ),
            "k8s-pod.yaml": POD.replace(
                "IMAGE", "us-central1-docker.pkg.dev/k8s-skaffold/testing/skaffold-example"
            ),
        },
    )
    assert _found(tmp_path) == []


def test_manifests_deployed_from_elsewhere(tmp_path: Path) -> None:
    # A config names manifests outside its folder: rawYaml, kubectl manifests, a
    # kustomize path whose base lies elsewhere, a profile patch adding to rawYaml, and a
    # config it requires builds the image (skaffold@359a940c examples/profile-patches,
    # examples/getting-started-kustomize, examples/multi-config-microservices shapes).
    _write(
        tmp_path,
        {
            "build/skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nrequires:\n- path: ../base-config\n"
                "build:\n  artifacts:\n  - image: web\nmanifests:\n  rawYaml:\n"
                "  - ../deploy/web-*.yaml\n  kustomize:\n    paths:\n    - ../overlays/dev\n"
                "deploy:\n  kubectl:\n    manifests:\n    - ../more/pod.yaml\n"
                "profiles:\n- name: extra\n  patches:\n  - op: add\n"
                "    path: /manifests/rawYaml/1\n    value: ../extra/*.yaml\n"
            ),
            "base-config/skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nrequires:\n- path: ../build\n"
                "build:\n  artifacts:\n  - image: base-image\n"
            ),
            "deploy/web-pod.yaml": POD.replace("IMAGE", "web"),
            "deploy/other.yaml": POD.replace("IMAGE", "web"),  # not deployed: reported
            "more/pod.yaml": POD.replace("IMAGE", "base-image"),
            "extra/pod.yaml": POD.replace("IMAGE", "web"),
            "base/kustomization.yaml": "resources:\n- deployment.yaml\n",
            "base/deployment.yaml": POD.replace("IMAGE", "web"),
            "overlays/dev/kustomization.yaml": "resources:\n- ../../base\n",
            "unrelated/pod.yaml": POD.replace("IMAGE", "base-image"),  # reported
        },
    )
    assert _found(tmp_path) == [
        ("deploy/other.yaml", 6, "PIN002"),
        ("unrelated/pod.yaml", 6, "PIN002"),
    ]


def test_helm_values_set_from_the_built_image(tmp_path: Path) -> None:
    # skaffold@359a940c integration/testdata/helm-render-delete (setValueTemplates) and
    # helm-statefulset-v1-schema (artifactOverrides with imageStrategy helm): the chart's
    # ``image`` value is replaced by the image skaffold built; other values are not.
    chart = "apiVersion: v2\nname: skaffold-helm\nversion: 0.1.0\n"
    _write(
        tmp_path,
        {
            "a/skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nbuild:\n  artifacts:\n"
                "  - image: skaffold-helm\nmanifests:\n  helm:\n    releases:\n"
                "    - name: skaffold-helm\n      chartPath: skaffold-helm\n"
                "      setValueTemplates:\n"
                '        image.repository: "{{.IMAGE_REPO_skaffold_helm}}"\n'
                '        image.tag: "{{.IMAGE_TAG_skaffold_helm}}"\n'
            ),
            "a/skaffold-helm/Chart.yaml": chart,
            "a/skaffold-helm/values.yaml": (
                "replicaCount: 1\n"
                "image: us-central1-docker.pkg.dev/k8s-skaffold/testing/skaffold-helm\n"
                "sidecar:\n  image: envoyproxy/envoy\n"
            ),
            "b/skaffold.yaml": (
                "apiVersion: skaffold/v2beta29\nkind: Config\nbuild:\n  artifacts:\n"
                "  - image: gcr.io/k8s-skaffold/skaffold-helm\ndeploy:\n  helm:\n"
                "    releases:\n    - name: skaffold-helm\n      chartPath: charts\n"
                "      artifactOverrides:\n        image: gcr.io/k8s-skaffold/skaffold-helm\n"
                "      imageStrategy:\n        helm: {}\n"
            ),
            "b/charts/Chart.yaml": chart,
            "b/charts/values.yaml": (
                "image:\n  registry: gcr.io\n  repository: other-project/other-image\n"
                "  tag: latest\n"
            ),
        },
    )
    assert _found(tmp_path) == [("a/skaffold-helm/values.yaml", 4, "PIN002")]


def test_requires_cycles_and_paths_outside_end(tmp_path: Path) -> None:
    # Hostile configs: a requires cycle, a config that requires itself, manifests and
    # charts named outside the tree (absolute and ``../``), remote URLs; the run ends
    # and reports what it should.
    outside = tmp_path / "outside"
    _write(outside, {"pod.yaml": POD.replace("IMAGE", "web")})
    root = tmp_path / "tree"
    _write(
        root,
        {
            "a/skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nrequires:\n- path: ../b\n"
                "- path: .\nbuild:\n  artifacts:\n  - image: web\nmanifests:\n  rawYaml:\n"
                f"  - {outside}/*.yaml\n  - ../../outside/pod.yaml\n"
                "  - https://example.com/x.yaml\n  kustomize:\n    paths: [/, ../../outside]\n"
                "  helm:\n    releases:\n    - {name: x, chartPath: ../../outside}\n"
            ),
            "b/skaffold.yaml": (
                "apiVersion: skaffold/v4beta14\nkind: Config\nrequires:\n- path: ../a\n"
            ),
            "b/pod.yaml": POD.replace("IMAGE", "web"),  # b requires a: a's build
            "c/pod.yaml": POD.replace("IMAGE", "web"),  # nothing builds it for c
        },
    )
    assert _found(root) == [("c/pod.yaml", 6, "PIN002")]
