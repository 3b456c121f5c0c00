"""Teams single sign-on for the tab: validates the token the page got from teams-js getAuthToken().

The token is a Microsoft Entra ID access token for the app's own resource (manifest webApplicationInfo:
`api://<host>/<app id>`), signed with the keys the OpenID metadata lists (by default the multi-tenant
`https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration`, whose issuer carries a
`{tenantid}` placeholder). Checked: RS256 signature by a published key, expiry (5 minutes' skew), audience
(the app id or its api:// URI), issuer (the metadata's, with the token's tenant filled in; v1 tokens'
`https://sts.windows.net/<tid>/` too) and the tenant against ALLOWED_TENANT_IDS.
Source: https://learn.microsoft.com/microsoftteams/platform/tabs/how-to/authentication/tab-sso-code
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiohttp
import jwt
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

DEFAULT_METADATA_URL = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
CLOCK_SKEW_SECONDS = 300
# A token with a key id we do not know makes us fetch the keys again, at most this often (keys rotate).
REFRESH_AT_MOST_EVERY = 300.0
KEYS_KEPT_FOR = 24 * 3600.0


class TokenRejected(Exception):
    """The token cannot be trusted; `reason` is a short code for the log and the page (never the token)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TabIdentity:
    tenant_id: str
    aad_object_id: str
    name: str | None
    upn: str | None


class TokenValidator:
    def __init__(self, *, app_id: str, hostname: str, allowed_tenants: frozenset[str],
                 metadata_url: str = DEFAULT_METADATA_URL, required_tenant: str | None = None) -> None:
        self.audiences = [app_id, f"api://{hostname}/{app_id}"]
        self.allowed_tenants = allowed_tenants
        self.required_tenant = required_tenant
        self.metadata_url = metadata_url
        self._issuer_template: str | None = None
        self._keys: dict[str, object] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def validate(self, token: str | None) -> TabIdentity:
        if not token:
            raise TokenRejected("missing")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise TokenRejected("malformed") from error
        if header.get("alg") != "RS256":
            raise TokenRejected("algorithm")
        key = await self._key(header.get("kid") or "")
        try:
            claims = jwt.decode(token, key=key, algorithms=["RS256"], audience=self.audiences, leeway=CLOCK_SKEW_SECONDS,
                                options={"require": ["exp", "iss", "aud", "tid", "oid"], "verify_iss": False})
        except jwt.ExpiredSignatureError as error:
            raise TokenRejected("expired") from error
        except jwt.InvalidAudienceError as error:
            raise TokenRejected("audience") from error
        except jwt.InvalidTokenError as error:
            raise TokenRejected("invalid") from error
        tenant = str(claims["tid"])
        if claims["iss"] not in self._issuers(tenant):
            raise TokenRejected("issuer")
        if self.allowed_tenants and tenant not in self.allowed_tenants:
            raise TokenRejected("tenant")
        if self.required_tenant and tenant != self.required_tenant:
            raise TokenRejected("tenant")
        return TabIdentity(tenant, str(claims["oid"]).lower(), claims.get("name"),
                           claims.get("preferred_username") or claims.get("upn"))

    def _issuers(self, tenant: str) -> set[str]:
        template = self._issuer_template or ""
        return {template.replace("{tenantid}", tenant), f"https://sts.windows.net/{tenant}/",
                f"https://login.microsoftonline.com/{tenant}/v2.0"} if "{tenantid}" in template else \
            {template, f"https://sts.windows.net/{tenant}/"} if template else set()

    async def _key(self, kid: str) -> object:
        now = time.monotonic()
        if kid in self._keys and now - self._fetched_at < KEYS_KEPT_FOR:
            return self._keys[kid]
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= REFRESH_AT_MOST_EVERY \
                    or time.monotonic() - self._fetched_at >= KEYS_KEPT_FOR:
                await self._refresh()
        if kid not in self._keys:
            raise TokenRejected("unknown_key")
        return self._keys[kid]

    async def _refresh(self) -> None:
        try:
            timeout = aiohttp.ClientTimeout(total=10)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.get(self.metadata_url) as response:
                    response.raise_for_status()
                    metadata = await response.json(content_type=None)
                async with http.get(metadata["jwks_uri"]) as response:
                    response.raise_for_status()
                    jwks = await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, ValueError) as error:
            log.warning("tab sign-in: could not read the signing keys from %s: %s", self.metadata_url, error)
            raise TokenRejected("keys_unavailable") from error
        self._issuer_template = metadata.get("issuer")
        self._keys = {key["kid"]: RSAAlgorithm.from_jwk(key) for key in jwks.get("keys", [])
                      if key.get("kty") == "RSA" and key.get("kid")}
        self._fetched_at = time.monotonic()
