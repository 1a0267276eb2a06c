"""What the registry API speaks of: media types, registry names and the records answered.

No behaviour here beyond hashing bytes: :mod:`pinlint.registry.client` builds these
records, :mod:`pinlint.resolve` reads them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pinlint import reference
from pinlint.model import Frozen

__all__ = [
    "ACCEPT",
    "DOCKER_HUB",
    "INDEX_MEDIA_TYPES",
    "ManifestInfo",
    "PlatformManifest",
    "Repository",
    "TagListing",
    "body_media_type",
    "compute_digest",
    "valid_digest",
    "valid_tag",
]

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
INDEX_MEDIA_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
# All four, always: without the index types a registry answers a multi-arch tag with
# one platform's manifest (or 404), and the digest pinned would not be the tag's.
ACCEPT = ", ".join((OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST))

# What a registry may answer: digests of the algorithms pinlint verifies, in lower-case
# hex of the right length, and tags of the reference grammar.  Anything else in an
# answer (or in a cache an older run wrote) is not used, cached or printed.


def valid_digest(value: object) -> bool:
    return isinstance(value, str) and reference.is_checked_digest(value)


def valid_tag(value: object) -> bool:
    return isinstance(value, str) and reference.is_tag(value)


DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "https://registry-1.docker.io"
HUB_TAGS_API = "https://hub.docker.com"


class Repository(Frozen):
    """A repository in a registry: ``domain`` as the reference names the registry."""

    __slots__ = ("domain", "path")
    domain: str  # "docker.io", "ghcr.io", "127.0.0.1:5000"
    path: str  # "library/nginx"

    def __init__(self, domain: str, path: str) -> None:
        self._fill(locals())

    @property
    def key(self) -> str:
        return f"{self.domain}/{self.path}"


class ManifestInfo(Frozen):
    __slots__ = ("digest", "media_type")
    digest: str
    media_type: str | None

    def __init__(self, digest: str, media_type: str | None) -> None:
        self._fill(locals())

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEX_MEDIA_TYPES


class PlatformManifest(Frozen):
    """One entry of an index: the manifest of one platform."""

    __slots__ = ("digest", "media_type", "platform")
    digest: str
    media_type: str | None
    platform: str  # "linux/amd64", "linux/arm64/v8"; "unknown/unknown" for attestations

    def __init__(self, digest: str, media_type: str | None, platform: str) -> None:
        self._fill(locals())


class TagListing(Frozen):
    __slots__ = ("digests", "tags")
    tags: tuple[str, ...]
    # tag -> digest where the listing itself says (Docker Hub's tags API); a tag missing
    # here needs a HEAD.
    digests: Mapping[str, str]

    def __init__(self, tags: tuple[str, ...], digests: Mapping[str, str] | None = None) -> None:
        self._fill({"tags": tags, "digests": {} if digests is None else digests})


def compute_digest(body: bytes, algorithm: str = "sha256") -> str:
    import hashlib  # lazy: only a GET's bytes are hashed (~2.5 ms with OpenSSL's _hashlib)

    return f"{algorithm}:{hashlib.new(algorithm, body).hexdigest()}"


def body_media_type(body: bytes) -> str | None:
    """The media type a manifest's JSON declares (an index when it lists manifests)."""
    try:
        data = json.loads(body)
    except ValueError:
        return None
    mt = data.get("mediaType") if isinstance(data, dict) else None
    if isinstance(mt, str):
        return mt
    if isinstance(data, dict) and "manifests" in data:
        return OCI_INDEX
    return None
