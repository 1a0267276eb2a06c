"""The authentication flow of the registry API: which ``Authorization`` a request carries.

The ping (:mod:`pinlint.registry.hosts`) records each host's challenges, so the first
request to a repository already carries its credentials.  Bearer tokens are fetched once
per (registry host, credential, realm, service, scope) and reused until they expire;
concurrent requests for the same key wait for one token request.  The host and the
credential are part of the key because a challenge is the registry's word: a second
registry that names the first one's realm and service must not be handed the token
minted with the first one's credentials.  A 401 gets one retry with a fresh token (or the
Basic credential the challenge asks for); a second 401 is :class:`Unauthorized`.

Where credentials come from, and the challenge parser, are in
:mod:`pinlint.registry.auth`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from pinlint.registry import InvalidResponse, RegistryError, Unauthorized
from pinlint.registry.auth import (
    Challenge,
    Credential,
    CredentialError,
    CredentialStore,
    TokenCache,
    basic_header,
    parse_challenges,
)
from pinlint.registry.hosts import Host, netloc, plain_http_allowed
from pinlint.registry.transport import Answer, Transport, status_error
from pinlint.registry.types import Repository

__all__ = ["AuthFlow"]


class AuthFlow:
    """Send API requests with the credentials and tokens each host asks for."""

    def __init__(
        self,
        transport: Transport,
        credentials: CredentialStore,
        *,
        mirrors: Mapping[str, str],
        insecure: Sequence[str],
    ) -> None:
        self._transport = transport
        self._credentials = credentials
        self._mirrors = mirrors
        self._insecure = insecure
        self._tokens = TokenCache()
        self._token_locks: dict[tuple[str, ...], asyncio.Lock] = {}
        self._credential_found: dict[tuple[str, str], Credential | None] = {}

    async def send(
        self,
        host: Host,
        method: str,
        url: str,
        repo: Repository | None,
        headers: dict[str, str],
    ) -> Answer:
        """One API request with authentication; a 401 gets one retry with a fresh token."""
        auth = await self._authorization(host, repo)
        response = await self._transport.send(host.name, method, url, headers, auth_header=auth)
        if response.status_code != 401:
            return response
        retry = await self._after_401(host, repo, auth, response)
        if retry is not None and retry != auth:
            response = await self._transport.send(
                host.name, method, url, headers, auth_header=retry
            )
            if response.status_code != 401:
                return response
        raise Unauthorized(host.name)

    async def _after_401(
        self, host: Host, repo: Repository | None, auth: str | None, response: Answer
    ) -> str | None:
        """The ``Authorization`` to try after a 401; None when nothing new can be tried."""
        challenges = parse_challenges(response.headers.get_list("WWW-Authenticate"))
        bearer = next((c for c in challenges if c.scheme == "bearer" and c.realm), None)
        if bearer is not None:
            scope = bearer.params.get("scope")
            if not host.challenges:
                host.challenges = challenges
            scope = scope or (f"repository:{repo.path}:pull" if repo else "")
            self._tokens.forget(await self._token_key(host, bearer, scope, repo))
            token = await self._token(host, bearer, scope, repo)
            return f"Bearer {token}"
        if any(c.scheme == "basic" for c in challenges):
            credential = await self._credential(host, repo)
            if credential is None or credential.identity_token or auth is not None:
                return None
            if not host.challenges:
                host.challenges = challenges
            return basic_header(credential)
        return None

    async def _credential(self, host: Host, repo: Repository | None) -> Credential | None:
        domain = host.name
        key = (domain, repo.path if repo else "")
        if key in self._credential_found:
            return self._credential_found[key]
        lookup_host = domain
        if host.base is not None and domain in self._mirrors:
            # A mirror authenticates with its own credentials.
            lookup_host = netloc(host.base)
        try:
            found = await asyncio.to_thread(
                self._credentials.lookup, lookup_host, repo.path if repo else None
            )
        except CredentialError as e:
            raise RegistryError(domain, str(e)) from None
        self._credential_found[key] = found
        return found

    async def _authorization(self, host: Host, repo: Repository | None) -> str | None:
        bearer = next((c for c in host.challenges if c.scheme == "bearer"), None)
        if bearer is not None and bearer.realm:
            scope = f"repository:{repo.path}:pull" if repo else ""
            token = await self._token(host, bearer, scope, repo)
            return f"Bearer {token}"
        basic = next((c for c in host.challenges if c.scheme == "basic"), None)
        if basic is not None:
            credential = await self._credential(host, repo)
            if credential is not None and credential.identity_token is None:
                return basic_header(credential)
        return None

    async def _token_key(
        self, host: Host, challenge: Challenge, scope: str, repo: Repository | None
    ) -> tuple[str, ...]:
        """Whose token: the host asked, the credential used, and what the challenge says."""
        credential = await self._credential(host, repo)
        who = "" if credential is None else credential.identity()
        realm = challenge.params["realm"]
        return (host.name, who, realm, challenge.params.get("service", ""), scope)

    async def _token(
        self, host: Host, challenge: Challenge, scope: str, repo: Repository | None
    ) -> str:
        realm = challenge.params["realm"]
        service = challenge.params.get("service", "")
        key = await self._token_key(host, challenge, scope, repo)
        token = self._tokens.get(key)
        if token is not None:
            return token
        lock = self._token_locks.setdefault(key, asyncio.Lock())
        async with lock:
            token = self._tokens.get(key)
            if token is not None:
                return token
            credential = await self._credential(host, repo)
            import httpx  # lazy: httpx

            realm_url = httpx.URL(realm)
            realm_netloc = realm_url.netloc.decode("ascii")
            if realm_url.scheme != "https" and not plain_http_allowed(realm_netloc, self._insecure):
                # Never send a password in clear text to a host we may not talk HTTP to.
                credential = None
            params = {k: v for k, v in (("service", service), ("scope", scope)) if v}
            send = self._transport.send
            if credential is not None and credential.identity_token:
                form = {
                    "grant_type": "refresh_token",
                    "refresh_token": credential.identity_token,
                    "client_id": "pinlint",
                    **params,
                }
                response = await send(host.name, "POST", realm, {}, data=form)
            else:
                url = str(realm_url.copy_merge_params(params))
                auth = basic_header(credential) if credential is not None else None
                response = await send(host.name, "GET", url, {}, auth_header=auth)
            if response.status_code in (401, 403):
                # The token endpoint refused the credential: the same error as a 401 of
                # the API, one wording (the class's).
                raise Unauthorized(host.name)
            if response.status_code >= 300:
                raise status_error(host.name, response, None, None)
            try:
                data = response.json()
                token = data.get("token") or data.get("access_token")
                if not isinstance(token, str) or not token:
                    raise TypeError
                expires = data.get("expires_in")
            except (ValueError, TypeError, AttributeError, RecursionError):
                raise InvalidResponse(
                    host.name, "token endpoint answered without a token"
                ) from None
            self._tokens.put(
                key, token, float(expires) if isinstance(expires, int | float) else None
            )
            return token
