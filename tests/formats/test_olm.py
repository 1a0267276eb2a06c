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
