"""Work-arounds for botbuilder 4.17.1 and msrest that must be in place before the adapter is built.

msrest's ClientRetryPolicy rebuilds its retry list with `i not in <list of 501 codes>` for every client,
twice per turn: about 7 ms of CPU, most of a stock bot's turn. A frozenset gives the identical list.
"""

from __future__ import annotations

from msrest.universal_http.requests import ClientRetryPolicy

_applied = False


def apply_sdk_fixes() -> None:
    global _applied
    if _applied:
        return
    ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
    _applied = True
