"""Errors a handler raises to tell the person why nothing happened; each names a catalogue key."""

from __future__ import annotations


class UserFacingError(Exception):
    """Rolls the turn back and shows the person `error.<key>` from the catalogue."""

    def __init__(self, key: str, log_message: str = "", **params: object) -> None:
        super().__init__(log_message or key)
        self.key = key
        self.params = params


class MalformedAction(UserFacingError):
    def __init__(self, log_message: str) -> None:
        super().__init__("malformed", log_message)


class NotPermitted(UserFacingError):
    def __init__(self, log_message: str) -> None:
        super().__init__("not_permitted", log_message)


class StaleCard(UserFacingError):
    def __init__(self, log_message: str, key: str = "stale", **params: object) -> None:
        super().__init__(key, log_message, **params)
