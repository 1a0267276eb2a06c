"""Write a deterministic tree of Dockerfiles, compose files and Kubernetes manifests.

The tree looks like a monorepo of many small projects: about 40% Dockerfiles, 25%
compose files and 35% Kubernetes manifests by count, in nested directories, about
500 bytes per file on average (10,000 files make about 5 MB).

Image references follow the mix of a repository that already uses pinlint, i.e. mostly
pinned (weights in ``KIND_WEIGHTS``):

- 70% pinned: 65% ``tag@sha256:…`` (Renovate style: the tag is exact, partial or moving)
  and 5% ``name@sha256:…``;
- 15% exact tags without a digest (no finding unless --require-digest);
- 15% floating: 4% ``:latest``, 3% no tag, 3% a moving tag (``alpine``, ``lts``, …),
  5% a partial version (``3.12-slim``, ``v3.1``, ``24.04``);
- about 1% of compose images come from a variable with no value or default.

Alongside the references the tree holds what a scanner must not report: stage names
(``FROM build``, ``COPY --from=build``, ``COPY --from=0``), ``scratch``, compose
``build:`` services, image-like text in ConfigMap ``data`` and in ``metadata``.

The same seed and file count always give the same bytes.  ``expected`` in the stats
counts the findings of the offline default rules that the generator put in the tree,
as a sanity check of a lint run, not as a specification.

    python bench/gen_tree.py OUTDIR [--files 10000] [--seed 1] [--stats FILE]
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import os
import random
import sys
from collections.abc import Sequence

# (name, exact tags, partial tags, moving tags).  "latest" and "no tag" apply to all.
IMAGES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        "python",
        ("3.12.7-slim-bookworm", "3.11.10", "3.13.0-alpine3.20"),
        ("3.12-slim", "3", "3.11"),
        ("slim", "alpine", "bookworm"),
    ),
    (
        "node",
        ("20.11.1-alpine3.19", "22.11.0", "18.20.4-bookworm-slim"),
        ("20-alpine", "22"),
        ("lts", "lts-alpine", "current"),
    ),
    (
        "nginx",
        ("1.27.3", "1.27.3-alpine", "1.26.2-alpine-slim"),
        ("1.27", "1"),
        ("mainline", "stable-alpine", "alpine"),
    ),
    ("redis", ("7.4.1", "7.2.6-alpine"), ("7", "7.4-alpine"), ("alpine", "bookworm")),
    ("bitnami/postgresql", ("16.4.0-debian-12-r14", "15.8.0"), ("16", "16.4"), ()),
    (
        "golang",
        ("1.23.2-bookworm", "1.22.8-alpine3.20"),
        ("1.23", "1.22-alpine"),
        ("alpine", "bookworm"),
    ),
    ("alpine", ("3.20.3", "3.19.4"), ("3.20", "3"), ("edge",)),
    ("ubuntu", (), ("24.04", "22.04"), ("noble", "jammy", "rolling")),
    ("debian", (), ("12-slim", "12.8"), ("bookworm-slim", "stable-slim")),
    ("gcr.io/distroless/static-debian12", (), (), ("nonroot", "debug")),
    ("ghcr.io/acme/api", ("1.14.2", "2.0.0-rc1"), ("1.14", "2"), ("main", "edge")),
    ("ghcr.io/acme/worker", ("0.31.7",), ("0.31",), ("main",)),
    ("quay.io/prometheus/prometheus", ("v2.53.0", "v2.54.1"), ("v2.53",), ("main",)),
    ("registry.k8s.io/ingress-nginx/controller", ("v1.11.3",), ("v1.11",), ()),
    (
        "mcr.microsoft.com/dotnet/aspnet",
        ("8.0.10-bookworm-slim", "8.0.10"),
        ("8.0", "8.0-alpine"),
        (),
    ),
    (
        "123456789012.dkr.ecr.eu-west-1.amazonaws.com/payments/ledger",
        ("4.2.1",),
        ("4.2",),
        ("staging",),
    ),
    ("localhost:5000/tools/builder", ("0.9.12",), ("0.9",), ("nightly",)),
    ("docker.io/library/busybox", ("1.37.0", "1.36.1-musl"), ("1.37", "1"), ("musl", "glibc")),
    ("bitnami/kafka", ("3.8.1",), ("3.8",), ()),
    ("grafana/grafana", ("11.3.1",), ("11",), ("main",)),
    ("traefik", ("v3.2.1",), ("v3.1", "v3"), ()),
)
SYNTAX_IMAGE = ("docker/dockerfile", ("1.10.0", "1.9.0"), ("1", "1.10"), ("labs",))

# kind -> weight in percent, and the offline rule a reference of that kind triggers.
# KIND_WEIGHTS: a repository that already uses pinlint; FLOATING_WEIGHTS (``--floating``):
# one that has not started (most references float, about three findings a file).
FLOATING_WEIGHTS = {
    "pinned": 8,
    "digest-only": 2,
    "exact": 15,
    "latest": 20,
    "no-tag": 15,
    "moving": 15,
    "partial": 25,
}
KIND_WEIGHTS = {
    "pinned": 65,
    "digest-only": 5,
    "exact": 15,
    "latest": 4,
    "no-tag": 3,
    "moving": 3,
    "partial": 5,
}
# ``clean``: every reference pinned by digest (no offline finding), for the files that
# scale a tree without adding findings (``bench_lint.py --scale-clean``).
CLEAN_WEIGHTS = {"pinned": 90, "digest-only": 10}
KIND_RULE = {
    "pinned": None,
    "digest-only": None,
    "exact": None,
    "latest": "PIN001",
    "no-tag": "PIN002",
    "moving": "PIN003",
    "partial": "PIN004",
}
SHARE = {"dockerfile": 40, "compose": 25, "kubernetes": 35}
FILES_PER_PROJECT = 20


@dataclasses.dataclass(frozen=True)
class Ref:
    text: str
    name: str
    tag: str | None
    digest: str | None
    kind: str

    @property
    def rule(self) -> str | None:
        return KIND_RULE[self.kind]


class Gen:
    def __init__(self, seed: int, weights: dict[str, int] | None = None) -> None:
        self.rng = random.Random(seed)
        self.weights = weights or KIND_WEIGHTS
        self.expected: collections.Counter[str] = collections.Counter()
        self.kinds: collections.Counter[str] = collections.Counter()

    # -- references -------------------------------------------------------------------

    def digest(self) -> str:
        return f"sha256:{self.rng.getrandbits(256):064x}"

    def ref(
        self, image: tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]] | None = None
    ) -> Ref:
        rng = self.rng
        kind = rng.choices(list(self.weights), weights=list(self.weights.values()))[0]
        pool = [image] if image else list(IMAGES)
        name, exact, partial, moving = rng.choice(pool)
        if kind == "exact" and not exact:
            kind = "pinned"
        if kind == "partial" and not partial:
            kind = "latest"
        if kind == "moving" and not moving:
            kind = "no-tag"
        tag: str | None
        digest: str | None = None
        if kind == "pinned":
            # Renovate pins whatever tag was there; most of them exact.
            choices = [*exact * 6, *partial * 3, *moving, "latest"]
            tag = rng.choice(choices)
            digest = self.digest()
        elif kind == "digest-only":
            tag, digest = None, self.digest()
        elif kind == "exact":
            tag = rng.choice(exact)
        elif kind == "latest":
            tag = "latest"
        elif kind == "no-tag":
            tag = None
        elif kind == "moving":
            tag = rng.choice(moving)
        else:
            tag = rng.choice(partial)
        text = name + (f":{tag}" if tag else "") + (f"@{digest}" if digest else "")
        return Ref(text, name, tag, digest, kind)

    def count(self, ref: Ref) -> None:
        """Record a reference that a scanner must report (when its kind has a rule)."""
        self.kinds[ref.kind] += 1
        if ref.rule:
            self.expected[ref.rule] += 1

    def quote(self, text: str) -> str:
        r = self.rng.random()
        if r < 0.15:
            return f'"{text}"'
        if r < 0.22:
            return f"'{text}'"
        return text

    def words(self, lo: int, hi: int) -> str:
        return " ".join(self.rng.choice(_WORDS) for _ in range(self.rng.randint(lo, hi)))

    # -- Dockerfile -------------------------------------------------------------------

    def dockerfile(self, svc: str) -> str:
        rng = self.rng
        out: list[str] = []
        if rng.random() < 0.35:
            ref = self.ref(SYNTAX_IMAGE)
            self.count(ref)
            out.append(f"# syntax={ref.text}")
        if rng.random() < 0.4:
            out.append(f"# {svc}: {self.words(3, 12)}")
        stages = rng.choices([1, 2, 3], weights=[45, 40, 15])[0]
        # A global ARG feeds the first FROM in about a third of the files.
        mode = rng.choices(["literal", "whole", "tag", "default"], weights=[62, 15, 17, 6])[0]
        base = self.ref()
        self.count(base)
        first: str
        if mode == "whole":
            out.append(f"ARG BASE_IMAGE={base.text}")
            first = "${BASE_IMAGE}"
        elif mode == "tag" and base.tag and base.tag.lstrip("v")[:1].isdigit():
            var = base.name.rsplit("/", 1)[-1].upper().replace("-", "_") + "_VERSION"
            out.append(f"ARG {var}={base.tag}")
            first = f"{base.name}:${{{var}}}" + (f"@{base.digest}" if base.digest else "")
        elif mode == "default":
            out.append("ARG BASE_IMAGE")
            first = f"${{BASE_IMAGE:-{base.text}}}"
        else:
            first = base.text
        if rng.random() < 0.3:
            out.append("ARG APP_VERSION=0.0.0")
        names = ["build", "deps", "test", "runtime"]
        for i in range(stages):
            last = i == stages - 1
            if i == 0:
                image = first
            elif last and rng.random() < 0.12:
                image = "scratch"
            elif rng.random() < 0.1:
                image = names[0]  # a stage built on an earlier stage: never a finding
            else:
                ref = self.ref()
                self.count(ref)
                image = ref.text
            stage = f" AS {names[i]}" if not last else (" AS final" if rng.random() < 0.5 else "")
            out.append("")
            if i == 0 and rng.random() < 0.15:
                out.append(f"FROM --platform=$BUILDPLATFORM \\\n    {image}{stage}")
            else:
                kw = "FROM" if rng.random() < 0.95 else "from"
                out.append(f"{kw} {image}{stage}")
            out.extend(self._dockerfile_body(svc, i, last, stages))
        return "\n".join(out) + "\n"

    def _dockerfile_body(self, svc: str, i: int, last: bool, stages: int) -> list[str]:
        rng = self.rng
        body: list[str] = []
        if not last or stages == 1:
            body.append(f"WORKDIR /src/{svc}")
            if rng.random() < 0.5:
                body.append(
                    "COPY go.mod go.sum ./" if rng.random() < 0.5 else "COPY requirements.txt ./"
                )
            if rng.random() < 0.4:
                body.append(
                    "RUN apt-get update \\\n"
                    " && apt-get install -y --no-install-recommends ca-certificates curl \\\n"
                    " && rm -rf /var/lib/apt/lists/*"
                )
            else:
                body.append(
                    f"RUN make {rng.choice(['build', 'deps', 'all'])} VERSION=${{APP_VERSION:-dev}}"
                )
            if rng.random() < 0.12:
                ref = self.ref()
                self.count(ref)
                body.append(
                    f"RUN --mount=type=bind,from={ref.text},source=/bin,target=/mnt/t ls /mnt/t"
                )
            return body
        body.append("WORKDIR /app")
        if stages > 1:
            src = rng.choice(["build", "0"])
            body.append(f"COPY --from={src} /src/{svc}/out /app")
        if rng.random() < 0.25:
            ref = self.ref()
            self.count(ref)
            body.append(f"COPY --from={ref.text} /usr/local/bin/tool /usr/local/bin/tool")
        if rng.random() < 0.4:
            body.append(f"ENV {svc.upper()}_PORT=8080 LOG_LEVEL=info")
        if rng.random() < 0.3:
            body.append(f'LABEL org.opencontainers.image.description="{self.words(2, 6)}"')
        body.append("EXPOSE 8080")
        body.append("USER 65532:65532")
        body.append(f'ENTRYPOINT ["/app/{svc}"]')
        return body

    # -- compose ----------------------------------------------------------------------

    def compose(self, project: str) -> str:
        rng = self.rng
        out: list[str] = []
        if rng.random() < 0.2:
            out.append(f"# {project}: {self.words(3, 8)}")
        if rng.random() < 0.3:
            out.append('version: "3.9"')
        anchor_image: Ref | None = None
        merged = False  # an x- extension that no service merges is not used by compose
        has_anchor = rng.random() < 0.4
        if has_anchor:
            out.append("x-defaults: &defaults")
            out.append("  restart: unless-stopped")
            out.append("  logging:")
            out.append("    options: {max-size: 10m}")
            if rng.random() < 0.3:
                anchor_image = self.ref()
                out.append("x-worker: &worker")
                out.append(f"  image: {self.quote(anchor_image.text)}")
                out.append("  command: [worker, --queue, default]")
        out.append("services:")
        n = rng.randint(1, 4)
        for s in range(n):
            name = rng.choice(_SERVICES) + (str(s) if s else "")
            out.append(f"  {name}:")
            merge = ["*defaults"] if has_anchor and rng.random() < 0.5 else []
            r = rng.random()
            if anchor_image is not None and 0.2 <= r < 0.3:
                merge.append("*worker")
                if not merged:
                    self.count(anchor_image)  # reported once, where it is written
                    merged = True
            if merge:
                out.append(
                    f"    <<: {merge[0] if len(merge) == 1 else '[' + ', '.join(merge) + ']'}"
                )
            if r < 0.15:
                out.append("    build: .")
                if rng.random() < 0.5:
                    # The image a build produces: not a finding.
                    out.append(f"    image: {project}/{name}:dev")
            elif r < 0.2:
                out.append("    build:")
                out.append(f"      context: ./services/{name}")
                out.append("      args: {APP_VERSION: 1.0.0}")
            elif anchor_image is not None and r < 0.3:
                pass  # the image comes from x-worker
            else:
                out.append(f"    image: {self._compose_image(name)}")
            if rng.random() < 0.4:
                out.append('    ports: ["8080:8080"]')
            if rng.random() < 0.3:
                out.append("    environment:")
                out.append(f"      {name.upper()}_URL: http://{name}:8080")
            if s and rng.random() < 0.4:
                out.append("    depends_on: [" + rng.choice(_SERVICES) + "]")
        if rng.random() < 0.2:
            out.append("volumes:")
            out.append("  data: {}")
        return "\n".join(out) + "\n"

    def _compose_image(self, service: str) -> str:
        rng = self.rng
        r = rng.random()
        if r < 0.01 and self.weights is not CLEAN_WEIGHTS:
            self.expected["PIN006"] += 1
            return "ghcr.io/acme/app:${APP_TAG}"
        ref = self.ref()
        self.count(ref)
        if r < 0.12:
            var = service.upper().replace("-", "_") + "_IMAGE"
            return f"${{{var}:-{ref.text}}}"
        if r < 0.17 and ref.tag and not ref.digest:
            var = service.upper().replace("-", "_") + "_TAG"
            return f"{ref.name}:${{{var}:-{ref.tag}}}"
        return self.quote(ref.text)

    # -- Kubernetes -------------------------------------------------------------------

    def manifests(self, app: str) -> str:
        rng = self.rng
        docs: list[str] = []
        r = rng.random()
        if r < 0.12:
            docs.append(self._service(app))
            if rng.random() < 0.5:
                docs.append(self._configmap(app))
        else:
            kind = rng.choices(
                ["Deployment", "StatefulSet", "DaemonSet", "CronJob", "Job", "Pod"],
                weights=[50, 12, 8, 14, 8, 8],
            )[0]
            docs.append(self._workload(kind, app))
            if rng.random() < 0.25:
                docs.append(self._service(app))
            if rng.random() < 0.12:
                docs.append(self._configmap(app))
        text = "\n---\n".join(docs) + "\n"
        return ("---\n" + text) if rng.random() < 0.2 else text

    def _meta(self, kind: str, app: str, api: str) -> list[str]:
        lines = [f"apiVersion: {api}", f"kind: {kind}", "metadata:", f"  name: {app}"]
        if self.rng.random() < 0.5:
            lines.append("  labels:")
            lines.append(f"    app.kubernetes.io/name: {app}")
            if self.rng.random() < 0.3:
                # Image-like text in metadata is never a finding.
                lines.append("  annotations:")
                lines.append("    example.com/built-from: nginx:latest")
        return lines

    def _service(self, app: str) -> str:
        lines = self._meta("Service", app, "v1")
        lines += [
            "spec:",
            f"  selector: {{app: {app}}}",
            "  ports:",
            "  - port: 80",
            "    targetPort: 8080",
        ]
        return "\n".join(lines)

    def _configmap(self, app: str) -> str:
        lines = self._meta("ConfigMap", f"{app}-config", "v1")
        lines += [
            "data:",
            "  LOG_LEVEL: info",
            "  sidecar.yaml: |",
            "    image: busybox:latest",  # text, not a container: never a finding
            "    args: [sleep, infinity]",
        ]
        return "\n".join(lines)

    def _containers(self, app: str, indent: str) -> list[str]:
        rng = self.rng
        lines: list[str] = []
        if rng.random() < 0.25:
            ref = self.ref()
            self.count(ref)
            lines.append(f"{indent}initContainers:")
            if rng.random() < 0.5:
                lines.append(
                    f"{indent}- {{name: init, image: {self.quote(ref.text)}, args: [init]}}"
                )
            else:
                lines.append(f"{indent}- name: migrate")
                lines.append(f"{indent}  image: {self.quote(ref.text)}")
                lines.append(f"{indent}  args: [migrate, up]")
        lines.append(f"{indent}containers:")
        for c in range(rng.choices([1, 2, 3], weights=[65, 28, 7])[0]):
            ref = self.ref()
            self.count(ref)
            if c and rng.random() < 0.5:
                lines.append(f'{indent}- {{name: sidecar{c}, image: "{ref.text}"}}')
                continue
            lines.append(f"{indent}- name: {app if not c else f'sidecar{c}'}")
            lines.append(f"{indent}  image: {self.quote(ref.text)}")
            if rng.random() < 0.5:
                lines.append(f"{indent}  ports: [{{containerPort: 8080}}]")
            if rng.random() < 0.4:
                lines.append(f"{indent}  resources: {{limits: {{memory: 256Mi}}}}")
            if rng.random() < 0.3:
                lines.append(f"{indent}  env:")
                lines.append(f"{indent}  - {{name: LOG_LEVEL, value: info}}")
                lines.append(f"{indent}  - name: SERVICE_NAME")
                lines.append(f"{indent}    value: {app}")
        return lines

    def _workload(self, kind: str, app: str) -> str:
        rng = self.rng
        api = {"CronJob": "batch/v1", "Job": "batch/v1", "Pod": "v1"}.get(kind, "apps/v1")
        lines = self._meta(kind, app, api)
        lines.append("spec:")
        if kind == "Pod":
            lines += self._containers(app, "  ")
        elif kind == "CronJob":
            lines += [
                f'  schedule: "{rng.randint(0, 59)} * * * *"',
                "  jobTemplate:",
                "    spec:",
                "      template:",
                "        spec:",
            ]
            lines.append("          restartPolicy: OnFailure")
            lines += self._containers(app, "          ")
        elif kind == "Job":
            lines += ["  template:", "    spec:", "      restartPolicy: Never"]
            lines += self._containers(app, "      ")
        else:
            if kind != "DaemonSet":
                lines.append(f"  replicas: {rng.randint(1, 5)}")
            lines += [
                f"  selector: {{matchLabels: {{app: {app}}}}}",
                "  template:",
                "    metadata:",
            ]
            lines += [f"      labels: {{app: {app}}}", "    spec:"]
            lines += self._containers(app, "      ")
        return "\n".join(lines)


_WORDS = (
    "build", "cache", "release", "deploy", "service", "worker", "queue", "api", "edge",
    "gateway", "internal", "payments", "ledger", "search", "index", "metrics", "logs", "batch",
    "nightly", "job",
)  # fmt: skip
_SERVICES = ("web", "api", "worker", "db", "cache", "queue", "proxy", "search", "metrics", "mail")


def generate(
    out_dir: str, files: int = 10_000, seed: int = 1, floating: bool = False, clean: bool = False
) -> dict[str, object]:
    """Write ``files`` files under ``out_dir`` and return statistics about them
    (``floating``: most references float, ``FLOATING_WEIGHTS``; ``clean``: every
    reference pinned by digest, ``CLEAN_WEIGHTS``)."""
    gen = Gen(seed, CLEAN_WEIGHTS if clean else FLOATING_WEIGHTS if floating else None)
    rng = gen.rng
    n_docker = round(files * SHARE["dockerfile"] / 100)
    n_compose = round(files * SHARE["compose"] / 100)
    slots = ["d"] * n_docker + ["c"] * n_compose + ["k"] * (files - n_docker - n_compose)
    rng.shuffle(slots)
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for p in range(0, len(slots), FILES_PER_PROJECT):
        project = f"proj{p // FILES_PER_PROJECT:04d}"
        group = rng.choice(["apps", "platform", "services", "tools"])
        root = os.path.join(out_dir, group, f"team{rng.randint(0, 24):02d}", project)
        seen = collections.Counter[str]()
        for kind in slots[p : p + FILES_PER_PROJECT]:
            seen[kind] += 1
            i = seen[kind]
            svc = f"svc{i}"
            if kind == "d":
                rel = rng.choice(
                    [
                        f"services/{svc}/Dockerfile",
                        f"services/{svc}/Dockerfile",
                        f"docker/{svc}.Dockerfile",
                        f"docker/Dockerfile.{svc}",
                        f"images/{svc}/Containerfile",
                    ]
                )
                text = gen.dockerfile(svc)
                counts["dockerfile"] += 1
            elif kind == "c":
                rel = rng.choice(
                    [
                        f"docker-compose.{svc}.yml",
                        f"compose/compose.{svc}.yaml",
                        f"compose/docker-compose.{svc}.yml",
                        f"env/{svc}/docker-compose.override.yml",
                    ]
                )
                text = gen.compose(project)
                counts["compose"] += 1
            else:
                env = rng.choice(["base", "staging", "prod"])
                rel = rng.choice(
                    [
                        f"deploy/k8s/{env}/{svc}.yaml",
                        f"deploy/k8s/{env}/{svc}-workload.yml",
                        f"k8s/{svc}.yaml",
                    ]
                )
                text = gen.manifests(f"{project}-{svc}")
                counts["kubernetes"] += 1
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = text.encode()
            with open(path, "wb") as f:
                f.write(data)
            total += len(data)
    return {
        "files": sum(counts.values()),
        "directories": sum(len(dirs) for _, dirs, _ in os.walk(out_dir)),
        "bytes": total,
        "by_format": dict(sorted(counts.items())),
        "references": dict(sorted(gen.kinds.items())),
        "expected": dict(sorted(gen.expected.items())),
        "seed": seed,
        "floating": floating,
    }


def big_manifest(path: str, size: int = 6_000_000, seed: int = 1, floating: bool = True) -> int:
    """Write one multi-document Kubernetes manifest of about ``size`` bytes (the
    manifests of the tree, one app after another, ``---`` between them); returns the
    number of documents."""
    gen = Gen(seed, FLOATING_WEIGHTS if floating else None)
    parts: list[str] = []
    total = documents = 0
    app = 0
    while total < size:
        text = gen.manifests(f"app{app:05d}")
        if text.startswith("---\n"):
            text = text[4:]
        parts.append(text)
        documents += text.count("\n---\n") + 1
        total += len(text) + 4
        app += 1
    with open(path, "w", encoding="utf-8") as f:
        f.write("---\n".join(parts))
    return documents


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="directory to write (created; must be empty or absent)")
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--floating", action="store_true", help="mostly floating references")
    parser.add_argument("--stats", help="also write the statistics as JSON to this file")
    args = parser.parse_args(argv)
    if os.path.isdir(args.out_dir) and os.listdir(args.out_dir):
        print(f"{args.out_dir}: not empty", file=sys.stderr)
        return 2
    stats = generate(args.out_dir, args.files, args.seed, args.floating)
    print(json.dumps(stats, indent=2))
    if args.stats:
        with open(args.stats, "w") as f:
            json.dump(stats, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
