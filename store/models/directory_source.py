"""Where an organisation's directory comes from (an HR file or Microsoft Graph) and the Graph sync's state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Optional

from sqlalchemy import JSON, Column, Text
from sqlmodel import Field, SQLModel


class SourceKind(StrEnum):
    FILE = "file"  # CSV/XLSX from HR, imported by hand (python -m bot import-directory)
    GRAPH = "graph"  # Entra ID through Microsoft Graph (python -m bot directory sync)


class DirectorySource(SQLModel, table=True):
    """One per organisation that has chosen; none means the HR file. One source only, so the two never fight."""

    __tablename__ = "directory_source"

    organisation_id: int = Field(foreign_key="organisation.id", primary_key=True)
    kind: str = Field(default=SourceKind.FILE, max_length=8)
    # The Graph scope rule and the attribute mapping (store.directory_sync.SyncRule as JSON).
    rule: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    nightly: bool = False
    install_app: bool = False
    # Where the next delta sync starts; None until the first full sync has finished.
    delta_link: Optional[str] = Field(default=None, sa_column=Column(Text, nullable=True))
    last_synced_at: Optional[datetime] = None
    last_summary: Optional[str] = Field(default=None, max_length=500)


class InstallOutcome(StrEnum):
    INSTALLED = "installed"  # the bot installed the app for the person through Graph
    ALREADY = "already"  # the app was there already (Graph answered 409)
    BLOCKED = "blocked"  # the tenant's policy forbids it (403): an admin must allow the app
    FAILED = "failed"  # anything else (the person is gone, Graph kept failing); tried again next time


class AppInstallation(SQLModel, table=True):
    """The outcome of installing the Teams app for one person in the directory, so invitations reach them."""

    __tablename__ = "app_installation"

    entry_id: int = Field(foreign_key="directory_entry.id", primary_key=True)
    outcome: str = Field(max_length=12)
    attempted_at: datetime
    detail: Optional[str] = Field(default=None, max_length=200)
