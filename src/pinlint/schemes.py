"""Version schemes of well-known images whose exact versions have fewer than three numbers.

The offline rule says a version with fewer than three numeric parts is partial
(``mysql:8.4`` follows every 8.4.x patch).  Some publishers number their releases
otherwise, and for them a two-part (or oddly spelled) tag names one release:

======================================  ============================  ===================
repository                              exact tags                    why
======================================  ============================  ===================
``postgres``                            ``16.4``, ``14.24-bookworm``  since 10, MAJOR.MINOR
                                                                      is a release
``nvcr.io/nvidia/...`` (NGC)            ``23.05-py3``, ``24.01``      YY.MM monthly release
``chrislusf/seaweedfs``                 ``3.80``, ``4.00``            MAJOR.MINOR releases
``centos``                              ``centos7.9.2009``            the full point release
``bitnami/...``                         ``12-debian-12-r50``          ``-rN`` names one
                                                                      immutable build
``jenkins/jenkins``                     ``2.480``, ``2.480-jdk21``    weekly releases are
                                                                      two-part
======================================  ============================  ===================

Every other image keeps the general rule: ``mysql:8.4``, ``ubuntu:24.04``,
``alpine:3.20``, ``postgres:9.6`` and ``postgres:16`` are partial.  A user extends the
table with a table-form ``exact-tags`` setting (repository glob -> tag regex):

.. code-block:: toml

    [tool.pinlint.exact-tags]
    "ghcr.io/mycorp/*" = 'build-[0-9]+'

A repository glob is matched (``fnmatch``, case-sensitive) against the canonical name
(``docker.io/library/postgres``) and the familiar one (``postgres``).  The table is
consulted only for tags the general rule calls partial or moving, so it can only make
pinlint quieter for the repositories it names.
"""

from __future__ import annotations

# Not typing.TYPE_CHECKING (CONTRIBUTING.md, "Start-up budget").
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from collections.abc import Sequence

__all__ = ["SCHEMES", "exact_by_scheme"]

# (repository globs, tag regex that must match the whole tag, where the scheme is stated)
SCHEMES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("docker.io/library/postgres", "*/library/postgres"),
        # 10 and later; 9.6 was a major version and stays partial.
        r"(?:[1-9][0-9])\.[0-9]+(?:-[a-z0-9.]+)*",
        "https://www.postgresql.org/support/versioning/",
    ),
    (
        ("nvcr.io/nvidia/*",),
        r"[0-9]{2}\.(?:0[1-9]|1[0-2])(?:\.[0-9]+)?(?:-[A-Za-z0-9._-]+)?",
        "https://docs.nvidia.com/deeplearning/frameworks/support-matrix/",
    ),
    (
        ("docker.io/chrislusf/seaweedfs",),
        r"[0-9]+\.[0-9]{2}(?:_large_disk)?(?:[-_][a-z0-9_]+)*",
        "https://github.com/seaweedfs/seaweedfs/releases",
    ),
    (
        ("docker.io/library/centos", "quay.io/centos/centos"),
        r"centos[0-9]+\.[0-9]+\.[0-9]+",
        "https://hub.docker.com/_/centos",
    ),
    (
        ("docker.io/bitnami/*", "public.ecr.aws/bitnami/*", "registry-1.docker.io/bitnami/*"),
        r"[0-9][A-Za-z0-9._-]*-r[0-9]+",
        "https://docs.bitnami.com/kubernetes/apps/understand-rolling-tags-containers/",
    ),
    (
        ("docker.io/jenkins/jenkins",),
        r"2\.[0-9]{3,}(?:-[a-z0-9]+)*",
        "https://www.jenkins.io/download/weekly/",
    ),
)


_COMPILED: dict[str, re.Pattern[str]] = {}


def _compiled(rx: str) -> re.Pattern[str]:
    """A scheme's regex, compiled the first time a repository of the scheme is met
    (most runs meet none: compiling them all costs more than the rest of a one-file
    run's tag checks)."""
    pattern = _COMPILED.get(rx)
    if pattern is None:
        import re  # lazy: re

        pattern = _COMPILED[rx] = re.compile(rx)
    return pattern


def _glob_match(name: str, glob: str) -> bool:
    """``fnmatch.fnmatchcase(name, glob)``, without building a regex for the plain
    globs of the table (a name, or one ``*``)."""
    if "?" in glob or "[" in glob or glob.count("*") > 1:
        import fnmatch  # only for the globs a user writes with more than one wildcard

        return fnmatch.fnmatchcase(name, glob)
    if "*" not in glob:
        return name == glob
    head, tail = glob.split("*")
    return len(name) >= len(head) + len(tail) and name.startswith(head) and name.endswith(tail)


def _matches(globs: Sequence[str], names: Sequence[str]) -> bool:
    return any(_glob_match(name, glob) for glob in globs for name in names)


def exact_by_scheme(
    canonical: str,
    familiar: str,
    tag: str,
    scoped: Sequence[tuple[str, str]] = (),
) -> bool:
    """Whether ``tag`` is an exact version in the known scheme of the repository.

    ``canonical`` is ``docker.io/library/postgres``, ``familiar`` is ``postgres``;
    ``scoped`` are the user's ``(repository glob, tag regex)`` pairs.
    """
    names = (canonical, familiar)
    for glob, pattern in scoped:
        if _matches((glob,), names):
            from pinlint import patterns  # the user's: matched with a time limit

            if patterns.fullmatch(pattern, tag):
                return True
    return any(_compiled(rx).fullmatch(tag) is not None for rx in _schemes_of(canonical, familiar))


_OF: dict[tuple[str, str], tuple[str, ...]] = {}
_OF_MAX = 4096  # repositories remembered; a run names far fewer, a hostile tree more


def _schemes_of(canonical: str, familiar: str) -> tuple[str, ...]:
    """The regexes of the table's schemes that claim a repository, found once per
    repository (a tree names the same few repositories thousands of times)."""
    key = (canonical, familiar)
    found = _OF.get(key)
    if found is None:
        if len(_OF) >= _OF_MAX:
            _OF.clear()
        found = _OF[key] = tuple(rx for globs, rx, _ in SCHEMES if _matches(globs, key))
    return found
