"""A fake of Microsoft Graph and of Entra ID's token endpoint on 127.0.0.1 (HTTPS, in its own thread).

It behaves as the real services do where the bot depends on them:
- `POST /{tenant}/oauth2/v2.0/token` (client credentials) and the tenant's OpenID discovery document, so the
  bot's real MSAL client fetches its token here (MSAL takes https authorities only: hence TLS, with a
  certificate made at start; `ca_file` is what the client must trust);
- `GET /v1.0/users/delta`: pages of at most 999 (`$top`, default 100) linked by `@odata.nextLink`, a final
  `@odata.deltaLink` whose token returns only what changed since, `@removed` for deleted users, `$select`,
  `$expand=manager` as `manager@delta`; every call needs the bearer token;
- `POST /v1.0/users/{id}/teamwork/installedApps`: 201 installed, 409 already installed, 403 blocked by
  policy, 404 for a user that does not exist;
- 429 and 503 with Retry-After on demand (`throttle_next`, `unavailable_next`).
Sources: learn.microsoft.com/graph/api/user-delta, /graph/delta-query-users, /graph/throttling,
/graph/api/userteamwork-post-installedapps.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import secrets
import ssl
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.fakes.http_thread import ThreadedHttpServer

MAX_PAGE = 999
DEFAULT_PAGE = 100
USER_FIELDS = ("id", "displayName", "mail", "userPrincipalName", "department", "jobTitle", "employeeId",
               "accountEnabled", "companyName")


@dataclass
class GraphUser:
    id: str
    displayName: str
    mail: str | None
    userPrincipalName: str
    department: str | None = None
    jobTitle: str | None = None
    employeeId: str | None = None
    accountEnabled: bool = True
    companyName: str | None = None
    manager_id: str | None = None
    version: int = 0
    deleted: bool = False
    install_policy: str = "allowed"  # "allowed" or "blocked" (an app setup policy forbids it)
    installed_apps: set[str] = field(default_factory=set)

    def as_json(self, select: list[str] | None, expand_manager: bool) -> dict[str, Any]:
        if self.deleted:
            return {"id": self.id, "@removed": {"reason": "deleted"}}
        wanted = select or list(USER_FIELDS)
        body = {name: getattr(self, name) for name in wanted if name in USER_FIELDS}
        body["id"] = self.id
        if expand_manager:
            body["manager@delta"] = ([{"@odata.type": "#microsoft.graph.user", "id": self.manager_id}]
                                     if self.manager_id else [])
        return body


class FakeGraph:
    def __init__(self, *, tenant_id: str, client_id: str, client_secret: str) -> None:
        self.tenant_id = tenant_id
        self.client_id = client_id
        self.client_secret = client_secret
        self._lock = threading.RLock()
        self._users: dict[str, GraphUser] = {}
        self._version = 0
        self._tokens: set[str] = set()
        self._faults: list[tuple[int, float]] = []
        self.requests: list[tuple[str, str]] = []  # (method, path with query)
        self._dir = tempfile.TemporaryDirectory(prefix="fake-graph-")
        self.ca_file = str(Path(self._dir.name) / "cert.pem")
        self._server: ThreadedHttpServer | None = None
        # Called with (user id, app id) after an installation: what Teams then knows (the fake connector, say).
        self.on_install: Callable[[str, str], None] | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------

    def __enter__(self) -> "FakeGraph":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> "FakeGraph":
        key_file = Path(self._dir.name) / "key.pem"
        _self_signed_certificate(Path(self.ca_file), key_file)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        self._server = ThreadedHttpServer(_handler(self), name="fake-graph", tls=context)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()
        self._dir.cleanup()

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self._server.port}"

    @property
    def authority(self) -> str:
        return f"{self.origin}/{self.tenant_id}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v1.0"

    # ---- the directory ---------------------------------------------------------------------------------

    def add_user(self, display_name: str, mail: str | None, *, manager: "GraphUser | None" = None,
                 department: str | None = None, job_title: str | None = None, company: str | None = None,
                 enabled: bool = True, employee_id: str | None = None, user_id: str | None = None) -> GraphUser:
        with self._lock:
            user = GraphUser(id=user_id or str(uuid.uuid4()), displayName=display_name, mail=mail,
                             userPrincipalName=(mail or f"{uuid.uuid4().hex[:8]}@tenant.example").lower(),
                             department=department, jobTitle=job_title, employeeId=employee_id,
                             accountEnabled=enabled, companyName=company,
                             manager_id=manager.id if manager else None)
            self._touch(user)
            self._users[user.id] = user
            return user

    def update_user(self, user: GraphUser, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                if name == "manager":
                    user.manager_id = value.id if value else None
                else:
                    setattr(user, name, value)
            self._touch(user)

    def delete_user(self, user: GraphUser) -> None:
        with self._lock:
            user.deleted = True
            self._touch(user)

    def user(self, user_id: str) -> GraphUser:
        return self._users[user_id]

    def _touch(self, user: GraphUser) -> None:
        self._version += 1
        user.version = self._version

    # ---- faults ----------------------------------------------------------------------------------------

    def throttle_next(self, n: int = 1, retry_after: float = 1) -> None:
        with self._lock:
            self._faults += [(429, retry_after)] * n

    def unavailable_next(self, n: int = 1, retry_after: float = 1) -> None:
        with self._lock:
            self._faults += [(503, retry_after)] * n

    def _next_fault(self) -> tuple[int, float] | None:
        with self._lock:
            return self._faults.pop(0) if self._faults else None

    # ---- what the handler answers ----------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "client_credentials":
            return 400, {"error": "unsupported_grant_type"}
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}
        if form.get("scope") != "https://graph.microsoft.com/.default":
            return 400, {"error": "invalid_scope"}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens.add(token)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}

    def _authorised(self, header: str | None) -> bool:
        return bool(header) and header.startswith("Bearer ") and header[7:] in self._tokens

    def _delta_page(self, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        state = _decode(query["$skiptoken"]) if "$skiptoken" in query else (
            _decode(query["$deltatoken"]) | {"after": 0} if "$deltatoken" in query else None)
        if state is None:
            top = min(int(query.get("$top", DEFAULT_PAGE)), MAX_PAGE)
            state = {"since": 0, "until": self._version, "after": 0, "top": top,
                     "select": query.get("$select", ""), "expand": query.get("$expand", "")}
        elif "until" not in state or "$deltatoken" in query:
            state = {**state, "until": self._version, "after": 0}
        select = [name for name in state["select"].split(",") if name] or None
        expand_manager = state["expand"].startswith("manager")
        with self._lock:
            changed = sorted((u for u in self._users.values() if state["since"] < u.version <= state["until"]
                              and u.version > state["after"]), key=lambda u: u.version)
            page = changed[:state["top"]]
            body: dict[str, Any] = {
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users(" + state["select"] + ")",
                "value": [u.as_json(select, expand_manager) for u in page if not (u.deleted and state["since"] == 0)],
            }
        base = f"{self.base_url}/users/delta?"
        if len(changed) > len(page):
            body["@odata.nextLink"] = base + urlencode({"$skiptoken": _encode({**state, "after": page[-1].version})})
        else:
            body["@odata.deltaLink"] = base + urlencode({"$deltatoken": _encode(
                {"since": state["until"], "top": state["top"], "select": state["select"],
                 "expand": state["expand"]})})
        return 200, body

    def _install(self, user_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        app = str(body.get("teamsApp@odata.bind", "")).rsplit("/", 1)[-1].strip("')")
        with self._lock:
            user = self._users.get(user_id)
            if user is None or user.deleted:
                return 404, _graph_error("Request_ResourceNotFound", f"User {user_id} not found.")
            if user.install_policy == "blocked":
                return 403, _graph_error("Forbidden", "App installation is blocked by the tenant's policy.")
            if app in user.installed_apps:
                return 409, _graph_error("Conflict", "App is already installed for this user.")
            user.installed_apps.add(app)
        if self.on_install:
            self.on_install(user_id, app)
        return 201, {}


def _handler(graph: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            graph.requests.append(("GET", self.path))
            if url.path == f"/{graph.tenant_id}/v2.0/.well-known/openid-configuration":
                return self._json(200, _openid_configuration(graph))
            if not self._admitted():
                return None
            if url.path == "/v1.0/users/delta":
                return self._json(*graph._delta_page({k: v[0] for k, v in parse_qs(url.query).items()}))
            return self._json(404, _graph_error("Request_ResourceNotFound", url.path))

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            graph.requests.append(("POST", self.path))
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if url.path == f"/{graph.tenant_id}/oauth2/v2.0/token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                return self._json(*graph._token(form))
            if not self._admitted():
                return None
            parts = url.path.split("/")
            if len(parts) == 6 and parts[1:3] == ["v1.0", "users"] and parts[4:] == ["teamwork", "installedApps"]:
                return self._json(*graph._install(parts[3], json.loads(raw or b"{}")))
            return self._json(404, _graph_error("Request_ResourceNotFound", url.path))

        def _admitted(self) -> bool:
            if not graph._authorised(self.headers.get("Authorization")):
                self._json(401, _graph_error("InvalidAuthenticationToken", "Access token is empty or invalid."))
                return False
            fault = graph._next_fault()
            if fault:
                status, retry_after = fault
                self._json(status, _graph_error("TooManyRequests" if status == 429 else "ServiceUnavailable",
                                                "Try again later."), {"Retry-After": f"{retry_after:g}"})
                return False
            return True

        def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def _openid_configuration(graph: FakeGraph) -> dict[str, Any]:
    return {
        "token_endpoint": f"{graph.authority}/oauth2/v2.0/token",
        "authorization_endpoint": f"{graph.authority}/oauth2/v2.0/authorize",
        "issuer": f"{graph.origin}/{graph.tenant_id}/v2.0",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "tenant_region_scope": "EU",
    }


def _graph_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _encode(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _decode(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.encode()))


def _self_signed_certificate(cert_file: Path, key_file: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-graph.local")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
