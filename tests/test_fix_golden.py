"""``pinlint --fix`` against a real registry: golden ``(before, after)`` files.

Each ``tests/data/fix/<format>/<case>.before`` is linted, resolved and fixed by the
command line, and the file must then be byte for byte ``<case>.after``; ``--fix --diff``
must write nothing and print a diff that ``git apply`` and ``patch`` turn into the same
bytes; a second ``--fix`` must change nothing.

The goldens name seeded repositories and digests with placeholders, substituted in
both files before the run (repository names are fresh on every run, and so is the
registry's port):

- ``{{nginx}}``, ``{{team/api}}``: the name as a user writes a Docker Hub image
  (``nginx-7``, ``team/api-7``).  Docker Hub is the local registry here, through
  ``registry-mirrors``: so a fix keeping ``nginx`` as ``nginx`` (and not writing
  ``docker.io/library/nginx``) is checked end to end;
- ``{{registry}}``: the registry's own ``127.0.0.1:PORT``, for references that name it;
- ``{{nginx@1.27.3}}``: the digest of what was pushed under that tag, as the harness
  computed it from the bytes it pushed (not as pinlint resolved it); ``{{nginx@1.27.3!hex}}``
  the same without ``sha256:``.

A case with a ``<case>.files`` folder gets its files beside the one fixed (a chart's
``Chart.yaml`` next to its values).
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from pathlib import Path

import pytest

from pinlint import reference
from pinlint.cli import main
from registry_server import Registry

DATA = Path(__file__).parent / "data" / "fix"

# What each repository holds: (tags of one multi-arch index, content that makes it unique).
SEEDS: dict[str, list[tuple[list[str], str]]] = {
    "nginx": [
        (["latest", "mainline", "1.27.3", "1.27", "1"], "nginx mainline"),
        (["stable", "1.26.2", "1.26"], "nginx stable"),
        (["alpine", "1.27.3-alpine", "1.27-alpine"], "nginx alpine"),
    ],
    "node": [
        (["20-alpine", "20.18-alpine", "20.18.1-alpine"], "node alpine"),
        (["latest", "20", "20.18", "20.18.1"], "node"),
    ],
    "redis": [(["latest", "7", "7.4", "7.4.1"], "redis")],
    "python": [(["3.12-slim", "3.12.8-slim"], "python slim"), (["3.12", "3.12.8"], "python")],
    "busybox": [(["latest", "1", "1.37", "1.37.0"], "busybox")],
    "docker/dockerfile": [(["1", "1.12", "1.12.1"], "frontend")],
    "team/api": [(["main"], "api main"), (["1", "1.4", "1.4.2"], "api release")],
    "envoyproxy/envoy": [(["v1.31", "v1.31.2"], "envoy")],
}


@dataclasses.dataclass(frozen=True)
class Seeded:
    host: str
    names: dict[str, str]  # placeholder -> name as written ("nginx-7", "team/api-7")
    digests: dict[tuple[str, str], str]  # (placeholder, tag) -> digest


def seed(registry: Registry) -> Seeded:
    """Push ``SEEDS`` into fresh repositories of ``registry``."""
    names: dict[str, str] = {}
    digests: dict[tuple[str, str], str] = {}
    for name, indexes in SEEDS.items():
        # Official images live under library/ on Docker Hub, and so on the mirror.
        repo = registry.new_repo(name if "/" in name else f"library/{name}")
        names[name] = repo.removeprefix("library/")
        for tags, content in indexes:
            index = registry.push_index(repo, tags, content=content)
            for tag in tags:
                digests[name, tag] = index.digest
    return Seeded(registry.host, names, digests)


@pytest.fixture(scope="module")
def seeded(registry_session: Registry) -> Seeded:
    return seed(registry_session)


_PLACEHOLDER = re.compile(r"\{\{([a-z0-9/._-]+)(?:@([A-Za-z0-9._-]+))?(!hex)?\}\}")


# Argo's own expressions (``{{item.tag}}``, ``{{inputs.parameters.x}}``) are the file's text.
_ARGO = re.compile(r"\{\{(?:item|inputs|workflow|tasks|steps)[.}]")
_GO_ACTION = re.compile(r"\{\{[ -]")


def expand(text: str, seeded: Seeded) -> str:
    def sub(m: re.Match[str]) -> str:
        name, tag = m.group(1), m.group(2)
        if _ARGO.match(m.group(0)):
            return m.group(0)
        if tag is not None:
            digest = seeded.digests[name, tag]
            # "!hex": without "sha256:", as charts that take a `sha` value write it.
            return digest.split(":", 1)[1] if m.group(3) else digest
        return seeded.host if name == "registry" else seeded.names[name]

    return _PLACEHOLDER.sub(sub, text)


def golden(path: Path, seeded: Seeded) -> bytes:
    # Bytes in, bytes out: the BOM, CRLF and a missing final newline pass untouched.
    text = expand(path.read_bytes().decode("utf-8"), seeded)
    # Workflow expressions (``${{ matrix.image }}``), Argo's and Go template actions
    # (``{{ if .input.x }}``, ``{{- end }}``: a space or dash after the braces, which no
    # placeholder has) are the file's own text.
    own = _GO_ACTION.sub("", _ARGO.sub("", text.replace("${{", "")))
    assert "{{" not in own, path
    return text.encode("utf-8")


pytestmark = pytest.mark.usefixtures("isolated")


def project(
    root: Path, seeded: Seeded, name: str, content: bytes, config: str = "", case: str = ""
) -> Path:
    """A project folder with ``content`` as ``name``; Docker Hub is the local registry."""
    root.mkdir(parents=True, exist_ok=True)
    files = DATA / f"{case}.files"
    if case and files.is_dir():
        for extra in files.iterdir():
            (root / extra.name).write_bytes(golden(extra, seeded))
    (root / ".pinlint.toml").write_text(
        f'registry-mirrors = {{"docker.io" = "http://{seeded.host}"}}\n{config}'
    )
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)  # ``.circleci/config.yml``
    path.write_bytes(content)
    if name.startswith("templates/"):
        # A chart's template named alone, as a pre-commit hook does in its repository:
        # the Chart.yaml a directory up is the repository's.
        subprocess.run(["git", "init", "-q"], cwd=root, check=True, capture_output=True)
    return path


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, cwd: Path, *argv: str
) -> tuple[int, str, str]:
    with monkeypatch.context() as m:
        m.chdir(cwd)
        code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def apply_with(tool: list[str], root: Path, diff: str) -> None:
    subprocess.run(tool, cwd=root, input=diff.encode(), check=True, capture_output=True)


CASES = [
    pytest.param("dockerfile/basics", "Dockerfile", id="dockerfile-basics"),
    pytest.param("dockerfile/continuations", "Dockerfile", id="dockerfile-continuations"),
    pytest.param("dockerfile/escape-backtick", "Dockerfile", id="dockerfile-escape-backtick"),
    pytest.param("dockerfile/arg-defaults", "Dockerfile", id="dockerfile-arg-defaults"),
    pytest.param("dockerfile/crlf-bom", "Dockerfile", id="dockerfile-crlf-bom"),
    pytest.param("compose/services", "compose.yaml", id="compose-services"),
    pytest.param("compose/crlf-bom", "docker-compose.yml", id="compose-crlf-bom"),
    pytest.param("kubernetes/workloads", "workloads.yaml", id="kubernetes-workloads"),
    pytest.param("kubernetes/crlf-bom", "pod.yaml", id="kubernetes-crlf-bom"),
    pytest.param("compose/build-extras", "compose.yaml", id="compose-build-extras"),
    pytest.param("workflows/jobs", ".github/workflows/ci.yml", id="workflows-jobs"),
    pytest.param("actions/docker", "action.yml", id="actions-docker"),
    pytest.param("gitlab/pipeline", ".gitlab-ci.yml", id="gitlab-pipeline"),
    pytest.param("devcontainer/image", ".devcontainer/devcontainer.json", id="devcontainer"),
    pytest.param("tekton/task", "task.yaml", id="tekton-task"),
    pytest.param("bake/targets", "docker-bake.hcl", id="bake-targets"),
    pytest.param("cloudbuild/steps", "cloudbuild.yaml", id="cloudbuild-steps"),
    pytest.param("cloudbuild/json", "cloudbuild.json", id="cloudbuild-json"),
    pytest.param("drone/pipelines", ".drone.yml", id="drone-pipelines"),
    pytest.param("drone/template", ".drone.yml", id="drone-go-template-lines"),
    pytest.param("woodpecker/anchors-crlf", ".woodpecker/test.yaml", id="woodpecker-anchors-crlf"),
    pytest.param("woodpecker/envsubst", ".woodpecker.yml", id="woodpecker-envsubst-defaults"),
    pytest.param("woodpecker/matrix", ".woodpecker.yml", id="woodpecker-matrix"),
    pytest.param("circleci/config", ".circleci/config.yml", id="circleci-config"),
    pytest.param("bitbucket/pipelines", "bitbucket-pipelines.yml", id="bitbucket-pipelines"),
    pytest.param("azure/pipeline", "azure-pipelines.yml", id="azure-pipeline"),
    pytest.param("helm/chart", "values.yaml", id="helm-values"),
    pytest.param("helm/template", "templates/job.yaml", id="helm-template-lines"),
    pytest.param("kustomize/overlay", "kustomization.yaml", id="kustomize-images"),
    pytest.param("gitops/helmrelease", "release.yaml", id="flux-helmrelease-values"),
    pytest.param("gitops/application", "app.yaml", id="argocd-application-values"),
    pytest.param("argo/withparam", "workflow.yaml", id="argo-withparam-items"),
    pytest.param("skaffold/config", "skaffold.yaml", id="skaffold-config"),
    pytest.param("olm/csv", "app.clusterserviceversion.yaml", id="olm-csv"),
]


@pytest.mark.parametrize(("case", "name"), CASES)
def test_golden(
    case: str,
    name: str,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = golden(DATA / f"{case}.before", seeded)
    after = golden(DATA / f"{case}.after", seeded)
    assert before != after

    # --fix --diff: nothing written; the diff, applied by git and by patch, is the fix.
    for tool in (["git", "apply", "-"], ["patch", "-p1", "--quiet"]):
        root = tmp_path / f"diff-{tool[0]}"
        path = project(root, seeded, name, before, case=case)
        code, out, err = run(capsys, monkeypatch, root, "--fix", "--diff", name)
        assert (code, err) == (1, "")
        assert out.startswith(f"--- a/{name}\n+++ b/{name}\n@@ ")
        assert path.read_bytes() == before
        apply_with(tool, root, out)
        assert path.read_bytes() == after, tool[0]

    # --fix: the file is rewritten in place, only where the goldens say.
    root = tmp_path / "fix"
    path = project(root, seeded, name, before, case=case)
    code, out, _ = run(capsys, monkeypatch, root, "--format", "json", name)
    floating = len(json.loads(out))
    code, out, err = run(capsys, monkeypatch, root, "--fix", name)
    assert (code, err) == (1, f"Rewriting {name}\n")
    # Every offline finding fixed, in the one file.
    plural = "s" if floating != 1 else ""
    assert out == f"Fixed {floating} finding{plural} in 1 file; nothing remains.\n"
    assert path.read_bytes() == after

    # Idempotent: a second run finds nothing to do and says so with exit 0.
    code, out, err = run(capsys, monkeypatch, root, "--fix", name)
    assert (code, out, err) == (0, "No findings; 1 file read.\n", "")
    assert path.read_bytes() == after


@pytest.mark.parametrize(
    ("style", "left"),
    [
        pytest.param("tag+digest", "", id="tag+digest"),
        pytest.param("digest", "", id="digest"),
        # Nothing more specific than `main`: pinning by tag alone cannot fix it.
        pytest.param("tag", "Dockerfile:3:6: PIN003", id="tag"),
    ],
)
def test_pin_styles(
    style: str,
    left: str,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = golden(DATA / "pin-style/Dockerfile.before", seeded)
    after = golden(DATA / f"pin-style/Dockerfile.{style}.after", seeded)
    path = project(tmp_path, seeded, "Dockerfile", before)
    code, out, err = run(capsys, monkeypatch, tmp_path, "--fix", "--pin-style", style, "Dockerfile")
    assert (code, err) == (1, "Rewriting Dockerfile\n")
    assert out.startswith(left)
    assert out.endswith("remains.\n")
    assert path.read_bytes() == after
    code, out, err = run(capsys, monkeypatch, tmp_path, "--fix", "--pin-style", style, "Dockerfile")
    assert path.read_bytes() == after
    assert err == ""
    if left:
        assert code == 1
        assert out.startswith(left)
    else:
        assert (code, out) == (0, "No findings; 1 file read.\n")


@pytest.mark.parametrize(
    "written",
    [
        pytest.param("{name}", id="short"),
        pytest.param("{name}:latest", id="short-tag"),
        pytest.param("library/{name}:latest", id="library"),
        pytest.param("docker.io/library/{name}:latest", id="docker.io"),
        pytest.param("index.docker.io/library/{name}:latest", id="index.docker.io"),
    ],
)
def test_the_name_keeps_its_spelling(
    written: str,
    seeded: Seeded,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    image = written.format(name=seeded.names["nginx"])
    name = image.rpartition(":")[0] if image.endswith(":latest") else image
    digest = seeded.digests["nginx", "latest"]
    path = project(tmp_path, seeded, "Dockerfile", f"FROM {image}\n".encode())
    code, _, err = run(capsys, monkeypatch, tmp_path, "--fix", "Dockerfile")
    assert (code, err) == (1, "Rewriting Dockerfile\n")
    assert path.read_text() == f"FROM {name}:1.27.3@{digest}\n"


def test_with_pin_keeps_the_spelling() -> None:
    digest = "sha256:" + "a" * 64
    for written in ("nginx", "library/nginx", "docker.io/library/nginx", "Registry.Example:5000/a"):
        ref = reference.parse(f"{written}:latest")
        assert ref.with_pin("1.27.3", digest) == f"{written}:1.27.3@{digest}"
        assert ref.with_pin(None, digest) == f"{written}@{digest}"
        assert ref.with_pin("1.27.3", None) == f"{written}:1.27.3"
