"""The command line: ``pinlint [PATH ...]``, ``--resolve``, ``--fix``.

Only what a run needs is imported (CONTRIBUTING.md, "Start-up budget").
"""

from __future__ import annotations

import os
import sys

from pinlint import __version__
from pinlint.config import PIN_STYLES, Config, ConfigError

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Sequence

    from pinlint import fix, lint, report
    from pinlint.formats import ScanOptions
    from pinlint.model import Finding

FORMATS = ("text", "json", "sarif", "github")
FAIL_ON = ("error", "warning", "never")
COLORS = ("auto", "always", "never")


class UsageError(ValueError):
    """A run that cannot go as asked (a bad command line, output that cannot be
    written): exit 2 with one line."""


class Terminated(KeyboardInterrupt):
    """SIGTERM during --fix: unwinds like Ctrl-C, exit 143 (128 + SIGTERM)."""


# Every option's default, shared by argparse and the fast path below.
_DEFAULTS: dict[str, object] = {
    "paths": [],
    "resolve": False,
    "fix": False,
    "diff": False,
    "format": None,
    "output": None,
    "quiet": False,
    "color": "auto",
    "fail_on": "error",
    "select": None,
    "ignore": None,
    "fail_on_unresolved": None,
    "require_digest": None,
    "pin_style": None,
    "config": None,
    "exclude": [],
    "no_default_excludes": False,
    "build_arg": [],
    "no_cache": False,
    "offline": False,
    "timeout": None,
    "write_baseline": None,
    "baseline": None,
    "list_rules": False,
    "explain": None,
}


def _terminal_width() -> int:
    # What shutil.get_terminal_size does, without importing shutil (and bz2 and lzma
    # behind it), which argparse would do for every option it adds.
    try:
        return int(os.environ["COLUMNS"]) - 2
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns - 2  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 78


def _parser() -> argparse.ArgumentParser:
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> None:  # type: ignore[override]
            # argparse prints usage and exits; we want one line and our own exit code.
            raise UsageError(message)

    def one_of(choices: Sequence[str]) -> Callable[[str], str]:
        # argparse's own message quotes the choices or not depending on Python's patch
        # release (3.12.8 dropped the quotes, later releases put them back): this one is
        # the same on every Python.
        def check(value: str) -> str:
            if value not in choices:
                listed = ", ".join(choices)
                raise argparse.ArgumentTypeError(
                    f"invalid choice: {value!r} (choose from {listed})"
                )
            return value

        return check

    width = _terminal_width()

    class Formatter(argparse.HelpFormatter):
        def __init__(self, prog: str) -> None:
            super().__init__(prog, width=width)

    p = Parser(
        prog="pinlint",
        description="Find container image references that can change under you, and pin them.",
        formatter_class=Formatter,
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    mode = p.add_argument_group("mode")
    mode.add_argument(
        "--resolve", action="store_true", help="ask registries for exact versions and digests"
    )
    mode.add_argument("--fix", action="store_true", help="resolve and rewrite files in place")
    mode.add_argument("--diff", action="store_true", help="with --fix: print a diff, write nothing")
    out = p.add_argument_group("output")
    out.add_argument(
        "--format", type=one_of(FORMATS), choices=FORMATS, help="output format (default: text)"
    )
    out.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    out.add_argument("--quiet", "-q", action="store_true", help="print findings only")
    out.add_argument(
        "--color", type=one_of(COLORS), choices=COLORS, default="auto", help="colour the text"
    )
    out.add_argument(
        "--fail-on",
        type=one_of(FAIL_ON),
        choices=FAIL_ON,
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    rules = p.add_argument_group("rules")
    rules.add_argument(
        "--select",
        metavar="RULES",
        action="append",
        help="rule ids, names or prefixes (comma list; repeats add up)",
    )
    rules.add_argument(
        "--ignore",
        metavar="RULES",
        action="append",
        help="rule ids, names or prefixes (comma list; repeats add up)",
    )
    rules.add_argument(
        "--require-digest",
        action="store_true",
        default=None,
        help="report exact tags without digest",
    )
    rules.add_argument(
        "--pin-style", type=one_of(PIN_STYLES), choices=PIN_STYLES, help="how --fix writes a pin"
    )
    rules.add_argument("--config", metavar="FILE", help="pyproject.toml or .pinlint.toml to use")
    rules.add_argument(
        "--exclude",
        metavar="GLOB",
        action="append",
        default=[],
        help="skip matching paths and directories (comma list; repeats add up)",
    )
    rules.add_argument(
        "--no-default-excludes",
        action="store_true",
        help="also read vendor/, node_modules/ and third_party/ trees",
    )
    rules.add_argument(
        "--build-arg",
        metavar="KEY=VALUE",
        action="append",
        default=[],
        help="Dockerfile ARG value, as docker build takes it",
    )
    net = p.add_argument_group("registries")
    net.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    net.add_argument(
        "--offline", action="store_true", help="answer from the cache only; never use the network"
    )
    net.add_argument(
        "--timeout",
        metavar="SECONDS",
        help="seconds to wait for one registry request (default 10; config: timeout, "
        "run-timeout for the whole run, default 120)",
    )
    net.add_argument(
        "--fail-on-unresolved",
        action="store_true",
        default=None,
        help="exit 1 when a reference could not be checked (registry down, not in the cache)",
    )
    base = p.add_argument_group("baseline")
    base.add_argument("--write-baseline", metavar="FILE", help="record today's findings")
    base.add_argument("--baseline", metavar="FILE", help="report only findings not in FILE")
    info = p.add_argument_group("information")
    info.add_argument("--version", action="version", version=f"pinlint {__version__}")
    info.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    info.add_argument("--explain", metavar="RULE", help="explain a rule and exit")
    p.set_defaults(**_DEFAULTS)
    return p


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The options; argparse only when there is an option to parse.

    pre-commit runs ``pinlint FILE ...`` (and the pinlint-fix hook ``pinlint --fix FILE
    ...``): for a command line of paths alone, after at most one mode, the defaults are
    all there is to know, and argparse (with gettext and locale) costs a one-file run a
    fifth of its time.
    """
    mode = argv[0][2:] if argv and argv[0] in ("--fix", "--resolve") else None
    paths = argv[1:] if mode else argv
    if all(not arg.startswith("-") for arg in paths):
        values = {k: list(v) if isinstance(v, list) else v for k, v in _DEFAULTS.items()}
        values["paths"] = list(paths)
        if mode:
            values[mode] = True
        return _Namespace(values)  # type: ignore[return-value]
    return _parser().parse_args(argv)


class _Namespace:
    """The options of the fast path, as attributes: ``types.SimpleNamespace`` without
    importing ``types``."""

    def __init__(self, values: dict[str, object]) -> None:
        self.__dict__.update(values)


def _split(values: Sequence[str] | None) -> list[str]:
    """A list option's values: each occurrence of the flag a comma list, all added up."""
    return [v.strip() for value in values or () for v in value.split(",") if v.strip()]


def _run_config_path(args: argparse.Namespace) -> str | None:
    """The config of the run: ``--config``, else the nearest one to the working
    directory, else the nearest one to the first path.  It alone decides the per-run
    settings (``registry-mirrors``, ``insecure-registries``, ``cache-ttl``,
    ``concurrency``, ``pin-style``, ``default-excludes``, ``fail-on-unresolved``), so
    that they do not depend on the order of the paths."""
    from pinlint import config as configmod

    if args.config:
        return str(args.config)
    paths = args.paths or ["."]
    return configmod.find_config(".") or configmod.find_config(paths[0])


def _config(args: argparse.Namespace, path: str) -> Config:
    """The config at ``path`` ("": none) with the command line over it."""
    from pinlint import config as configmod
    from pinlint import rules

    cfg = configmod.load(path) if path else Config()
    if args.select is not None:
        cfg.select = _split(args.select)
        # The command line's selection wins over the config's require-digest: PIN005
        # only when selected there or asked for with --require-digest.
        cfg.require_digest = False
    if args.ignore is not None:
        cfg.ignore = _split(args.ignore)
    if args.require_digest:
        cfg.require_digest = True
    if args.fail_on_unresolved:
        cfg.fail_on_unresolved = True
    if args.pin_style:
        cfg.pin_style = args.pin_style
    cfg.exclude = [*cfg.exclude, *_split(args.exclude)]
    if args.no_default_excludes:
        cfg.default_excludes = False
    if args.timeout is not None:
        try:
            seconds = float(args.timeout)
        except ValueError:
            raise UsageError(f"--timeout takes a number of seconds, got {args.timeout!r}") from None
        try:
            cfg.timeout = configmod.check_timeout("--timeout", seconds)
        except ConfigError as e:
            raise UsageError(str(e)) from None
        # The run's deadline is never shorter than one request's.
        cfg.run_timeout = max(cfg.run_timeout, cfg.timeout)
    cfg.no_cache = args.no_cache
    cfg.offline = args.offline
    for item in args.build_arg:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--build-arg takes KEY=VALUE, got {item!r}")
        cfg.build_args[key] = value
    unknown = rules.unknown_rule_ids([*(cfg.select or []), *cfg.ignore])
    if unknown:
        raise ConfigError(_unknown_rule(unknown[0]))
    if cfg.exact_tag_patterns or cfg.exact_tag_schemes:
        from pinlint import patterns

        for pattern in [*cfg.exact_tag_patterns, *cfg.exact_tag_schemes.values()]:
            patterns.check(pattern)
    return cfg


def _config_for(
    args: argparse.Namespace, run_cfg: Config, run_path: str | None
) -> Callable[[str], Config] | None:
    """Each file's config: the nearest ``.pinlint.toml`` or ``pyproject.toml`` with
    ``[tool.pinlint]`` to the file (hierarchical, as ruff; never above the repository's
    root), the command line over it.  None with ``--config``, which governs every file."""
    if args.config:
        return None
    from pinlint import config as configmod

    found: dict[str, str | None] = {}  # directory -> its nearest config
    loaded: dict[str | None, Config] = {run_path: run_cfg}

    def config_for(path: str) -> Config:
        config_path = configmod.find_config(os.path.dirname(os.path.abspath(path)), found)
        cfg = loaded.get(config_path)
        if cfg is None:
            # "": no config for this file, the defaults and the command line.
            cfg = loaded[config_path] = _config(args, config_path or "")
        return cfg

    return config_for


def _unknown_rule(rule_id: str) -> str:
    return f"unknown rule {rule_id!r} (see pinlint --list-rules)"


def _list_rules() -> str:
    from pinlint.rules import RULES

    lines = []
    for rule in RULES.values():
        default = rule.severity.value if rule.enabled else "off"
        online = " (--resolve)" if rule.online else ""
        lines.append(f"{rule.id}  {rule.name:<22} {default:<8} {rule.summary}{online}")
    return "\n".join(lines) + "\n"


def _explain(rule_id: str) -> str:
    from pinlint import rules

    rule = rules.lookup(rule_id)
    if rule is None:
        raise UsageError(_unknown_rule(rule_id))
    default = rule.severity.value if rule.enabled else "off by default"
    parts = [f"{rule.id} {rule.name} ({default})", rule.summary, rule.explanation]
    if rule.online:
        parts.append("Needs --resolve: it asks the registry.")
    if rule.id in (rules.MOVING_TAG.id, rules.PARTIAL_VERSION.id, rules.MISSING_DIGEST.id):
        parts.append(_EXACT_TAGS)
    # A directive silences the findings of a reference: not a file that does not parse,
    # nor a directive itself.
    of_file = rule.id in (rules.PARSE_ERROR.id, rules.UNUSED_IGNORE.id)
    parts.append((_SILENCE_FILE if of_file else _SILENCE).format(id=rule.id, name=rule.name))
    return "\n\n".join(parts) + "\n"


_EXACT_TAGS = """\
Which tags count as exact: a version of three or more numeric parts (1.27.3,
v2.53.0, 3.12.7-slim-bookworm), a version with a numeric build suffix, a date stamp
(20240101), and the version schemes of well-known images with fewer parts (postgres 16.4,
NVIDIA NGC 24.05-py3, ...). Add your own in the configuration:
    exact-tags = ["^build-[0-9]+$"]                     # patterns for every image
    exact-tags = {"mycorp/*" = "^[0-9]+\\.[0-9]+$"}      # per repository glob"""

_SILENCE = """\
Silence it:
  one line     # pinlint: ignore[{id}]  at the end of the line (YAML), or alone on the
               line above (YAML and Dockerfiles: Dockerfiles have no end-of-line comments)
  everywhere   ignore = ["{id}"] in [tool.pinlint] or .pinlint.toml, or --ignore {id}
  one image    allow = ["mycorp/*:dev"] in the configuration
Rules are named by id or name: --ignore {name} works too."""

_SILENCE_FILE = """\
Silence it:
  everywhere   ignore = ["{id}"] in [tool.pinlint] or .pinlint.toml, or --ignore {id}
  one file     exclude = ["path/to/file"] in the configuration, or --exclude
A # pinlint: ignore directive does not silence it.
Rules are named by id or name: --ignore {name} works too."""


def _use_color(choice: str, stream: object) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def _run(argv: Sequence[str] | None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.list_rules:
        _write_out(_list_rules())
        return 0
    if args.explain:
        _write_out(_explain(args.explain))
        return 0
    if args.diff and not args.fix:
        raise UsageError("--diff goes with --fix")
    if args.offline and args.no_cache:
        raise UsageError("--offline answers from the cache; it cannot go with --no-cache")
    paths = args.paths or ["."]
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"{path}: no such file or directory")
    run_path = _run_config_path(args)
    cfg = _config(args, run_path or "")
    if args.output:
        _check_writable(args.output)
    if cfg.pin_style == "tag" and cfg.require_digest:
        print(
            "pinlint: warning: pin-style 'tag' writes no digest, so --fix leaves every "
            "PIN005 (require-digest) finding in place",
            file=sys.stderr,
        )

    from pinlint import lint

    fmt = args.format
    if fmt is None:
        fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    stream = _stream(args, fmt, paths)
    result = lint.lint_paths(
        paths,
        cfg,
        keep_occurrences=args.resolve or args.fix,
        config_for=_config_for(args, cfg, run_path),
        online=args.resolve or args.fix,
        stream=stream.add if stream is not None else None,
    )
    findings = result.findings
    # A file named on the command line that no source reads: say so rather than let
    # "No findings." suggest it was checked.
    unread = _unread_files(paths, cfg.exclude)
    for path in unread:
        from pinlint.report.escape import printable

        print(printable(f"pinlint: {path}: not a file pinlint reads"), file=sys.stderr)
    threshold = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[args.fail_on]
    if result.streamed:
        assert stream is not None
        # The findings are written: what is left is the output's end.
        stream.close(skipped=result.default_excluded, read=result.files_read(), unread=len(unread))
        failed = any(severity in threshold for severity in stream.severities)
        return max(2 if result.read_errors else 0, 1 if failed else 0)
    notes: list[str] = []  # lines after the summary (stderr for machine formats)
    fix_line: str | None = None  # with --fix, the summary line: what was fixed, what remains

    changed = False
    unchecked: list[str] = []
    if args.resolve or args.fix:
        from pinlint import drift

        progress = args.format in (None, "text") and sys.stderr.isatty() and not args.quiet
        # Each file's own config decides its rules and allow in the online pass too, and
        # its build args when the fixer scans it again; the run's config the registries.
        findings = drift.resolve_findings(
            result.occurrences,
            findings,
            cfg,
            progress=progress,
            unchecked=unchecked,
            settings_for=result.settings_for if result.own_settings else None,
        )
        if args.fix:
            from pinlint import fix

            restore = None if args.diff else _terminate_like_interrupt()
            try:
                outcome = fix.fix_findings(
                    findings,
                    cfg,
                    diff=args.diff,
                    roots=paths,
                    kinds=result.kinds(),
                    options=result.settings.scan if result.settings is not None else None,
                    options_for=_scan_options(result),
                )
            finally:
                if restore is not None:
                    restore()
            findings = outcome.remaining
            changed = outcome.changed
            if args.diff:
                # The diff is the whole of stdout, so that it can be piped to `git apply`;
                # what it could not fix goes to stderr, and fails the run as it would
                # fail a lint: a "check pins" job built on --diff must not pass silently.
                from pinlint.report import render

                _write_out(outcome.diff)
                if findings:
                    sys.stderr.write(render("text", findings, quiet=True))
                    if not args.quiet:
                        print(_fix_summary(outcome, findings, would=True), file=sys.stderr)
                code = 1 if changed else 0
                if any(f.severity.value in threshold for f in findings):
                    code = 1
                if cfg.fail_on_unresolved and unchecked:
                    code = 1
                return max(code, 2 if result.read_errors else 0)
            if outcome.fixed or findings:
                fix_line = _fix_summary(outcome, findings, would=False)

    if args.baseline:
        # After resolving, so that online findings (PIN102, drift) are baselined too.
        from pinlint import baseline

        before = len(findings)
        findings = baseline.filter_new(findings, baseline.read(args.baseline))
        hidden = before - len(findings)
        if hidden:
            notes.append(
                f"{hidden} finding{'s' if hidden != 1 else ''} hidden by the baseline "
                f"{args.baseline}."
            )

    if args.write_baseline:
        from pinlint import baseline

        baseline.write(args.write_baseline, findings)
        n = len(findings)
        print(f"Wrote {n} finding{'s' if n != 1 else ''} to {args.write_baseline}")
        return 2 if result.read_errors else 0

    if cfg.fail_on_unresolved and unchecked:
        n = len(unchecked)
        notes.append(
            f"{n} reference{'s' if n != 1 else ''} could not be checked (--fail-on-unresolved)."
        )

    stream_color = _use_color(args.color, sys.stdout if not args.output else None)
    from pinlint.report import render

    # Paths are shown relative to the working directory, and so are SARIF's: code
    # scanning resolves them against the repository root, where the action runs.
    report = render(
        fmt,
        findings,
        root=".",
        color=stream_color,
        quiet=args.quiet,
        skipped=result.default_excluded,
        summary=fix_line,
        notes=notes,
        read=result.files_read(),
        unread=len(unread),
    )
    if fmt != "text" and not args.quiet:
        # Machine formats stay parseable: what a person should know goes to stderr (what
        # --fix rewrote is there already, as `Rewriting <path>` lines).
        for note in notes:
            print(note, file=sys.stderr)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8", newline="") as f:
                f.write(report)
        except OSError as e:
            raise UsageError(f"{args.output}: cannot write: {e.strerror}") from e
    else:
        _write_out(report)
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        from pinlint.report import github

        github.write_summary(findings, os.environ["GITHUB_STEP_SUMMARY"])

    code = 2 if result.read_errors else 0
    if changed:
        code = max(code, 1)
    if any(f.severity.value in threshold for f in findings):
        code = max(code, 1)
    if cfg.fail_on_unresolved and unchecked:
        code = max(code, 1)
    return code


def _stream(args: argparse.Namespace, fmt: str, paths: Sequence[str]) -> report.Stream | None:
    """The output written as the findings come, file by file, for a directory (a run of
    files named, as pre-commit names them, holds few findings) when nothing but the
    offline pass decides it: not with ``--resolve``/``--fix`` (they need every
    finding), a baseline, ``--output`` (a file is written whole or not at all), or
    GitHub's step summary (written from all the findings)."""
    if args.resolve or args.fix or args.baseline or args.write_baseline or args.output:
        return None
    if not any(os.path.isdir(path) for path in paths):
        return None
    if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
        return None
    from pinlint.report import stream

    color = _use_color(args.color, sys.stdout)
    return stream(fmt, _write_out, root=".", color=color, quiet=args.quiet)


def _write_out(text: str) -> None:
    """``text`` to stdout.  A write that fails (a full disk) is one line and exit 2; a
    reader that went away (``pinlint | head``) is :func:`main`'s to handle."""
    try:
        sys.stdout.write(text)
    except BrokenPipeError:
        raise
    except OSError as e:
        raise UsageError(f"cannot write the output: {e.strerror}") from e


def _scan_options(result: lint.LintResult) -> Callable[[str], ScanOptions | None] | None:
    """Each file's scan options (its own config's build args), for the fixer; None when
    every file has the run's."""
    if not result.own_settings:
        return None
    own = result.own_settings

    def options_for(path: str) -> ScanOptions | None:
        settings = own.get(path)
        return settings.scan if settings is not None else None

    return options_for


def _terminate_like_interrupt() -> Callable[[], None] | None:
    """SIGTERM (CI cancelling a job) ends the run as Ctrl-C does: through the fixer's
    clean-up, which removes its temporary file, instead of killing it half-way.

    Returns what puts the previous handler back: :func:`main` also runs inside other
    programs (and the test suite), where a SIGTERM handler left behind would reach every
    process they fork later (multiprocessing's workers are stopped with SIGTERM).
    """
    import signal

    def interrupt(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except (ValueError, OSError):  # not the main thread: the default stays
        return None

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def _unread_files(paths: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The files among ``paths`` (not directories) that no source claims."""
    from pinlint import discover
    from pinlint.formats import classify

    return [
        path
        for path in paths
        if not os.path.isdir(path)
        and not discover.is_excluded(os.path.normpath(path), exclude)
        and classify(os.path.normpath(path)) is None
    ]


def _check_writable(path: str) -> None:
    """Refuse an ``--output`` that cannot be written, before any work (or any --fix)."""
    if os.path.isdir(path):
        raise UsageError(f"{path}: --output is a directory")
    parent = os.path.dirname(path) or "."
    if not os.path.isdir(parent):
        raise UsageError(f"{path}: --output directory {parent} does not exist")
    target = path if os.path.exists(path) else parent
    if not os.access(target, os.W_OK):
        raise UsageError(f"{path}: --output is not writable")


def _fix_summary(outcome: fix.Outcome, remaining: Sequence[Finding], *, would: bool) -> str:
    """``Fixed 3 findings in 2 files; 1 remains.``"""
    n, m, k = outcome.fixed, outcome.files, len(remaining)
    verb = "Would fix" if would else "Fixed"
    rest = "nothing remains" if k == 0 else f"{k} remain{'s' if k == 1 else ''}"
    return f"{verb} {n} finding{'s' if n != 1 else ''} in {m} file{'s' if m != 1 else ''}; {rest}."


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except (UsageError, ConfigError) as e:
        from pinlint.report.escape import printable

        print(printable(f"pinlint: {e}"), file=sys.stderr)
        return 2
    except Terminated:
        return 143
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `pinlint | head`: the reader went away; nothing left to say.
        sys.stderr.close()
        return 1
    except Exception:
        import traceback

        traceback.print_exc()
        print(
            "pinlint: internal error; please report it with the traceback above",
            file=sys.stderr,
        )
        return 3


def run() -> int:
    """The console entry point (``pinlint`` and ``python -m pinlint``): :func:`main`, then
    end the process without the interpreter's shutdown.

    Shutdown tears down every module and object the run created and runs one last full
    garbage collection, although the process is about to end and nothing of it matters:
    ~4 M instructions, about 1 ms of a ~20 ms one-file pre-commit run.  Once the output
    is flushed and no other thread or child process is left (a run joins its workers and
    saves its cache before :func:`main` returns), the process ends with ``os._exit``.
    Otherwise the heap is frozen, which skips the last collection at least.  Not in
    :func:`main`, which tests and other callers use in a process that goes on.
    """
    code = main()
    note = ""
    try:
        if not sys.stdout.closed:
            sys.stdout.flush()
    except BrokenPipeError:
        code = 1  # ``pinlint | head``: the reader went away, as in main()
    except OSError as e:
        # A full disk or a failing device: the output is not whole, and the exit says so.
        code, note = 2, f"pinlint: cannot write the output: {e.strerror}\n"
    try:
        if not sys.stderr.closed:
            sys.stderr.write(note)
            sys.stderr.flush()
    except OSError:
        code = max(code, 2)  # nowhere left to say anything
    threading = sys.modules.get("threading")
    mp = sys.modules.get("multiprocessing")
    if (threading is None or threading.active_count() == 1) and (
        mp is None or not mp.active_children()
    ):
        os._exit(code)
    import gc

    gc.freeze()
    return code
