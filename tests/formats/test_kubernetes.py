from __future__ import annotations

import pytest

from pinlint.formats import ScanOptions
from pinlint.formats.yamlfile import scan

Row = tuple[int, int, str, "str | None", str]


def _scan(text: str, path: str = "deploy/app.yaml") -> list[Row]:
    found = scan(path, text, ScanOptions())
    for o in found:
        assert text[o.start : o.end] == o.written
        assert o.path == path
    return [(o.line, o.column, o.written, o.image, o.context) for o in found]


POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: web
    image: nginx:latest
  - name: sidecar
    image: "busybox"
"""

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  annotations:
    example.com/image: nginx:1.0
spec:
  replicas: 2
  template:
    metadata:
      labels: {app: api}
    spec:
      initContainers:
        - name: migrate
          image: 'ghcr.io/acme/api:1.14'
      containers:
        - name: api
          image: ghcr.io/acme/api:1.14.2@DIGEST
          args: ["--image", "not-an-image:latest"]
""".replace("DIGEST", "sha256:" + "0123456789abcdef" * 4)

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: backup}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: backup
            image: postgres:16
"""

EPHEMERAL = """\
apiVersion: v1
kind: Pod
metadata: {name: debug}
spec:
  containers: [{name: app, image: app:1.2.3}]
  ephemeralContainers:
  - {name: debugger, image: busybox:1.36, targetContainerName: app}
"""

POD_TEMPLATE = """\
apiVersion: v1
kind: PodTemplate
metadata: {name: t}
template:
  spec:
    containers:
    - name: a
      image: alpine
"""

LIST = """\
apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: db}
  spec:
    template:
      spec:
        containers:
        - name: db
          image: postgres:16.4
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: c}
  data:
    image: nginx:latest
"""

MULTI_DOC = """\
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: datadog/agent:7
...
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template:
    spec:
      containers:
      - name: a
        image: redis
"""

ARGO = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: hello-
spec:
  entrypoint: main
  templates:
  - name: main
    inputs:
      parameters:
      - name: message
    container:
      image: docker/whalesay:latest
      command: [cowsay]
      args: ["{{inputs.parameters.message}}"]
  - name: gen
    script:
      image: python:3.12-alpine
      source: |
        print("image: nginx:latest")
  - name: param
    container:
      image: "{{inputs.parameters.image}}"
"""

TEKTON = """\
apiVersion: tekton.dev/v1
kind: Task
metadata: {name: build}
spec:
  steps:
  - name: build
    image: gcr.io/kaniko-project/executor:latest
  sidecars:
  - name: registry
    image: registry:2
"""

KNATIVE = """\
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello}
spec:
  template:
    spec:
      containers:
        - image: ghcr.io/knative/helloworld-go
"""

ANCHORS = """\
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  initContainers:
  - &base
    name: init
    image: &img busybox:latest
  containers:
  - <<: *base
    name: main
  - name: other
    image: *img
"""

CRLF = DEPLOYMENT.replace("\n", "\r\n")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            POD,
            [
                (8, 12, "nginx:latest", "nginx:latest", "spec.containers[0].image"),
                (10, 13, "busybox", "busybox", "spec.containers[1].image"),
            ],
            id="pod",
        ),
        pytest.param(
            DEPLOYMENT,
            [
                (
                    15,
                    19,
                    "ghcr.io/acme/api:1.14",
                    "ghcr.io/acme/api:1.14",
                    "spec.template.spec.initContainers[0].image",
                ),
                (
                    18,
                    18,
                    "ghcr.io/acme/api:1.14.2@sha256:" + "0123456789abcdef" * 4,
                    "ghcr.io/acme/api:1.14.2@sha256:" + "0123456789abcdef" * 4,
                    "spec.template.spec.containers[0].image",
                ),
            ],
            id="deployment-init-containers-digest",
        ),
        pytest.param(
            CRONJOB,
            [
                (
                    13,
                    20,
                    "postgres:16",
                    "postgres:16",
                    "spec.jobTemplate.spec.template.spec.containers[0].image",
                )
            ],
            id="cronjob-job-template",
        ),
        pytest.param(
            EPHEMERAL,
            [
                (5, 35, "app:1.2.3", "app:1.2.3", "spec.containers[0].image"),
                (7, 29, "busybox:1.36", "busybox:1.36", "spec.ephemeralContainers[0].image"),
            ],
            id="ephemeral-containers-flow",
        ),
        pytest.param(
            POD_TEMPLATE,
            [(8, 14, "alpine", "alpine", "template.spec.containers[0].image")],
            id="pod-template",
        ),
        pytest.param(
            LIST,
            [
                (
                    12,
                    18,
                    "postgres:16.4",
                    "postgres:16.4",
                    "items[0].spec.template.spec.containers[0].image",
                )
            ],
            id="list-items",
        ),
        pytest.param(
            MULTI_DOC,
            [
                (
                    16,
                    16,
                    "datadog/agent:7",
                    "datadog/agent:7",
                    "spec.template.spec.containers[0].image",
                ),
                (27, 16, "redis", "redis", "spec.template.spec.containers[0].image"),
            ],
            id="multi-document",
        ),
        pytest.param(
            ARGO,
            [
                (
                    13,
                    14,
                    "docker/whalesay:latest",
                    "docker/whalesay:latest",
                    "spec.templates[0].container.image",
                ),
                (
                    18,
                    14,
                    "python:3.12-alpine",
                    "python:3.12-alpine",
                    "spec.templates[1].script.image",
                ),
                # No value for the parameter anywhere in the file: PIN006, not skipped.
                (
                    23,
                    15,
                    "{{inputs.parameters.image}}",
                    None,
                    "spec.templates[param].container.image",
                ),
            ],
            id="argo-workflow",
        ),
        pytest.param(
            TEKTON,
            [
                (
                    7,
                    12,
                    "gcr.io/kaniko-project/executor:latest",
                    "gcr.io/kaniko-project/executor:latest",
                    "spec.steps[0].image",
                ),
                (10, 12, "registry:2", "registry:2", "spec.sidecars[0].image"),
            ],
            id="tekton-steps-sidecars",
        ),
        pytest.param(
            KNATIVE,
            [
                (
                    8,
                    18,
                    "ghcr.io/knative/helloworld-go",
                    "ghcr.io/knative/helloworld-go",
                    "spec.template.spec.containers[0].image",
                )
            ],
            id="knative-service",
        ),
        pytest.param(
            ANCHORS,
            [
                (
                    8,
                    17,
                    "busybox:latest",
                    "busybox:latest",
                    "spec.initContainers[0].image",
                )
            ],
            id="anchors-and-merge-reported-once",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            '  - name: a\n    image: "nginx\\x3alatest"\n',
            [(6, 13, "nginx\\x3alatest", "nginx:latest", "spec.containers[0].image")],
            id="double-quoted-escape-not-verbatim",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            "  - name: a\n    image: |-\n      nginx:1.27\n",
            [(7, 7, "nginx:1.27", "nginx:1.27", "spec.containers[0].image")],
            id="literal-block-scalar",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            "  - name: a\n    image: >\n      nginx:1.27\n",
            [(7, 7, "nginx:1.27", "nginx:1.27\n", "spec.containers[0].image")],
            id="folded-block-scalar-keeps-line-break",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            "  - name: a\n    image: !!str &i\n      # the image\n      nginx\n",
            [(8, 7, "nginx", "nginx", "spec.containers[0].image")],
            id="tag-anchor-comment-before-scalar",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: ünïcødé}\nspec:\n"
            "  containers: [{name: é, image: 'rédis'}]\n",
            [(5, 34, "rédis", "rédis", "spec.containers[0].image")],
            id="non-ascii-offsets-are-characters",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n"
            '  containers: [{name: "\U0001f600", image: "x:1"}]\n',
            [(4, 36, "x:1", "x:1", "spec.containers[0].image")],
            id="astral-characters-count-once",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - image: nginx:latest\n",
            [(5, 12, "nginx:latest", "nginx:latest", "spec.containers[0].image")],
            id="no-metadata",
        ),
    ],
)
def test_kubernetes(text: str, expected: list[Row]) -> None:
    assert _scan(text) == expected


def test_crlf() -> None:
    found = scan("app.yaml", CRLF, ScanOptions())
    assert [(o.line, o.column, o.written) for o in found] == [
        (15, 19, "ghcr.io/acme/api:1.14"),
        (18, 18, "ghcr.io/acme/api:1.14.2@sha256:" + "0123456789abcdef" * 4),
    ]
    for o in found:
        assert CRLF[o.start : o.end] == o.written == o.image


def test_bom() -> None:
    text = "\ufeff" + POD
    found = scan("pod.yaml", text, ScanOptions())
    assert [(o.start, o.line, o.column, o.written) for o in found] == [
        (POD.index("nginx:latest") + 1, 8, 12, "nginx:latest"),
        (POD.index("busybox") + 1, 10, 13, "busybox"),
    ]
    for o in found:
        assert text[o.start : o.end] == o.written


def test_bom_on_first_line() -> None:
    text = '\ufeff{apiVersion: v1, kind: Pod, spec: {containers: [{image: "x:1"}]}}\n'
    [o] = scan("pod.yaml", text, ScanOptions())
    assert text[o.start : o.end] == "x:1"
    assert (o.line, o.column) == (1, 58)  # the BOM is not a column


def test_fixable_flags() -> None:
    text = (
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
        '  - image: "a\\u0062c"\n  - image: nginx\n'
    )
    escaped, plain = scan("pod.yaml", text, ScanOptions())
    assert not escaped.fixable
    assert plain.fixable


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n"
            "    image: nginx:latest\n    containers: [{image: redis}]\n"
            "spec:\n  containers: []\n",
            id="metadata-annotations",
        ),
        pytest.param(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n"
            "  image: nginx:latest\n  app.yaml: |\n    containers:\n    - image: redis\n",
            id="configmap-data",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData:\n"
            "  image: nginx:latest\n",
            id="secret-string-data",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n"
            "  image: nginx\n  selector: {image: nginx}\n",
            id="image-key-outside-containers",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            "  - name: a\n    image:\n  - name: b\n    image: ~\n"
            "  - name: c\n    image: {repository: nginx, tag: latest}\n",
            id="image-null-or-mapping",
        ),
        pytest.param(
            "kind: Pod\nspec:\n  containers:\n  - image: nginx\n",
            id="no-api-version",
        ),
        pytest.param(
            "name: ci\nsteps:\n  - image: nginx:latest\n",
            id="not-kubernetes-not-compose",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            "  - name: a\n    image: {{ .Values.image }}\n"
            "  {{- if .Values.sidecar }}\n  - name: b\n    image: busybox\n  {{- end }}\n",
            id="helm-template",
        ),
        pytest.param(
            "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n"
            '  - name: a\n    image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\n',
            id="helm-template-that-parses",
        ),
        pytest.param(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
            "spec:\n  versions:\n  - schema:\n      openAPIV3Schema:\n        properties:\n"
            "          containers:\n            type: array\n            items:\n"
            "              properties:\n                image: {type: string}\n",
            id="crd-schema",
        ),
    ],
)
def test_kubernetes_noop(text: str) -> None:
    assert _scan(text) == []
