"""Microsoft Graph for the directory sync and proactive installation, with the app's own credentials.

The token comes from MSAL's client-credentials flow with the bot's registration (MICROSOFT_APP_ID, _PASSWORD,
_TENANT_ID). Pages are followed through `@odata.nextLink` and yielded one at a time, so a tenant of 50,000 is
never held in memory; 429 and 503 wait for Retry-After (Graph's throttling guidance), a few times at most.
Sources: learn.microsoft.com/graph/api/user-delta, /graph/throttling, /graph/api/userteamwork-post-installedapps.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import requests

from bot.settings import Settings

log = logging.getLogger(__name__)

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
USER_SELECT = "id,displayName,mail,userPrincipalName,department,jobTitle,employeeId,accountEnabled,companyName"
RETRY_STATUSES = frozenset({429, 503, 504})


class GraphSetupError(ValueError):
    """The registration is not set up for Graph; the message names what is missing."""


class GraphError(RuntimeError):
    """Graph refused or kept failing; the message names the call and Graph's own error code."""


@dataclass
class DeltaPage:
    users: list[dict[str, Any]]
    # Set on the last page only: where the next sync starts.
    delta_link: str | None


class MsalTokens:
    """Bearer tokens for Graph from MSAL (it caches them until shortly before they expire)."""

    def __init__(self, *, client_id: str, client_secret: str, authority: str,
                 http_client: requests.Session | None = None) -> None:
        import msal  # only the directory sync needs it

        self._app = msal.ConfidentialClientApplication(
            client_id, client_credential=client_secret, authority=authority, http_client=http_client,
            # The authority is the organisation's own tenant: no instance discovery through a third host.
            instance_discovery=False)

    def __call__(self) -> str:
        result = self._app.acquire_token_for_client(scopes=[GRAPH_SCOPE])
        if "access_token" not in result:
            raise GraphError(f"no Graph token: {result.get('error')}: {result.get('error_description', '')[:200]}")
        return result["access_token"]


class GraphClient:
    def __init__(self, *, base_url: str, token: Callable[[], str], session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep, max_retries: int = 5, timeout: float = 60) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self._session = session or requests.Session()
        self._sleep = sleep
        self._max_retries = max_retries
        self._timeout = timeout
        self.throttled = 0  # 429/503 answers waited out, for the sync report

    def users_delta(self, delta_link: str | None = None, *, page_size: int = 999) -> Iterator[DeltaPage]:
        """The first call reads every user (a full sync); given the last page's delta link, only what changed."""
        url = delta_link or (f"{self.base_url}/users/delta?$select={USER_SELECT}"
                             f"&$expand=manager($select=id)&$top={page_size}")
        while url:
            body = self._request("GET", url).json()
            next_link = body.get("@odata.nextLink")
            yield DeltaPage(users=body.get("value", []), delta_link=None if next_link else body.get("@odata.deltaLink"))
            url = next_link

    def install_app(self, user_id: str, teams_app_id: str) -> str:
        """Installs the Teams app for one user: "installed", "already", "blocked", "not_found" or "failed"."""
        body = {"teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{teams_app_id}"}
        response = self._request("POST", f"{self.base_url}/users/{user_id}/teamwork/installedApps", json=body,
                                 accept=(201, 409, 403, 404))
        return {201: "installed", 409: "already", 403: "blocked", 404: "not_found"}.get(response.status_code,
                                                                                      "failed")

    def _request(self, method: str, url: str, *, json: Any = None, accept: tuple[int, ...] = (200,)
                 ) -> requests.Response:
        for attempt in range(self._max_retries + 1):
            response = self._session.request(method, url, json=json, timeout=self._timeout,
                                             headers={"Authorization": f"Bearer {self._token()}"})
            if response.status_code in accept:
                return response
            if response.status_code in RETRY_STATUSES and attempt < self._max_retries:
                wait = _retry_after(response, attempt)
                self.throttled += 1
                log.info("Graph answered %s to %s %s: waiting %.1f s", response.status_code, method,
                         url.split("?")[0], wait)
                self._sleep(wait)
                continue
            code = _error_code(response)
            raise GraphError(f"{method} {url.split('?')[0]} answered {response.status_code} {code}")
        raise GraphError(f"{method} {url.split('?')[0]}: still throttled after {self._max_retries} retries")


def _retry_after(response: requests.Response, attempt: int) -> float:
    try:
        return max(0.0, min(float(response.headers.get("Retry-After", "")), 300.0))
    except ValueError:
        return min(2.0 ** attempt, 60.0)  # Graph should send Retry-After; back off if it does not


def _error_code(response: requests.Response) -> str:
    try:
        return str(response.json().get("error", {}).get("code", ""))
    except ValueError:
        return ""


def graph_client_for(settings: Settings, tenant_id: str | None, *, session: requests.Session | None = None,
                     sleep: Callable[[float], None] = time.sleep) -> GraphClient:
    """A Graph client with the bot's own registration, for the organisation's tenant."""
    tenant = tenant_id or settings.app_tenant_id
    if not (settings.app_id and settings.app_password and tenant):
        raise GraphSetupError("the Graph sync needs MICROSOFT_APP_ID, MICROSOFT_APP_PASSWORD and the organisation's "
                             "tenant (python -m bot organisation KEY --tenant ID, or MICROSOFT_APP_TENANT_ID)")
    http = session or requests.Session()
    tokens = MsalTokens(client_id=settings.app_id, client_secret=settings.app_password,
                        authority=f"{settings.graph_authority_host.rstrip('/')}/{tenant}", http_client=http)
    return GraphClient(base_url=settings.graph_base_url, token=tokens, session=http, sleep=sleep)
