"""Target levels: role profiles (yrkesroller) with a target per competence, the role a person works in,
personal targets that override the role's (the gaps to them are a pure rule: dialogs/rules/scoring.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, literal, union_all
from sqlmodel import Session, delete, select

from store.models.assessment import PersonalTarget, PersonRole, RoleProfile, RoleTarget
from store.models.core import utcnow

ROLE_SOURCE_SELF = "self"  # picked by the person on the targets card
ROLE_SOURCE_DIRECTORY = "directory"  # set from the HR directory import (issue 4)


@dataclass(frozen=True)
class RoleInfo:
    key: str
    title_sv: str
    title_en: str
    targets: dict[str, int]

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_sv


@dataclass(frozen=True)
class Target:
    level: int
    source: str  # "personal" or "role"


def role_profiles(session: Session) -> list[RoleInfo]:
    """Every role profile with its targets, ordered by Swedish title; two queries whatever the count."""
    roles = list(session.exec(select(RoleProfile).order_by(RoleProfile.title_sv, RoleProfile.key)))
    targets: dict[int, dict[str, int]] = {role.id: {} for role in roles if role.id is not None}
    if targets:
        for role_id, competence, target in session.exec(
            select(RoleTarget.role_profile_id, RoleTarget.competence, RoleTarget.target)
        ):
            targets.setdefault(role_id, {})[competence] = target
    return [RoleInfo(r.key, r.title_sv, r.title_en, targets.get(r.id, {})) for r in roles]


# The profile (shown after every finished assessment) reads these: built once with bind parameters, they keep
# their SQL cache key instead of building a select and its key anew each time (bench/README.md).
_ROLE_FOR_PERSON = (select(RoleProfile.key).join(PersonRole, PersonRole.role_profile_id == RoleProfile.id)
                    .where(PersonRole.person_id == bindparam("person_id")))
_ROLE_TARGETS = (select(RoleTarget.competence, RoleTarget.target)
                 .join(RoleProfile, RoleProfile.id == RoleTarget.role_profile_id)
                 .where(RoleProfile.key == bindparam("role_key")))
_PERSONAL_TARGETS = (select(PersonalTarget.competence, PersonalTarget.target)
                     .where(PersonalTarget.person_id == bindparam("person_id")))
# The profile after every finished assessment asks for the effective targets and for the role: these were
# role key + role targets + personal targets, and role key + role + role targets again (six round trips on
# PostgreSQL, bench/README.md). Each is one statement now, with the same answer.
_EFFECTIVE_TARGETS = union_all(
    select(RoleTarget.competence, RoleTarget.target, literal(0).label("personal"))
    .join(PersonRole, PersonRole.role_profile_id == RoleTarget.role_profile_id)
    .where(PersonRole.person_id == bindparam("person_id")),
    select(PersonalTarget.competence, PersonalTarget.target, literal(1).label("personal"))
    .where(PersonalTarget.person_id == bindparam("person_id")),
)
_ROLE_WITH_TARGETS = (select(RoleProfile.key, RoleProfile.title_sv, RoleProfile.title_en, RoleTarget.competence,
                             RoleTarget.target)
                      .join(PersonRole, PersonRole.role_profile_id == RoleProfile.id)
                      .outerjoin(RoleTarget, RoleTarget.role_profile_id == RoleProfile.id)
                      .where(PersonRole.person_id == bindparam("person_id")))


def role_for_person(session: Session, person_id: int) -> str | None:
    """The key of the role profile the person works in, or None if not known yet."""
    return session.exec(_ROLE_FOR_PERSON, params={"person_id": person_id}).first()


class UnknownRole(ValueError):
    pass


def set_person_role(session: Session, *, person_id: int, role_key: str | None, source: str = ROLE_SOURCE_SELF,
                    now: datetime | None = None) -> None:
    """Records the person's role profile by key (None forgets it); raises UnknownRole for a key not imported."""
    existing = session.get(PersonRole, person_id)
    if role_key is None:
        if existing is not None:
            session.delete(existing)
            session.flush()
        return
    role_id = session.exec(select(RoleProfile.id).where(RoleProfile.key == role_key)).first()
    if role_id is None:
        raise UnknownRole(f"no role profile with key {role_key!r}")
    if existing is None:
        session.add(PersonRole(person_id=person_id, role_profile_id=role_id, source=source, updated_at=now or utcnow()))
    elif existing.role_profile_id != role_id or existing.source != source:
        existing.role_profile_id, existing.source, existing.updated_at = role_id, source, now or utcnow()
    session.flush()


def role_targets(session: Session, *, role_key: str) -> dict[str, int]:
    return dict(session.exec(_ROLE_TARGETS, params={"role_key": role_key}).all())


def personal_targets(session: Session, *, person_id: int) -> dict[str, int]:
    return dict(session.exec(_PERSONAL_TARGETS, params={"person_id": person_id}).all())


def set_personal_targets(session: Session, *, person_id: int, targets: dict[str, int | None],
                         now: datetime | None = None) -> None:
    """Sets the person's own target per competence; None removes it (the role's target applies again)."""
    now = now or utcnow()
    current = {row.competence: row for row in session.exec(
        select(PersonalTarget).where(PersonalTarget.person_id == person_id))}
    removed = [key for key, level in targets.items() if level is None and key in current]
    if removed:
        session.exec(delete(PersonalTarget).where(PersonalTarget.person_id == person_id,
                                                  PersonalTarget.competence.in_(removed)))
    for key, level in targets.items():
        if level is None:
            continue
        row = current.get(key)
        if row is None:
            session.add(PersonalTarget(person_id=person_id, competence=key, target=level, updated_at=now))
        elif row.target != level:
            row.target, row.updated_at = level, now
    session.flush()


def effective_targets(session: Session, *, person_id: int) -> dict[str, Target]:
    """Target per competence: the person's own where set, otherwise their role profile's."""
    role: dict[str, Target] = {}
    personal: dict[str, Target] = {}
    for competence, level, is_personal in session.execute(_EFFECTIVE_TARGETS, {"person_id": person_id}):
        if is_personal:
            personal[competence] = Target(level, "personal")
        else:
            role[competence] = Target(level, "role")
    return {**role, **personal}


def person_role(session: Session, *, person_id: int) -> RoleInfo | None:
    """The person's role profile with its targets, or None if no role is known."""
    rows = session.execute(_ROLE_WITH_TARGETS, {"person_id": person_id}).all()
    if not rows:
        return None
    key, title_sv, title_en = rows[0][:3]
    return RoleInfo(key, title_sv, title_en,
                    {competence: target for *_, competence, target in rows if competence is not None})
