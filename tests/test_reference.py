from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from helpers import time_limit
from pinlint import reference
from pinlint.reference import InvalidReference, Reference

SHA256 = "sha256:" + "f" * 64
SHA512 = "sha512:" + "f" * 128
HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"


def fields(ref: Reference) -> tuple[str, str | None, str | None, str, str]:
    return (ref.name, ref.tag, ref.digest, ref.domain, ref.path)


# (input, (name as written, tag, digest, domain, path)).  Inputs from distribution/
# reference's reference_test.go and normalize_test.go, with the normalised domain and
# path that ParseNormalizedNamed gives them.
VALID = [
    pytest.param("nginx", ("nginx", None, None, "docker.io", "library/nginx"), id="familiar"),
    pytest.param("nginx:latest", ("nginx", "latest", None, "docker.io", "library/nginx"), id="tag"),
    pytest.param(
        "docker.io/nginx",
        ("docker.io/nginx", None, None, "docker.io", "library/nginx"),
        id="docker.io-official",
    ),
    pytest.param(
        "index.docker.io/nginx:1",
        ("index.docker.io/nginx", "1", None, "docker.io", "library/nginx"),
        id="legacy-index-domain",
    ),
    pytest.param(
        "index.docker.io/docker/docker",
        ("index.docker.io/docker/docker", None, None, "docker.io", "docker/docker"),
        id="legacy-index-domain-user",
    ),
    pytest.param(
        "docker.io/library/nginx",
        ("docker.io/library/nginx", None, None, "docker.io", "library/nginx"),
        id="canonical",
    ),
    pytest.param(
        "library/ubuntu",
        ("library/ubuntu", None, None, "docker.io", "library/ubuntu"),
        id="library-prefix",
    ),
    pytest.param(
        "docker.io/library/foo/bar",
        ("docker.io/library/foo/bar", None, None, "docker.io", "library/foo/bar"),
        id="library-nested",
    ),
    pytest.param("user/app", ("user/app", None, None, "docker.io", "user/app"), id="hub-user"),
    pytest.param(
        "docker/migrator",
        ("docker/migrator", None, None, "docker.io", "docker/migrator"),
        id="hub-docker-namespace",
    ),
    pytest.param(
        "test_com", ("test_com", None, None, "docker.io", "library/test_com"), id="underscore"
    ),
    pytest.param(
        "test_com/foo",
        ("test_com/foo", None, None, "docker.io", "test_com/foo"),
        id="underscore-is-not-a-host",
    ),
    pytest.param(
        "test.com:tag",
        ("test.com", "tag", None, "docker.io", "library/test.com"),
        id="dotted-single-component-is-a-name",
    ),
    pytest.param(
        "test.com:5000",
        ("test.com", "5000", None, "docker.io", "library/test.com"),
        id="dotted-single-component-port-is-a-tag",
    ),
    pytest.param(
        "localhost:5000",
        ("localhost", "5000", None, "docker.io", "library/localhost"),
        id="localhost-without-slash-is-a-name",
    ),
    pytest.param(
        "localhost/foo", ("localhost/foo", None, None, "localhost", "foo"), id="localhost"
    ),
    pytest.param(
        "localhost:5000/foo:1",
        ("localhost:5000/foo", "1", None, "localhost:5000", "foo"),
        id="localhost-port",
    ),
    pytest.param(
        "test.com/repo:tag", ("test.com/repo", "tag", None, "test.com", "repo"), id="host"
    ),
    pytest.param(
        "test:5000/repo", ("test:5000/repo", None, None, "test:5000", "repo"), id="host-port"
    ),
    pytest.param(
        "test:5000/repo:tag",
        ("test:5000/repo", "tag", None, "test:5000", "repo"),
        id="host-port-tag",
    ),
    pytest.param(
        f"test:5000/repo@{SHA256}",
        ("test:5000/repo", None, SHA256, "test:5000", "repo"),
        id="host-port-digest",
    ),
    pytest.param(
        f"test:5000/repo:tag@{SHA256}",
        ("test:5000/repo", "tag", SHA256, "test:5000", "repo"),
        id="host-port-tag-digest",
    ),
    pytest.param(
        f"nginx@{SHA256}",
        ("nginx", None, SHA256, "docker.io", "library/nginx"),
        id="name-digest",
    ),
    pytest.param(
        f"nginx:1.27@{SHA256}",
        ("nginx", "1.27", SHA256, "docker.io", "library/nginx"),
        id="name-tag-digest",
    ),
    pytest.param(
        "lowercase:Uppercase",
        ("lowercase", "Uppercase", None, "docker.io", "library/lowercase"),
        id="uppercase-tag",
    ),
    pytest.param(
        "Uppercase/lowercase:tag",
        ("Uppercase/lowercase", "tag", None, "Uppercase", "lowercase"),
        id="uppercase-first-component-is-a-host",
    ),
    pytest.param(
        "Docker/docker", ("Docker/docker", None, None, "Docker", "docker"), id="Docker-host"
    ),
    pytest.param(
        "DOCKER/docker", ("DOCKER/docker", None, None, "DOCKER", "docker"), id="DOCKER-host"
    ),
    pytest.param(
        "MyRegistry.Example.COM/app",
        ("MyRegistry.Example.COM/app", None, None, "MyRegistry.Example.COM", "app"),
        id="uppercase-domain",
    ),
    pytest.param(
        "sub-dom1.foo.com/bar/baz/quux:some-long-tag",
        (
            "sub-dom1.foo.com/bar/baz/quux",
            "some-long-tag",
            None,
            "sub-dom1.foo.com",
            "bar/baz/quux",
        ),
        id="subdomain-deep-path",
    ),
    pytest.param(
        "b.gcr.io/test.example.com/my-app:test.example.com",
        (
            "b.gcr.io/test.example.com/my-app",
            "test.example.com",
            None,
            "b.gcr.io",
            "test.example.com/my-app",
        ),
        id="dots-in-path-and-tag",
    ),
    pytest.param(
        "xn--n3h.com/myimage:xn--n3h.com",
        ("xn--n3h.com/myimage", "xn--n3h.com", None, "xn--n3h.com", "myimage"),
        id="punycode",
    ),
    pytest.param(
        f"xn--7o8h.com/myimage:xn--7o8h.com@{SHA512}",
        ("xn--7o8h.com/myimage", "xn--7o8h.com", SHA512, "xn--7o8h.com", "myimage"),
        id="punycode-sha512",
    ),
    pytest.param(
        "foo_bar.com:8080",
        ("foo_bar.com", "8080", None, "docker.io", "library/foo_bar.com"),
        id="underscore-dotted-name",
    ),
    pytest.param(
        "foo/foo_bar.com:8080",
        ("foo/foo_bar.com", "8080", None, "docker.io", "foo/foo_bar.com"),
        id="dotted-second-component",
    ),
    pytest.param(
        "192.168.1.1",
        ("192.168.1.1", None, None, "docker.io", "library/192.168.1.1"),
        id="ipv4-alone-is-a-name",
    ),
    pytest.param(
        "192.168.1.1:5000",
        ("192.168.1.1", "5000", None, "docker.io", "library/192.168.1.1"),
        id="ipv4-port-alone-is-name-tag",
    ),
    pytest.param(
        "192.168.1.1/repo",
        ("192.168.1.1/repo", None, None, "192.168.1.1", "repo"),
        id="ipv4-host",
    ),
    pytest.param(
        "192.168.1.1:5000/repo:5050",
        ("192.168.1.1:5000/repo", "5050", None, "192.168.1.1:5000", "repo"),
        id="ipv4-host-port-numeric-tag",
    ),
    pytest.param(
        "[2001:db8::1]/repo",
        ("[2001:db8::1]/repo", None, None, "[2001:db8::1]", "repo"),
        id="ipv6",
    ),
    pytest.param(
        "[2001:db8:1:2:3:4:5:6]/repo:tag",
        ("[2001:db8:1:2:3:4:5:6]/repo", "tag", None, "[2001:db8:1:2:3:4:5:6]", "repo"),
        id="ipv6-full",
    ),
    pytest.param(
        f"[2001:db8::1]:5000/repo:tag@{SHA256}",
        ("[2001:db8::1]:5000/repo", "tag", SHA256, "[2001:db8::1]:5000", "repo"),
        id="ipv6-port-tag-digest",
    ),
    pytest.param(
        "[2001:db8::]:5000/repo",
        ("[2001:db8::]:5000/repo", None, None, "[2001:db8::]:5000", "repo"),
        id="ipv6-trailing-colons",
    ),
    pytest.param(
        "[::1]:5000/foo",
        ("[::1]:5000/foo", None, None, "[::1]:5000", "foo"),
        id="ipv6-loopback",
    ),
    pytest.param(
        "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
        (
            "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
            None,
            None,
            "[fc00:1:2:3:4:5:6:7]:5000",
            "library/debian",
        ),
        id="ipv6-library-path",
    ),
    pytest.param(
        "docker-rules/docker",
        ("docker-rules/docker", None, None, "docker.io", "docker-rules/docker"),
        id="dash",
    ),
    pytest.param(
        "docker---rules/docker",
        ("docker---rules/docker", None, None, "docker.io", "docker---rules/docker"),
        id="many-dashes",
    ),
    pytest.param(
        "dock__er/docker",
        ("dock__er/docker", None, None, "docker.io", "dock__er/docker"),
        id="double-underscore",
    ),
    pytest.param(
        "d/docker", ("d/docker", None, None, "docker.io", "d/docker"), id="one-char-namespace"
    ),
    pytest.param("jess/t", ("jess/t", None, None, "docker.io", "jess/t"), id="one-char-name"),
    pytest.param(
        "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        (
            "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
            None,
            None,
            "docker.io",
            "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
        ),
        id="64-chars-not-hex",
    ),
    pytest.param(
        f"docker.io/{HEX64}",
        (f"docker.io/{HEX64}", None, None, "docker.io", f"library/{HEX64}"),
        id="hex-name-with-host",
    ),
    pytest.param(
        HEX64[:-1],
        (HEX64[:-1], None, None, "docker.io", f"library/{HEX64[:-1]}"),
        id="63-hex-is-a-name",
    ),
    pytest.param(
        "sha256:" + HEX64,
        ("sha256", HEX64, None, "docker.io", "library/sha256"),
        id="bare-digest-is-name-and-tag",
    ),
    pytest.param(
        "ubuntu-12.04-base",
        ("ubuntu-12.04-base", None, None, "docker.io", "library/ubuntu-12.04-base"),
        id="dots-dashes-in-name",
    ),
    pytest.param(
        "docker/dockerfile:1",
        ("docker/dockerfile", "1", None, "docker.io", "docker/dockerfile"),
        id="syntax-frontend",
    ),
    pytest.param(
        "nginx:" + "a" * 128,
        ("nginx", "a" * 128, None, "docker.io", "library/nginx"),
        id="tag-128-chars",
    ),
    pytest.param(
        "nginx:_x",
        ("nginx", "_x", None, "docker.io", "library/nginx"),
        id="tag-leading-underscore",
    ),
    pytest.param(
        "a/" * 127 + "a:tag-puts-this-over-max",
        ("a/" * 127 + "a", "tag-puts-this-over-max", None, "docker.io", "a/" * 127 + "a"),
        id="path-255-chars",
    ),
    pytest.param(
        "registry.example.com/" + "a" * 255,
        ("registry.example.com/" + "a" * 255, None, None, "registry.example.com", "a" * 255),
        id="domain-not-counted-in-length",
    ),
    pytest.param("scratch", ("scratch", None, None, "docker.io", "library/scratch"), id="scratch"),
]


@pytest.mark.parametrize(("text", "expected"), VALID)
def test_parse(text: str, expected: tuple[str, str | None, str | None, str, str]) -> None:
    ref = reference.parse(text)
    assert fields(ref) == expected
    assert str(ref) == text  # the user's spelling comes back


# (input, what the message must say)
INVALID = [
    pytest.param("", "repository name must have at least one component", id="empty"),
    pytest.param(":justtag", "invalid reference format", id="only-tag"),
    pytest.param(f"@{SHA256}", "invalid reference format", id="only-digest"),
    pytest.param("Uppercase:tag", "repository name must be lowercase", id="uppercase-familiar"),
    pytest.param("Nginx:latest", "repository name must be lowercase", id="Nginx"),
    pytest.param(
        "test:5000/Uppercase/lowercase:tag",
        "repository name must be lowercase",
        id="uppercase-path-after-host",
    ),
    pytest.param("docker/Docker", "repository name must be lowercase", id="uppercase-name"),
    pytest.param(
        "docker.io/docker/Docker", "repository name must be lowercase", id="uppercase-hub"
    ),
    pytest.param("repo@sha256:" + "f" * 34, "invalid checksum digest length", id="short-sha256"),
    pytest.param("repo@sha256:" + "f" * 65, "invalid checksum digest length", id="long-sha256"),
    pytest.param("repo@sha512:" + "f" * 64, "invalid checksum digest length", id="sha512-with-64"),
    pytest.param("repo@sha256:" + "F" * 64, "invalid checksum digest format", id="uppercase-hex"),
    pytest.param(
        "validname@invaliddigest:" + "f" * 64,
        "unsupported digest algorithm",
        id="unknown-algorithm",
    ),
    pytest.param("repo@sha256:abc", "invalid reference format", id="digest-too-short-for-grammar"),
    pytest.param("repo@sha256", "invalid reference format", id="digest-without-hex"),
    pytest.param(
        "a/" * 128 + "a:tag",
        "repository name must not be more than 255 characters",
        id="path-257-chars",
    ),
    pytest.param(
        "x" * 248,
        "repository name must not be more than 255 characters",
        id="library-prefix-counts",
    ),
    pytest.param(
        "_".join(["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"] * 4)
        + "/docker",
        "repository name must not be more than 255 characters",
        id="namespace-too-long",
    ),
    pytest.param("aa/asdf$$^/aa", "invalid reference format", id="bad-chars"),
    pytest.param("https://github.com/docker/docker", "invalid reference format", id="url"),
    pytest.param("-docker", "invalid reference format", id="leading-dash"),
    pytest.param("-docker/docker", "invalid reference format", id="leading-dash-namespace"),
    pytest.param("docker-/docker", "invalid reference format", id="trailing-dash-namespace"),
    pytest.param("-docker-/docker", "invalid reference format", id="dashes-around"),
    pytest.param("-docker.io/docker/docker", "invalid reference format", id="leading-dash-host"),
    pytest.param("docker///docker", "invalid reference format", id="empty-components"),
    pytest.param("docker.io/docker///docker", "invalid reference format", id="empty-after-host"),
    pytest.param("____/____", "invalid reference format", id="underscores-only"),
    pytest.param("_docker/_docker", "invalid reference format", id="leading-underscore"),
    pytest.param("dock..er/docker", "invalid reference format", id="double-period"),
    pytest.param("dock_.er/docker", "invalid reference format", id="underscore-period"),
    pytest.param("dock-.er/docker", "invalid reference format", id="dash-period"),
    pytest.param("dock___er/docker", "invalid reference format", id="triple-underscore"),
    pytest.param("docker/", "invalid reference format", id="no-repository"),
    pytest.param("[2001:db8::1]", "invalid reference format", id="ipv6-alone"),
    pytest.param("[2001:db8::1]:5000", "invalid reference format", id="ipv6-port-alone"),
    pytest.param("[2001:db8::1]:tag", "invalid reference format", id="ipv6-tag"),
    pytest.param("[fc00::1]", "invalid reference format", id="ipv6-fc00-alone"),
    pytest.param("fc00::1:5000/debian", "invalid reference format", id="ipv6-no-brackets"),
    pytest.param("[fe80::1%eth0]:5000/repo", "invalid reference format", id="ipv6-zone"),
    pytest.param(
        "[fe80::1%@invalidzone]:5000/repo", "invalid reference format", id="ipv6-bad-zone"
    ),
    pytest.param(
        "[2001:db8:3:4::192.0.2.33]:5000/debian",
        "invalid reference format",
        id="ipv6-ipv4-mapped",
    ),
    pytest.param(HEX64, "cannot specify 64-byte hexadecimal strings", id="image-id"),
    pytest.param("nginx:" + "a" * 129, "invalid reference format", id="tag-129-chars"),
    pytest.param("nginx:-x", "invalid reference format", id="tag-leading-dash"),
    pytest.param("nginx:.x", "invalid reference format", id="tag-leading-period"),
    pytest.param("nginx:", "invalid reference format", id="empty-tag"),
    pytest.param("nginx:1:2", "invalid reference format", id="two-tags"),
    pytest.param("nginx::1", "invalid reference format", id="double-colon"),
    pytest.param("ghcr.io/a/b:é", "invalid reference format", id="non-ascii-tag"),
    pytest.param("nginx:ℌ", "invalid reference format", id="unicode-word-char-tag"),
    pytest.param("ngïnx", "invalid reference format", id="non-ascii-name"),
    pytest.param(" nginx", "invalid reference format", id="leading-space"),
    pytest.param("nginx:latest ", "invalid reference format", id="trailing-space"),
    pytest.param("nginx:latest\n", "invalid reference format", id="trailing-newline"),
    pytest.param("nginx:latest\r", "invalid reference format", id="trailing-cr"),
    pytest.param("nginx:latest\r\n", "invalid reference format", id="trailing-crlf"),
    pytest.param("\ufeffnginx:latest", "invalid reference format", id="bom"),
    pytest.param("${IMAGE}", "invalid reference format", id="variable"),
    pytest.param("foo_bar.com/app", "'foo_bar.com' is not a valid registry host", id="bad-host"),
    pytest.param("a" * 5000, "invalid reference format: too long", id="huge"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_parse_invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidReference, match=message.replace("(", r"\(")) as info:
        reference.parse(text)
    assert info.value.text == text
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a" * 4000 + "!", id="long-component"),
        pytest.param("a-" * 2000 + "!", id="dashes"),
        pytest.param("a." * 2000 + "/", id="dots"),
        pytest.param(("a" * 60 + ".") * 60 + "!", id="long-domain"),
        pytest.param("a__" * 1300 + "A", id="underscores"),
        pytest.param("[" + ":" * 4000, id="brackets"),
    ],
)
def test_parse_pathological_input_is_rejected_quickly(text: str) -> None:
    with time_limit(5), pytest.raises(InvalidReference):
        reference.parse(text)


# (input, familiar, canonical), from normalize_test.go's TestParseRepositoryInfo
NAMES = [
    pytest.param("fooo/bar", "fooo/bar", "docker.io/fooo/bar", id="user"),
    pytest.param("index.docker.io/fooo/bar", "fooo/bar", "docker.io/fooo/bar", id="index"),
    pytest.param("ubuntu", "ubuntu", "docker.io/library/ubuntu", id="official"),
    pytest.param("library/ubuntu", "ubuntu", "docker.io/library/ubuntu", id="library"),
    pytest.param("docker.io/ubuntu", "ubuntu", "docker.io/library/ubuntu", id="docker.io"),
    pytest.param(
        "nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", id="nonlibrary"
    ),
    pytest.param("other/library", "other/library", "docker.io/other/library", id="other"),
    pytest.param(
        "127.0.0.1:8000/private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        "127.0.0.1:8000/private/moonbase",
        id="ip-port",
    ),
    pytest.param(
        "example.com/privatebase", "example.com/privatebase", "example.com/privatebase", id="host"
    ),
    pytest.param(
        "example.com:8000/private/moonbase",
        "example.com:8000/private/moonbase",
        "example.com:8000/private/moonbase",
        id="host-port",
    ),
    pytest.param(
        "ubuntu-12.04-base",
        "ubuntu-12.04-base",
        "docker.io/library/ubuntu-12.04-base",
        id="dotted-official",
    ),
    pytest.param(
        "docker.io/library/foo/bar",
        "library/foo/bar",
        "docker.io/library/foo/bar",
        id="library-nested",
    ),
    pytest.param("store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", id="store"),
    pytest.param("Foo/bar", "Foo/bar", "Foo/bar", id="uppercase-host"),
    pytest.param("ghcr.io/a/b:1.0", "ghcr.io/a/b", "ghcr.io/a/b", id="ghcr"),
    pytest.param("localhost/foo", "localhost/foo", "localhost/foo", id="localhost"),
    pytest.param("nginx:1@" + SHA256, "nginx", "docker.io/library/nginx", id="pinned"),
]


@pytest.mark.parametrize(("text", "familiar", "canonical"), NAMES)
def test_familiar_and_canonical(text: str, familiar: str, canonical: str) -> None:
    ref = reference.parse(text)
    assert ref.familiar == familiar
    assert ref.canonical == canonical
    # The familiar and canonical spellings name the same repository.
    again = reference.parse(familiar)
    assert (again.domain, again.path) == (ref.domain, ref.path)


@pytest.mark.parametrize(
    ("text", "tag", "digest", "expected"),
    [
        pytest.param("nginx:latest", "1.27.3", SHA256, f"nginx:1.27.3@{SHA256}", id="tag+digest"),
        pytest.param("nginx", "1.27.3", None, "nginx:1.27.3", id="tag"),
        pytest.param("nginx:latest", None, SHA256, f"nginx@{SHA256}", id="digest"),
        pytest.param("nginx:latest", None, None, "nginx", id="neither"),
        pytest.param(
            "docker.io/library/nginx:1",
            "1.27.3",
            SHA256,
            f"docker.io/library/nginx:1.27.3@{SHA256}",
            id="canonical-spelling-kept",
        ),
        pytest.param(
            "index.docker.io/nginx",
            "1",
            None,
            "index.docker.io/nginx:1",
            id="legacy-spelling-kept",
        ),
        pytest.param(
            f"localhost:5000/app:dev@{SHA512}",
            "dev",
            SHA256,
            f"localhost:5000/app:dev@{SHA256}",
            id="replaces-digest",
        ),
        pytest.param(
            "[::1]:5000/app", "v2", SHA512, f"[::1]:5000/app:v2@{SHA512}", id="ipv6-sha512"
        ),
    ],
)
def test_with_pin(text: str, tag: str | None, digest: str | None, expected: str) -> None:
    pinned = reference.parse(text).with_pin(tag, digest)
    assert pinned == expected
    again = reference.parse(pinned)
    assert (again.tag, again.digest) == (tag, digest)


@pytest.mark.parametrize(
    ("tag", "digest", "message"),
    [
        pytest.param("-bad", None, "invalid tag format", id="bad-tag"),
        pytest.param("", None, "invalid tag format", id="empty-tag"),
        pytest.param("a" * 129, None, "invalid tag format", id="long-tag"),
        pytest.param("1", "sha256:abc", "invalid digest format", id="short-digest"),
        pytest.param(
            "1", "sha256:" + "f" * 63, "invalid checksum digest length", id="digest-length"
        ),
        pytest.param("1", "md5:" + "f" * 32, "unsupported digest algorithm", id="md5"),
    ],
)
def test_with_pin_rejects_bad_parts(tag: str, digest: str | None, message: str) -> None:
    with pytest.raises(InvalidReference, match=message):
        reference.parse("nginx").with_pin(tag, digest)


def test_reference_is_immutable_and_hashable() -> None:
    ref = reference.parse("nginx:1")
    with pytest.raises(AttributeError, match="immutable"):
        ref.tag = "2"
    assert reference.parse("nginx:1") == Reference("nginx", "1", None, "docker.io", "library/nginx")
    assert len({ref, reference.parse("nginx:1"), reference.parse("docker.io/nginx:1")}) == 2


def test_reference_survives_pickling() -> None:
    # Raising on every setattr, it could not be unpickled (pickle sets the slots).
    import pickle

    ref = reference.parse("ghcr.io/a/b:1.2@sha256:" + "c" * 64)
    back = pickle.loads(pickle.dumps(ref))
    assert back == ref
    assert (back.name, back.tag, back.digest, back.domain, back.path) == (
        ref.name,
        ref.tag,
        ref.digest,
        "ghcr.io",
        "a/b",
    )


def test_same_repository_different_spellings() -> None:
    spellings = [
        "nginx",
        "library/nginx",
        "docker.io/nginx",
        "docker.io/library/nginx",
        "index.docker.io/nginx",
        "index.docker.io/library/nginx",
    ]
    refs = [reference.parse(s) for s in spellings]
    assert {r.canonical for r in refs} == {"docker.io/library/nginx"}
    assert {r.familiar for r in refs} == {"nginx"}
    assert [r.name for r in refs] == spellings


# The grammar as one expression, as distribution/reference's regexp.go writes it: the
# oracle for the hand-written check (reference._match), which a run uses because
# compiling this costs about as much as the rest of a one-Dockerfile run.
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_GRAMMAR = re.compile(
    r"(?P<name>(?:(?P<domain>(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
    r"(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])"
    r"(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*))"
    rf"(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?"
)
_GO_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")


def _oracle(text: str) -> tuple[str, bool, str | None, str | None] | None:
    m = _GRAMMAR.fullmatch(text)
    if m is None:
        return None
    return (m["name"], m["domain"] is not None, m["tag"], m["digest"])


# Pieces that exercise every rule: separators in runs, hosts with dashes and ports,
# IPv6, tags and digests of the right and wrong shapes, and characters that are
# letters or digits to Python but not to the grammar.
_PIECES = st.sampled_from(
    [
        "a", "b0", "Z", "9", "x-y", "-", "--", ".", "..", "_", "__", "___", ":", "/",
        "@", "[", "]", "[::1]", "[fe80::1]", ":5000", "localhost", "example.com",
        "sha256:", "SHA256:", "sha256+b64:", "a.b-c_d+e:", "f" * 32, "F" * 31, "0" * 64,
        "=", "+", "latest", ".tag", "-tag", "t" * 128, "é", "٣", "ß", " ", "\n",
    ]
)  # fmt: skip


_WORDS = st.lists(_PIECES, min_size=1, max_size=4).map("".join)
# Text shaped like a reference, each part drawn from the pieces: [host/]path[:tag][@digest].
_SHAPED = st.tuples(
    st.one_of(st.just(""), _WORDS.map(lambda w: w + "/")),
    _WORDS,
    st.one_of(st.just(""), _WORDS.map(lambda w: ":" + w)),
    st.one_of(st.just(""), _WORDS.map(lambda w: "@" + w)),
).map("".join)


@given(st.one_of(st.lists(_PIECES, max_size=10).map("".join), _SHAPED))
@settings(max_examples=4000, deadline=None)
@example("a-/b").via("a trailing dash in a host")
@example("-a/b").via("a leading dash in a host")
@example("a_/b").via("an underscore in a host")
@example("a@sha256:" + "F" * 31).via("a digest one hex digit short")
@example("a:" + "t" * 129).via("a tag one character too long")
@example("[::1]:/a").via("a colon without a port")
def test_hand_written_grammar_matches_the_expression(text: str) -> None:
    assert reference._match(text) == _oracle(text)
    if "@" in text:
        digest = text.rpartition("@")[2]
        assert reference._is_digest(digest) == (re.fullmatch(_DIGEST, digest) is not None)
        assert reference._is_go_digest(digest) == (_GO_DIGEST.fullmatch(digest) is not None)
    tag = text.rpartition(":")[2]
    assert reference.is_tag(tag) == (re.fullmatch(_TAG, tag) is not None)


@given(st.text(alphabet="aZ0-_.:/@[]+= é", max_size=40))
@settings(max_examples=3000, deadline=None)
def test_hand_written_grammar_matches_the_expression_on_any_text(text: str) -> None:
    assert reference._match(text) == _oracle(text)
    assert reference._is_go_digest(text) == (_GO_DIGEST.fullmatch(text) is not None)


# What a registry may answer as a digest (the expression registry.types checked with).
_CHECKED_DIGEST = re.compile(r"sha256:[0-9a-f]{64}|sha384:[0-9a-f]{96}|sha512:[0-9a-f]{128}")


@given(
    st.one_of(
        st.text(alphabet="sha2560384512:abcdefABCDEF9x ", max_size=140),
        st.tuples(
            st.sampled_from(["sha256", "sha384", "sha512", "sha1", "SHA256", ""]),
            st.sampled_from([":", "", "::"]),
            st.sampled_from([32, 63, 64, 65, 96, 128, 129]).flatmap(
                lambda n: st.text(alphabet="0123456789abcdefA\n", min_size=n, max_size=n)
            ),
        ).map("".join),
    )
)
@settings(max_examples=3000, deadline=None)
@example("sha256:" + "a" * 64 + "\n").via("a trailing newline")
@example("sha512:" + "0" * 128).via("the longest")
def test_checked_digest_matches_the_expression(text: str) -> None:
    assert reference.is_checked_digest(text) == (_CHECKED_DIGEST.fullmatch(text) is not None)
