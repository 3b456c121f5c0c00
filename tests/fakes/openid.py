"""A fake of the Bot Framework's token issuer (OpenID metadata and signing keys) on 127.0.0.1, in its own thread.

Its tokens pass botbuilder's channel-token validation when the SDK configuration (the object given to
ConfigurationBotFrameworkAuthentication) has `APP_ID` = the token's audience and
`TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = server.metadata_url`,
`TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = server.issuer` (see `sdk_settings()`; in our Settings: BOT_OPENID_METADATA_URL
and BOT_TOKEN_ISSUER). Setting either switches the SDK to its "parameterized" authentication, which fetches the
metadata with a blocking requests.get on the bot's event loop: hence a thread of its own, not the bot's loop.
The SDK caches keys per metadata URL for a day, process-wide; each server gets a fresh port, so a fresh cache entry.
Replies then need an outbound token, which MSAL would fetch from login.microsoftonline.com (https only, so it
cannot be faked here): give the SDK `StaticTokenCredentialsFactory(app_id)` as its credentials_factory instead.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal

import jwt
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.http_thread import ThreadedHttpServer

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


class _SigningKey:
    def __init__(self) -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        der = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        # Bot Framework key ids look like x5t thumbprints: base64url without padding.
        self.kid = base64.urlsafe_b64encode(hashlib.sha1(der).digest()).decode().rstrip("=")

    def jwk(self, endorsements: list[str]) -> dict[str, Any]:
        key = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**key, "use": "sig", "kid": self.kid, "x5t": self.kid, "endorsements": endorsements}


class FakeOpenIdServer:
    """Serves /.well-known/openid-configuration and /keys; mints RS256 tokens like the Bot Framework's."""

    def __init__(self, *, issuer: str = BOT_FRAMEWORK_ISSUER, endorsements: tuple[str, ...] = ("msteams",)) -> None:
        self.issuer = issuer
        self.endorsements = list(endorsements)
        self._keys = {"good": _SigningKey(), "unknown": _SigningKey()}
        self._server: ThreadedHttpServer | None = None
        self._lock = threading.Lock()
        self.fetches: list[str] = []

    @property
    def kid(self) -> str:
        return self._keys["good"].kid

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeOpenIdServer is not started")
        return f"http://127.0.0.1:{self._server.port}/"

    @property
    def metadata_url(self) -> str:
        return self.base_url + ".well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return self.base_url + "keys"

    def sdk_settings(self) -> dict[str, str]:
        """The SDK configuration attributes that make it trust this server's tokens."""
        return {"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": self.metadata_url,
                "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER": self.issuer}

    def start(self) -> "FakeOpenIdServer":
        self._server = ThreadedHttpServer(self._handler_class(), name="fake-openid")
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
        self._server = None

    def __enter__(self) -> "FakeOpenIdServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def mint_token(
        self,
        app_id: str,
        service_url: str,
        *,
        issuer: str = BOT_FRAMEWORK_ISSUER,
        expires_in: int = 3600,
        key: Literal["good", "unknown"] = "good",
        kid: str | None = None,
        extra_claims: dict[str, Any] | None = None,
    ) -> str:
        """A channel token for `app_id`. The SDK allows 5 minutes of clock skew: expired means expires_in < -300.
        key="unknown" signs with a key not in /keys; by default under that key's own kid (the SDK fails to find
        it), with kid=server.kid under the published kid (the signature check fails)."""
        signer = self._keys[key]
        now = int(time.time())
        issued_at = min(now, now + expires_in - 3600)
        claims = {"serviceurl": service_url, "nbf": issued_at - 5, "exp": now + expires_in, "iat": issued_at,
                  "iss": issuer, "aud": app_id, **(extra_claims or {})}
        headers = {"kid": kid or signer.kid, "x5t": kid or signer.kid, "typ": "JWT"}
        return jwt.encode(claims, signer.private, algorithm="RS256", headers=headers)

    def authorization(self, app_id: str, service_url: str, **options: Any) -> str:
        """The Authorization header Teams would send with an activity."""
        return f"Bearer {self.mint_token(app_id, service_url, **options)}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                with fake._lock:
                    fake.fetches.append(self.path)
                if self.path == "/.well-known/openid-configuration":
                    self._json({"issuer": fake.issuer, "authorization_endpoint": "https://invalid.botframework.com",
                                "jwks_uri": fake.jwks_url, "id_token_signing_alg_values_supported": ["RS256"],
                                "token_endpoint_auth_methods_supported": ["private_key_jwt"]})
                elif self.path == "/keys":
                    self._json({"keys": [fake._keys["good"].jwk(fake.endorsements)]})
                else:
                    self._json({"error": "not_found"}, status=404)

            def _json(self, body: Any, status: int = 200) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output clean
                pass

        return Handler


class _StaticTokenCredentials(AppCredentials):
    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


class StaticTokenCredentialsFactory(ServiceClientCredentialsFactory):
    """Outbound credentials for offline tests: the bot's replies carry `Bearer <token>` without asking AAD."""

    def __init__(self, app_id: str, token: str = "offline-test-token") -> None:
        self.app_id, self.token = app_id, token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == self.app_id

    async def is_authentication_disabled(self) -> bool:
        return not self.app_id

    async def create_credentials(self, app_id: str, oauth_scope: str, login_endpoint: str,
                                 validate_authority: bool) -> AppCredentials:
        return _StaticTokenCredentials(app_id, self.token)
