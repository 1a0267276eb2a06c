"""The run step of the GitHub Action (``action.yml``): ``python -m pinlint.action``.

The action needs four things from one pinlint run: the log (annotations by default), the
job summary, a SARIF file for ``github/codeql-action/upload-sarif`` and the number of
findings as a step output.  pinlint runs once with ``--format json --output FILE``; this
module reads that array back and renders every output from it, so the reports cannot
disagree with each other.

Inputs come from the environment (``INPUT_PATHS`` … set by ``env:`` in action.yml, never
pasted into a script) and are checked here.  A ``GITHUB_TOKEN`` in the environment is
turned into a ``ghcr.io`` login in a private Docker config for the pinlint run only; it
is never printed, and it is not in the environment of the pinlint run: the child gets only
the variables it needs (:func:`child_environment`), so that no file of the checked tree
can make it show the runner's secrets.

The SARIF file is written where the workflow asked, but never through a symlink (a pull
request could commit ``results.sarif -> ~/.bashrc``) and never outside the workspace and
the runner's temporary directory.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import shlex
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pinlint.cli import FAIL_ON, FORMATS
from pinlint.model import Finding, Severity

__all__ = [
    "ActionError",
    "Inputs",
    "child_environment",
    "docker_config",
    "main",
    "pinlint_argv",
    "read_findings",
    "write_sarif",
]

GHCR = "ghcr.io"


class ActionError(ValueError):
    """A bad input: the step fails with one annotation saying which."""


def _bool(env: Mapping[str, str], name: str) -> bool:
    value = env.get(f"INPUT_{name}", "").strip().lower()
    if value in ("", "false"):
        return False
    if value == "true":
        return True
    raise ActionError(
        f"input {name.lower().replace('_', '-')} must be true or false, got {value!r}"
    )


def _choice(env: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    value = env.get(f"INPUT_{name}", "").strip() or default
    if value not in choices:
        pretty = name.lower().replace("_", "-")
        raise ActionError(f"input {pretty} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _words(env: Mapping[str, str], name: str) -> list[str]:
    # Whitespace or newlines separate items; quotes keep a path with spaces together.
    try:
        return shlex.split(env.get(f"INPUT_{name}", ""))
    except ValueError as e:
        raise ActionError(f"input {name.lower()}: {e}") from e


@dataclasses.dataclass(frozen=True)
class Inputs:
    paths: list[str]
    resolve: bool = False
    fix: bool = False
    require_digest: bool = False
    format: str = "github"
    sarif_file: str = ""
    fail_on: str = "error"
    config: str = ""
    args: list[str] = dataclasses.field(default_factory=list)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Inputs:
        return cls(
            paths=_words(env, "PATHS") or ["."],
            resolve=_bool(env, "RESOLVE"),
            fix=_bool(env, "FIX"),
            require_digest=_bool(env, "REQUIRE_DIGEST"),
            format=_choice(env, "FORMAT", FORMATS, "github"),
            sarif_file=env.get("INPUT_SARIF_FILE", "").strip(),
            fail_on=_choice(env, "FAIL_ON", FAIL_ON, "error"),
            config=env.get("INPUT_CONFIG", "").strip(),
            args=_words(env, "ARGS"),
        )


def pinlint_argv(inputs: Inputs, json_path: str) -> list[str]:
    """The pinlint command line for ``inputs`` that writes the JSON report to ``json_path``."""
    argv: list[str] = []
    if inputs.fix:
        argv.append("--fix")
    elif inputs.resolve:
        argv.append("--resolve")
    if inputs.require_digest:
        argv.append("--require-digest")
    if inputs.config:
        argv += ["--config", inputs.config]
    argv += ["--fail-on", inputs.fail_on]
    # User arguments go before ours so that ours win: the run step needs JSON in a file.
    argv += inputs.args
    argv += ["--format", "json", "--output", json_path, "--color", "never", "--"]
    argv += inputs.paths
    return argv


def docker_config(env: Mapping[str, str], directory: str) -> str | None:
    """A Docker config directory with a ``ghcr.io`` login from ``GITHUB_TOKEN``.

    Starts from the user's own config (``DOCKER_CONFIG`` or ``~/.docker``), so logins made
    by earlier steps (docker/login-action) keep working, and leaves an existing ``ghcr.io``
    login alone.  Returns None when there is no token or nothing to add.
    """
    token = env.get("GITHUB_TOKEN", "")
    if not token:
        return None
    source_dir = env.get("DOCKER_CONFIG") or os.path.join(os.path.expanduser("~"), ".docker")
    config: dict[str, Any] = {}
    try:
        with open(os.path.join(source_dir, "config.json"), encoding="utf-8") as f:
            loaded = json.load(f)
        if isinstance(loaded, dict):
            config = loaded
    except (OSError, ValueError):
        pass
    auths = config.get("auths")
    if not isinstance(auths, dict):
        auths = config["auths"] = {}
    helpers = config.get("credHelpers")
    if GHCR in auths or (isinstance(helpers, dict) and GHCR in helpers):
        return None
    # ghcr.io takes any user name with a token; the actor is what GitHub's docs show.
    user = env.get("GITHUB_ACTOR") or "x-access-token"
    auths[GHCR] = {"auth": base64.b64encode(f"{user}:{token}".encode()).decode("ascii")}
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = os.path.join(directory, "config.json")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(config, f)
    return directory


# What the pinlint run needs from the runner's environment: finding programs and the home
# directory (credential helpers, the cache), locale and temporary files, proxies and CA
# bundles, and the settings of the credential helpers a workflow may have set up (ECR,
# GCR/Artifact Registry, ACR).  Not GITHUB_TOKEN, ACTIONS_RUNTIME_TOKEN,
# ACTIONS_ID_TOKEN_REQUEST_TOKEN, the other GITHUB_*/RUNNER_* values or the step inputs.
_CHILD_NAMES = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "SYSTEMROOT",
        "SYSTEMDRIVE",
        "COMSPEC",
        "PATHEXT",
        "WINDIR",
        "USERPROFILE",
        "APPDATA",
        "LOCALAPPDATA",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "NO_PROXY",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "REGISTRY_AUTH_FILE",
        "NO_COLOR",
    }
)
_CHILD_PREFIXES = ("LC_", "XDG_", "DOCKER_", "PINLINT_", "AWS_", "AZURE_", "GOOGLE_", "CLOUDSDK_")


def child_environment(env: Mapping[str, str]) -> dict[str, str]:
    """The environment of the pinlint run: the variables it needs, nothing else."""
    return {
        name: value
        for name, value in env.items()
        if name.upper() in _CHILD_NAMES or name.upper().startswith(_CHILD_PREFIXES)
    }


def _within(path: str, directories: Sequence[str]) -> bool:
    real = os.path.realpath(path)
    for directory in directories:
        top = os.path.realpath(directory)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False


def write_sarif(path: str, text: str, allowed: Sequence[str]) -> None:
    """Write ``text`` to ``path``, which must be inside one of ``allowed`` directories.

    The folder is checked once its symlinks are resolved; the file itself is never
    followed: a new file is written beside it and renamed over the name, so a symlink
    there is replaced, not written through.
    """
    import contextlib

    directory = os.path.dirname(path)
    if not _within(directory, allowed):
        raise ActionError(f"sarif-file {path} is outside the workspace and the runner's temp")
    os.makedirs(directory, exist_ok=True)
    if not _within(directory, allowed):  # a component created meanwhile
        raise ActionError(f"sarif-file {path} is outside the workspace and the runner's temp")
    if os.path.islink(path):
        raise ActionError(f"sarif-file {path} is a symlink; refusing to write through it")
    if os.path.lexists(path) and not os.path.isfile(path):
        raise ActionError(f"sarif-file {path} is not a regular file")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".pinlint-sarif-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _relative(path: str, root: str) -> str:
    """``path`` relative to the workspace, with ``/``, as annotations need it."""
    absolute = os.path.abspath(os.path.join(root, path))
    try:
        relative = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows
        return path
    if relative.split(os.sep, 1)[0] == os.pardir:
        return absolute
    return relative.replace(os.sep, "/")


def read_findings(text: str, root: str) -> list[Finding]:
    """Findings back from ``--format json`` (``Finding.as_dict``), paths made relative."""
    findings = []
    for item in json.loads(text):
        end_line, end_column = item.get("end_line"), item.get("end_column")
        findings.append(
            Finding(
                path=_relative(str(item["path"]), root),
                line=int(item["line"]),
                column=int(item["column"]),
                rule=str(item["rule"]),
                severity=Severity(item["severity"]),
                message=str(item["message"]),
                as_written=str(item.get("image") or ""),
                suggestion=item.get("suggestion"),
                end_line=int(end_line) if end_line is not None else None,
                end_column=int(end_column) if end_column is not None else None,
            )
        )
    return findings


def _write_outputs(path: str, outputs: Mapping[str, str]) -> None:
    with open(path, "a", encoding="utf-8", newline="") as f:
        for name, value in outputs.items():
            if "\n" in value or "\r" in value:
                delimiter = f"ghadelimiter_{uuid.uuid4()}"
                f.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
            else:
                f.write(f"{name}={value}\n")


def _error(message: str) -> None:
    from pinlint.report.escape import printable
    from pinlint.report.github import escape_data

    print(f"::error title=pinlint::{escape_data(printable(message))}", flush=True)


def run(env: Mapping[str, str]) -> int:
    """One action run; returns the step's exit code."""
    inputs = Inputs.from_env(env)
    workspace = os.path.abspath(env.get("GITHUB_WORKSPACE") or os.getcwd())
    temp = env.get("RUNNER_TEMP") or tempfile.gettempdir()
    sarif_path = os.path.join(workspace, inputs.sarif_file or os.path.join(temp, "pinlint.sarif"))

    with tempfile.TemporaryDirectory(prefix="pinlint-", dir=temp) as work:
        json_path = os.path.join(work, "findings.json")
        # Not GITHUB_STEP_SUMMARY either: this step writes the summary, not pinlint.
        child_env = child_environment(env)
        config_dir = docker_config(env, os.path.join(work, "docker"))
        if config_dir is not None:
            child_env["DOCKER_CONFIG"] = config_dir
        argv = [sys.executable, "-m", "pinlint", *pinlint_argv(inputs, json_path)]
        sys.stdout.flush()
        code = subprocess.call(argv, cwd=workspace, env=child_env)
        try:
            with open(json_path, encoding="utf-8") as f:
                report = f.read()
        except FileNotFoundError:
            report = None

    if report is None:
        _error(f"pinlint stopped with exit code {code} before reporting; see the log above")
        return code or 2

    from pinlint.report import render

    try:
        findings = read_findings(report, workspace)
    except (ValueError, KeyError, TypeError) as e:
        _error(f"pinlint (exit code {code}) wrote a report this step cannot read: {e}")
        return code if code >= 2 else 2
    sarif_text = render("sarif", findings, root=workspace)

    # The log in the format asked for (the SARIF file is written below, always).
    sys.stdout.write(render(inputs.format, findings, root=workspace))
    sys.stdout.flush()
    summary_path = env.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        from pinlint.report import github

        github.write_summary(findings, summary_path)
    # After the log and the summary: a refused SARIF path still leaves the findings shown.
    write_sarif(sarif_path, sarif_text, [workspace, temp])
    output_path = env.get("GITHUB_OUTPUT")
    if output_path:
        _write_outputs(output_path, {"findings": str(len(findings)), "sarif-file": sarif_path})

    if code >= 2:
        _error(f"pinlint stopped with exit code {code}; see the log above")
        return code
    if code == 1 and inputs.fail_on != "never":
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    if argv:
        print("usage: python -m pinlint.action (inputs come from INPUT_* variables)")
        return 2
    try:
        return run(os.environ)
    except ActionError as e:
        _error(str(e))
        return 2
    except OSError as e:
        _error(f"{e.filename or 'pinlint'}: {e.strerror or e}")
        return 2
    except Exception as e:  # the step fails with a message, not a traceback
        _error(f"internal error: {type(e).__name__}: {e}")
        return 3


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
