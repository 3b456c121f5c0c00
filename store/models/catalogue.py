"""The activity catalogue's version: one row whose number every transaction that changes an activity raises
(store/catalogue.py), so that each bot instance can tell with one read whether its copy is still current."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

CATALOGUE_ROW = 1


class ActivityCatalogue(SQLModel, table=True):
    __tablename__ = "activity_catalogue"

    id: int = Field(default=CATALOGUE_ROW, primary_key=True)
    version: int = 0
