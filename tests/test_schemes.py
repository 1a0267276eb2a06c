"""Known version schemes: two-part (or oddly spelled) tags that name one release.

Real shapes, each from the repository and commit named:

- ``postgres:14.24-bookworm``: getsentry/self-hosted@89a143f8e4d396a858cf6f462a832ae7da9fd2db
  ``docker-compose.yml``; ``postgres:17.6``:
  kubeflow/manifests@009c88084074904c7743384ff50d3bd70012ef55
  ``applications/model-registry/upstream/options/catalog/base/postgres-statefulset.yaml``;
  ``postgres:14.3``: devcontainers/templates@c1ca13c3ecd61ece026017bfababc041ed4d0440
  ``src/dotnet-postgres/.devcontainer/docker-compose.yml``.
- ``nvcr.io/nvidia/tritonserver:23.05-py3`` and ``chrislusf/seaweedfs:4.00``:
  kubeflow/manifests@009c88084074904c7743384ff50d3bd70012ef55
  (``applications/kserve/kserve/kserve-cluster-resources.yaml``,
  ``applications/pipeline/upstream/third-party/seaweedfs/base/seaweedfs/seaweedfs-deployment.yaml``).
- ``mysql:8.0``, ``mysql:8.3``: the same kubeflow/manifests commit; they move (PIN004).
"""

from __future__ import annotations

import pytest

from pinlint import rules, schemes
from pinlint.model import Occurrence

ALL = frozenset(rules.RULES)


def _rule(image: str, **kwargs: object) -> str | None:
    occ = Occurrence("x.yaml", 0, len(image), 1, 1, image, image, "image")
    finding = rules.check(occ, ALL, **kwargs)  # type: ignore[arg-type]
    return finding.rule if finding is not None else None


@pytest.mark.parametrize(
    ("image", "rule"),
    [
        # postgres >= 10: MAJOR.MINOR is a release
        pytest.param("postgres:14.24-bookworm", "PIN005", id="postgres-two-part-variant"),
        pytest.param("postgres:17.6", "PIN005", id="postgres-two-part"),
        pytest.param("postgres:14.3", "PIN005", id="postgres-14.3"),
        pytest.param(
            "docker.io/library/postgres:16.4-alpine3.20", "PIN005", id="postgres-canonical"
        ),
        pytest.param("mirror.gcr.io/library/postgres:16.4", "PIN005", id="postgres-mirror"),
        pytest.param("postgres:16", "PIN004", id="postgres-major-moves"),
        pytest.param("postgres:16-alpine", "PIN004", id="postgres-major-variant-moves"),
        pytest.param("postgres:9.6", "PIN004", id="postgres-9.6-was-a-major"),
        pytest.param("postgres:alpine", "PIN003", id="postgres-named-tag-moves"),
        pytest.param("mycorp/postgres:16.4", "PIN004", id="not-the-official-postgres"),
        # NVIDIA NGC: YY.MM
        pytest.param("nvcr.io/nvidia/tritonserver:23.05-py3", "PIN005", id="ngc-triton"),
        pytest.param("nvcr.io/nvidia/pytorch:24.01-py3", "PIN005", id="ngc-pytorch"),
        pytest.param("nvcr.io/nvidia/tritonserver:23-py3", "PIN004", id="ngc-year-only"),
        pytest.param("nvidia/tritonserver:23.05-py3", "PIN004", id="not-on-ngc"),
        # seaweedfs
        pytest.param("chrislusf/seaweedfs:4.00", "PIN005", id="seaweedfs"),
        pytest.param("chrislusf/seaweedfs:3.80_large_disk", "PIN005", id="seaweedfs-large-disk"),
        pytest.param("chrislusf/seaweedfs:latest", "PIN001", id="seaweedfs-latest"),
        # Java 8 update form, any repository
        pytest.param("openjdk:8u342-jdk", "PIN005", id="java-update"),
        pytest.param("openjdk:8-jdk", "PIN004", id="java-major"),
        # CentOS point releases
        pytest.param("centos:centos7.9.2009", "PIN005", id="centos-point-release"),
        pytest.param("centos:centos7", "PIN003", id="centos-major-moves"),
        # Bitnami: -rN is one immutable build
        pytest.param("bitnami/postgresql:12-debian-12-r50", "PIN005", id="bitnami-revision"),
        pytest.param("bitnami/redis:7.4-debian-12-r3", "PIN005", id="bitnami-minor-revision"),
        pytest.param("bitnami/postgresql:12-debian-12", "PIN004", id="bitnami-rolling"),
        # Jenkins weekly and LTS
        pytest.param("jenkins/jenkins:2.480", "PIN005", id="jenkins-weekly"),
        pytest.param("jenkins/jenkins:2.480-jdk21", "PIN005", id="jenkins-weekly-jdk"),
        pytest.param("jenkins/jenkins:2.479.1-lts", "PIN005", id="jenkins-lts"),
        pytest.param("jenkins/jenkins:lts-jdk17", "PIN003", id="jenkins-lts-channel"),
        # everything else keeps the general rule
        pytest.param("mysql:8.4", "PIN004", id="mysql-two-part-moves"),
        pytest.param("mysql:8.0", "PIN004", id="mysql-8.0"),
        pytest.param("ubuntu:24.04", "PIN004", id="ubuntu"),
        pytest.param("alpine:3.20", "PIN004", id="alpine"),
        pytest.param("mariadb:10.4", "PIN004", id="mariadb"),
    ],
)
def test_known_schemes(image: str, rule: str) -> None:
    assert _rule(image) == rule


def test_user_scheme_extends_the_table() -> None:
    scoped = [("ghcr.io/mycorp/*", r"build-[0-9]+")]
    assert _rule("ghcr.io/mycorp/app:build-42") == "PIN003"
    assert _rule("ghcr.io/mycorp/app:build-42", exact_schemes=scoped) == "PIN005"
    # only for the repositories it names
    assert _rule("ghcr.io/other/app:build-42", exact_schemes=scoped) == "PIN003"
    # familiar names match too
    assert _rule("mysql:8.4", exact_schemes=[("mysql", r"8\.[0-9]+")]) == "PIN005"


def test_the_schemes_of_a_repository_are_remembered_within_bounds() -> None:
    # A tree names the same repositories thousands of times: the table is searched once
    # per repository, and a hostile tree naming millions cannot grow the memory without
    # bound.
    schemes._OF.clear()
    assert schemes.exact_by_scheme("docker.io/library/postgres", "postgres", "16.4")
    assert not schemes.exact_by_scheme("docker.io/library/postgres", "postgres", "16")
    assert len(schemes._OF) == 1
    for i in range(schemes._OF_MAX + 10):
        name = f"example.com/team/app{i}"
        assert not schemes.exact_by_scheme(name, name, "16.4")
    assert len(schemes._OF) <= schemes._OF_MAX
    # Remembered or not, the answer is the table's.
    assert schemes.exact_by_scheme("docker.io/library/postgres", "postgres", "16.4")
    assert schemes.exact_by_scheme("docker.io/bitnami/redis", "bitnami/redis", "7.2.4-debian-12-r1")
