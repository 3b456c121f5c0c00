"""What a broadcast says, as a small typed union stored as JSON with a `kind`, and the rules for reading it
from the compose card and for when it may go out.

Two kinds: `message` (the coordinator's own title, text, optional link and image) and `activity` (a
published learning activity of the organisation, with an optional note; the recipient's card carries
"Anmäl mig" and "Inte intresserad", which the activities flow answers). A kind is a frozen dataclass with a
KIND, one branch in `content_from_json` and one in dialogs.broadcast.recipient_card; the fan-out, the
report and the audit do not depend on it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

TITLE_MAX = 120
TEXT_MAX = 2000
URL_MAX = 500
# A chosen time further away than this is almost certainly a typo (2062 for 2026).
SCHEDULE_HORIZON = timedelta(days=180)

TITLE_ID, TEXT_ID, LINK_ID, IMAGE_ID = "title", "text", "link", "image"
WHEN_ID, DATE_ID, TIME_ID = "when", "send_date", "send_time"
WHEN_NOW, WHEN_LATER = "now", "later"
ACTIVITY_ID = "activity"


@dataclass(frozen=True)
class OwnMessage:
    KIND: ClassVar[str] = "message"
    title: str
    text: str
    link: str | None = None
    image_url: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.KIND, "title": self.title, "text": self.text, "link": self.link,
                "image_url": self.image_url}


@dataclass(frozen=True)
class ActivityAnnouncement:
    """A learning activity announced to an audience: `title` is the activity's title when it was composed
    (for the report and the audit); the card shows the activity as it is when each batch goes out."""

    KIND: ClassVar[str] = "activity"
    activity_id: int
    title: str
    text: str | None = None  # the coordinator's note above the activity

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.KIND, "activity_id": self.activity_id, "title": self.title, "text": self.text}


Content = OwnMessage | ActivityAnnouncement


class ContentInvalid(ValueError):
    """The card's content cannot be sent; `key` names the catalogue text (error.<key>)."""

    def __init__(self, key: str, detail: str) -> None:
        super().__init__(detail)
        self.key = key


def content_from_json(data: Mapping[str, Any]) -> Content:
    kind = data.get("kind")
    if kind == OwnMessage.KIND:
        return OwnMessage(title=str(data["title"]), text=str(data["text"]), link=data.get("link") or None,
                          image_url=data.get("image_url") or None)
    if kind == ActivityAnnouncement.KIND:
        return ActivityAnnouncement(activity_id=int(data["activity_id"]), title=str(data["title"]),
                                    text=data.get("text") or None)
    raise ValueError(f"unknown broadcast content kind {kind!r}")


def https_url(value: Any, *, key: str) -> str | None:
    """An absolute https URL with a host, or None when left empty; Teams opens nothing else safely."""
    text = str(value or "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    if len(text) > URL_MAX or parts.scheme.lower() != "https" or not parts.hostname or " " in text:
        raise ContentInvalid(key, f"not an https URL: {text[:80]!r}")
    return text


def parse_message(data: Mapping[str, Any]) -> OwnMessage:
    title = str(data.get(TITLE_ID) or "").strip()
    body = str(data.get(TEXT_ID) or "").strip()
    if not title or not body:
        raise ContentInvalid("broadcast_needs_text", "title or text missing")
    if len(title) > TITLE_MAX or len(body) > TEXT_MAX:
        raise ContentInvalid("broadcast_too_long", f"title {len(title)}, text {len(body)} characters")
    return OwnMessage(title=title, text=body, link=https_url(data.get(LINK_ID), key="broadcast_bad_link"),
                      image_url=https_url(data.get(IMAGE_ID), key="broadcast_bad_image"))


def chosen_activity(data: Mapping[str, Any]) -> int | None:
    """The activity chosen on the compose card (its id), or None for a message of one's own."""
    value = str(data.get(ACTIVITY_ID) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ContentInvalid("broadcast_bad_activity", f"activity {value[:40]!r}") from None


def parse_announcement(data: Mapping[str, Any], *, activity_id: int, activity_title: str) -> ActivityAnnouncement:
    """An activity announcement: the title defaults to the activity's, the note is optional."""
    title = str(data.get(TITLE_ID) or "").strip() or activity_title[:TITLE_MAX]
    note = str(data.get(TEXT_ID) or "").strip() or None
    if len(title) > TITLE_MAX or len(note or "") > TEXT_MAX:
        raise ContentInvalid("broadcast_too_long", f"title {len(title)}, text {len(note or '')} characters")
    return ActivityAnnouncement(activity_id=activity_id, title=title, text=note)


def parse_send_at(data: Mapping[str, Any], *, now: datetime, tz: ZoneInfo) -> datetime | None:
    """None for "now"; otherwise the chosen local date and time in UTC, which must lie ahead (and not years)."""
    if str(data.get(WHEN_ID) or WHEN_NOW) != WHEN_LATER:
        return None
    try:
        day = date.fromisoformat(str(data.get(DATE_ID) or "").strip())
        at = time.fromisoformat(str(data.get(TIME_ID) or "").strip())
    except ValueError:
        raise ContentInvalid("broadcast_bad_time", f"date {data.get(DATE_ID)!r}, time {data.get(TIME_ID)!r}") \
            from None
    moment = datetime.combine(day, at.replace(tzinfo=None), tzinfo=tz).astimezone(timezone.utc)
    if moment <= now or moment - now > SCHEDULE_HORIZON:
        raise ContentInvalid("broadcast_bad_time", f"{moment.isoformat()} is not ahead of {now.isoformat()}")
    return moment
