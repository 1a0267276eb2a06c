"""Operator bundles: ClusterServiceVersion images (shapes from
operator-framework/community-operators, tests/data/real/SOURCES.md)."""

from __future__ import annotations

from helpers import rule_of, scan_rows

CSV = """\
apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata:
  name: crane-operator.v1.4.3
  annotations:
    containerImage: quay.io/konveyor/mig-operator-container:latest
    description: not an image
spec:
  install:
    strategy: deployment
    spec:
      deployments:
      - name: migration-operator
        spec:
          template:
            metadata:
              annotations:
                image: nginx:latest
            spec:
              containers:
              - name: operator
                image: quay.io/konveyor/mig-operator-container:latest
                env:
                - name: MIG_CONTROLLER_REPO
                  value: mig-controller
  relatedImages:
  - name: controller
    image: quay.io/konveyor/mig-controller:latest
  - name: pinned
    image: quay.io/konveyor/mig-ui@sha256:AAAA
  - name: exact
    image: quay.io/konveyor/velero:v1.9.1
""".replace("AAAA", "a" * 64)


def test_csv() -> None:
    rows = scan_rows(CSV)
    assert [(r[0], r[2]) for r in rows] == [
        (6, "quay.io/konveyor/mig-operator-container:latest"),
        (22, "quay.io/konveyor/mig-operator-container:latest"),
        (28, "quay.io/konveyor/mig-controller:latest"),
        (30, "quay.io/konveyor/mig-ui@sha256:" + "a" * 64),
        (32, "quay.io/konveyor/velero:v1.9.1"),
    ]
    assert rule_of(CSV) == ["PIN001 error", "PIN001 error", "PIN001 error", "-", "-"]


def test_not_a_csv() -> None:
    # The same shape under another kind is a plain manifest: no annotation, no relatedImages.
    text = CSV.replace("ClusterServiceVersion", "Something")
    assert [r[0] for r in scan_rows(text)] == [22]


# 3scale/3scale-operator@de2fb005 bundle/manifests/3scale-operator.clusterserviceversion.yaml:
# the images the operator deploys, as RELATED_IMAGE_* env values of its deployment.
RELATED = """\
apiVersion: operators.coreos.com/v1alpha1
kind: ClusterServiceVersion
metadata:
  name: 3scale-operator.v0.0.0
spec:
  install:
    strategy: deployment
    spec:
      deployments:
      - name: threescale-operator-controller-manager-v2
        spec:
          template:
            spec:
              containers:
              - name: manager
                image: quay.io/3scale/3scale-operator:latest
                env:
                - name: WATCH_NAMESPACE
                  valueFrom:
                    fieldRef:
                      fieldPath: metadata.namespace
                - name: RELATED_IMAGE_BACKEND
                  value: quay.io/3scale/apisonator:latest
                - name: RELATED_IMAGE_ZYNC_POSTGRESQL
                  value: quay.io/sclorg/postgresql-15-c8s
                - name: THREESCALE_DEBUG
                  value: "1"
                - name: RELATED_IMAGE_PINNED
                  value: quay.io/3scale/zync@sha256:AAAA
""".replace("AAAA", "a" * 64)


def test_related_image_env() -> None:
    assert [(r[0], r[2]) for r in scan_rows(RELATED)] == [
        (16, "quay.io/3scale/3scale-operator:latest"),
        (23, "quay.io/3scale/apisonator:latest"),
        (25, "quay.io/sclorg/postgresql-15-c8s"),
        (29, "quay.io/3scale/zync@sha256:" + "a" * 64),
    ]
    assert rule_of(RELATED) == ["PIN001 error", "PIN001 error", "PIN002 error", "-"]
    # Outside a CSV, an env value is the container's business, not an image position.
    plain = RELATED.replace("ClusterServiceVersion", "Something")
    assert [r[0] for r in scan_rows(plain)] == [16]


# noobaa/noobaa-operator@2583ea7a deploy/olm/catalog-source.yaml
CATALOG = """\
apiVersion: operators.coreos.com/v1alpha1
kind: CatalogSource
metadata:
  name: noobaa-operator-catalog
  namespace: default
spec:
  sourceType: grpc
  image: noobaa/noobaa-operator-catalog
"""


def test_catalog_source() -> None:
    assert scan_rows(CATALOG) == [
        (8, 10, "noobaa/noobaa-operator-catalog", "noobaa/noobaa-operator-catalog", None)
    ]
    assert rule_of(CATALOG) == ["PIN002 error"]
