"""Image references, parsed and normalised as docker does.

This follows ``github.com/distribution/reference`` (``regexp.go``, ``normalize.go``,
``reference.go``) and the digest checks of ``github.com/opencontainers/go-digest``
v1.0.0, so that a reference pinlint accepts is one ``docker pull`` accepts, and the
other way round.  :func:`parse` is ``ParseNormalizedNamed``: ``nginx`` is
``docker.io/library/nginx``.

Grammar (from ``reference.go``)::

    reference        := name [ ":" tag ] [ "@" digest ]
    name             := [domain '/'] remote-name
    domain           := host [':' port-number]
    host             := domain-name | IPv4address | \\[ IPv6address \\]
    domain-name      := domain-component ['.' domain-component]*
    domain-component := /([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])/
    port-number      := /[0-9]+/
    path-component   := alpha-numeric [separator alpha-numeric]*
    remote-name      := path-component ['/' path-component]*
    alpha-numeric    := /[a-z0-9]+/
    separator        := /[_.]|__|[-]+/
    tag              := /[\\w][\\w.-]{0,127}/
    digest           := algorithm ":" hex   (hex: at least 32 hex digits)

This module runs for every reference in a tree, and on every pre-commit call: the
grammar is checked with string methods, not a compiled expression (see ``_match``),
results are memoised, and it imports nothing beyond :mod:`pinlint.model`.
"""

from __future__ import annotations

from pinlint.model import Frozen, memoised

__all__ = ["InvalidReference", "Reference", "is_checked_digest", "is_tag", "parse"]

DEFAULT_DOMAIN = "docker.io"
_LEGACY_DEFAULT_DOMAIN = "index.docker.io"
_OFFICIAL_REPO_PREFIX = "library/"
# Upstream (since v0.6.0) limits the repository path, not the domain: a long registry
# host must not make a valid repository invalid.
# https://github.com/distribution/reference/pull/9
REPOSITORY_NAME_MAX_LENGTH = 255

# Go's regexp has no backtracking; Python's does.  The grammar has no nested
# quantifiers that blow up, but a bound keeps a pathological input (a 1 MB line in an
# image position) cheap.  The longest valid reference is far below it: host (253) +
# port + path (255) + tag (128) + a sha512 digest (135).
_MAX_INPUT_LENGTH = 4096

# The grammar is checked by hand rather than by one regular expression: compiling the
# expression costs about as much as the rest of a one-Dockerfile run (~1 ms, 5 M
# instructions, on every pre-commit call), and the grammar is simple enough to check
# with string methods.  tests/test_reference.py compares the two on generated text.
_ALNUM_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_ALPHA = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ALNUM = _ALPHA | frozenset("0123456789")
_PATH_CHARS = _ALNUM_LOWER | frozenset("._-")
# Separators between the letters and digits of a path component: one period, one or
# two underscores, or any number of dashes.  Every other run contains one of these.
_BAD_SEPARATORS = ("..", "._", "_.", ".-", "-.", "_-", "-_", "___")
_HOST_CHARS = _ALNUM | frozenset("-")
_DIGITS = frozenset("0123456789")
_HEX_LOWER = "0123456789abcdef"
_HEX = frozenset("0123456789abcdefABCDEF")
_IPV6_CHARS = _HEX | frozenset(":")
# ``\w`` in the grammar is ASCII only (Go), unlike in Python's ``str`` patterns.
_TAG_CHARS = _ALNUM | frozenset("_.-")
_TAG_MAX = 128
_DIGEST_SEPARATORS = str.maketrans("-_+", "...")
_HEX_MIN = 32
# go-digest's looser syntax, ``[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+``: it
# separates "unsupported algorithm" from "bad format".
_GO_ENCODED_CHARS = _ALNUM | frozenset("=_-")


def _is_path(text: str) -> bool:
    """``remote-name``: path components separated by ``/``."""
    for component in text.split("/"):
        if (
            not component
            or component[0] not in _ALNUM_LOWER
            or component[-1] not in _ALNUM_LOWER
            or not _PATH_CHARS.issuperset(component)
        ):
            return False
        if len(component) > 2 and any(bad in component for bad in _BAD_SEPARATORS):
            return False
    return True


def _is_domain(text: str) -> bool:
    """``domain``: a DNS-like host or a bracketed IPv6 address, then an optional port."""
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            return False
        address, port = text[1:close], text[close + 1 :]
        if not address or not _IPV6_CHARS.issuperset(address):
            return False
    else:
        host, colon, port = text.partition(":")
        port = colon + port
        for component in host.split("."):
            if (
                not component
                or component[0] == "-"
                or component[-1] == "-"
                or not _HOST_CHARS.issuperset(component)
            ):
                return False
    return not port or (port[0] == ":" and len(port) > 1 and _DIGITS.issuperset(port[1:]))


def is_tag(text: str) -> bool:
    """A tag of the grammar: ``[\\w][\\w.-]{0,127}``, ``\\w`` ASCII only."""
    return 0 < len(text) <= _TAG_MAX and text[0] not in ".-" and _TAG_CHARS.issuperset(text)


def _is_digest(text: str) -> bool:
    """The grammar's digest: ``algorithm ":" hex``, at least 32 hex digits."""
    algorithm, colon, encoded = text.partition(":")
    if not colon or len(encoded) < _HEX_MIN or not _HEX.issuperset(encoded):
        return False
    for component in algorithm.translate(_DIGEST_SEPARATORS).split("."):
        if not component or component[0] not in _ALPHA or not _ALNUM.issuperset(component):
            return False
    return True


def _is_go_digest(text: str) -> bool:
    algorithm, colon, encoded = text.partition(":")
    if not colon or not encoded or not _GO_ENCODED_CHARS.issuperset(encoded):
        return False
    for component in algorithm.translate(_DIGEST_SEPARATORS).split("."):
        if not component or not _ALNUM_LOWER.issuperset(component):
            return False
    return True


def _match(text: str) -> tuple[str, bool, str | None, str | None] | None:
    """The whole text against the grammar: (name, whether a domain was matched, tag,
    digest), or None.  The domain is the part before the first ``/`` when it is a valid
    host and a valid path follows it, as a backtracking match of the grammar finds."""
    rest, at, digest = text.partition("@")
    if at and not _is_digest(digest):
        return None
    colon = rest.rfind(":")
    tag = None
    # A tag holds no ``/`` and no ``:``: a last ``:`` with no ``/`` after it starts the
    # tag (a port is always followed by the path).
    if colon >= 0 and "/" not in rest[colon:]:
        rest, tag = rest[:colon], rest[colon + 1 :]
        if not is_tag(tag):
            return None
    first, slash, path = rest.partition("/")
    if slash and _is_domain(first) and _is_path(path):
        return rest, True, tag, digest if at else None
    if _is_path(rest):
        return rest, False, tag, digest if at else None
    return None


# Algorithms docker accepts, with the hex length of each (go-digest's ``Size() * 2``).
_DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


class InvalidReference(ValueError):
    """Text that is not an image reference; ``str()`` says what is wrong."""

    def __init__(self, reason: str, text: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = text


class Reference(Frozen):
    """A parsed reference: the user's spelling plus docker's normalised form.

    Immutable, hashable, compared by value and pickled whole (see ``Frozen``).
    """

    __slots__ = ("digest", "domain", "name", "path", "tag")

    def __init__(
        self, name: str, tag: str | None, digest: str | None, domain: str, path: str
    ) -> None:
        # parse() is memoised and hands the same object to every caller: no writes after
        # this point (see __setattr__).
        setter = object.__setattr__
        setter(self, "name", name)  # the name exactly as written, without tag or digest
        setter(self, "tag", tag)
        setter(self, "digest", digest)  # "sha256:..."
        setter(self, "domain", domain)  # normalised registry: "docker.io", "localhost:5000"
        setter(self, "path", path)  # normalised repository path: "library/nginx", "a/b"

    name: str
    tag: str | None
    digest: str | None
    domain: str
    path: str

    def __str__(self) -> str:
        return self.with_pin(self.tag, self.digest)

    @property
    def familiar(self) -> str:
        """docker's ``FamiliarName``: ``nginx``, ``user/app``, ``ghcr.io/a/b``."""
        if self.domain != DEFAULT_DOMAIN:
            return f"{self.domain}/{self.path}"
        if self.path.startswith(_OFFICIAL_REPO_PREFIX):
            rest = self.path[len(_OFFICIAL_REPO_PREFIX) :]
            # Only one level: "library/foo/bar" stays as it is, as upstream does.
            if "/" not in rest:
                return rest
        return self.path

    @property
    def canonical(self) -> str:
        """The fully qualified name: ``docker.io/library/nginx``."""
        return f"{self.domain}/{self.path}"

    def with_pin(self, tag: str | None, digest: str | None) -> str:
        """This name as the user wrote it, with ``tag`` and ``digest`` (either may be None)."""
        text = self.name
        if tag is not None:
            if not is_tag(tag):
                raise InvalidReference("invalid tag format", tag)
            text += f":{tag}"
        if digest is not None:
            if not _is_digest(digest):
                raise InvalidReference("invalid digest format", digest)
            _check_digest(digest, digest)
            text += f"@{digest}"
        return text


def _split_docker_domain(text: str) -> tuple[str, str, bool]:
    """``splitDockerDomain``: (domain, remainder, whether the first component is a host).

    ``remainder`` keeps any tag and digest.  Called on the raw text, before it is
    validated, exactly like upstream.
    """
    first, slash, rest = text.partition("/")
    if not slash:
        # A single component is always a Docker Hub name, even "localhost:5000"
        # (name "localhost", tag "5000") or "example.com".
        return DEFAULT_DOMAIN, _OFFICIAL_REPO_PREFIX + text, False
    if first == "localhost":
        domain, remainder, is_host = first, rest, True
    elif first == _LEGACY_DEFAULT_DOMAIN:
        domain, remainder, is_host = DEFAULT_DOMAIN, rest, True
    elif "." in first or ":" in first:
        domain, remainder, is_host = first, rest, True
    elif first.lower() != first:
        # Repository paths are lower case, so an upper-case first component can only
        # be a host.
        domain, remainder, is_host = first, rest, True
    else:
        domain, remainder, is_host = DEFAULT_DOMAIN, text, False
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        # "docker.io/nginx" is "docker.io/library/nginx".
        remainder = _OFFICIAL_REPO_PREFIX + remainder
    return domain, remainder, is_host


def is_checked_digest(text: str) -> bool:
    """An algorithm docker accepts and lower-case hex of its length: a digest that passes
    go-digest's ``Validate`` (what :func:`_check_digest` requires), as a registry must
    answer one."""
    algorithm, _, encoded = text.partition(":")
    return len(encoded) == _DIGEST_HEX_LENGTHS.get(algorithm, -1) and not encoded.strip(_HEX_LOWER)


def _check_digest(digest: str, text: str) -> None:
    """go-digest v1.0.0 ``Digest.Validate`` for a digest the reference grammar accepted."""
    algorithm, _, encoded = digest.partition(":")
    expected = _DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        if not _is_go_digest(digest):
            raise InvalidReference("invalid checksum digest format", text)
        raise InvalidReference("unsupported digest algorithm", text)
    if len(encoded) != expected:
        raise InvalidReference("invalid checksum digest length", text)
    if not encoded or encoded.strip(_HEX_LOWER):
        # Digests are lower-case hex; "sha256:ABC..." names no blob.
        raise InvalidReference("invalid checksum digest format", text)


# A tree repeats the same few references many times; results are immutable, and a
# raised InvalidReference is not cached (invalid text is rare).  1,024 entries: what
# fills a larger cache is references pinned by digest, mostly each written once, at
# ~600 bytes an entry in every worker process (bench/README.md, "Memory").
@memoised(1024)
def parse(text: str) -> Reference:
    """Parse an image reference as ``docker pull`` does; raise :class:`InvalidReference`."""
    if not text:
        raise InvalidReference("repository name must have at least one component", text)
    if len(text) > _MAX_INPUT_LENGTH:
        raise InvalidReference("invalid reference format: too long", text)
    # A bare 64-hex string is an image id, not a repository name (``ParseNormalizedNamed``).
    if len(text) == 64 and not text.strip(_HEX_LOWER):
        raise InvalidReference(
            "invalid repository name: cannot specify 64-byte hexadecimal strings", text
        )
    domain, remainder, is_host = _split_docker_domain(text)
    remote = remainder.partition(":")[0]
    if remote.lower() != remote:
        raise InvalidReference("invalid reference format: repository name must be lowercase", text)
    match = _match(text)
    if match is None:
        lowered = text.lower()
        if lowered != text and _match(lowered) is not None:
            raise InvalidReference(
                "invalid reference format: repository name must be lowercase", text
            )
        raise InvalidReference("invalid reference format", text)
    name, has_domain, tag, digest = match
    if is_host and not has_domain:
        # The first component looks like a host to docker ("foo_bar.com/app") but is
        # not a valid one.  Upstream then yields an empty domain and fails later,
        # when it contacts the registry; say so now.
        raise InvalidReference(
            f"invalid reference format: {text.partition('/')[0]!r} is not a valid registry host",
            text,
        )
    path = remainder.partition("@")[0].partition(":")[0]
    if len(path) > REPOSITORY_NAME_MAX_LENGTH:
        raise InvalidReference(
            f"repository name must not be more than {REPOSITORY_NAME_MAX_LENGTH} characters",
            text,
        )
    if digest is not None:
        _check_digest(digest, text)
    return Reference(
        name=name,
        tag=tag,
        digest=digest,
        domain=domain,
        path=path,
    )
