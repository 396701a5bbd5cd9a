"""Local users with argon2-hashed passwords in the case store (the user store adapter).

Role checks on managing users happen in the service layer (`agents.user_service`), not here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update

from agents.ports import Clock
from agents.state import ROLES, User
from tools.store import schema as t

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
MIN_PASSWORD = 8



@dataclass(frozen=True)
class UserRecord:
    username: str
    role: str
    display_name: str | None


class UserStore:
    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def upsert(self, username: str, role: str, password: str, display_name: str | None = None) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        if len(password) < MIN_PASSWORD:
            raise ValueError(f"password for {username!r} is shorter than {MIN_PASSWORD} characters")
        values = {"password_hash": _hasher.hash(password), "role": role, "display_name": display_name}
        with self.engine.begin() as conn:
            exists = conn.execute(select(t.users.c.username).where(t.users.c.username == username)).first()
            if exists:
                conn.execute(update(t.users).where(t.users.c.username == username).values(**values))
            else:
                conn.execute(insert(t.users).values(username=username, created_at=self.clock.now(), **values))

    def authenticate(self, username: str, password: str) -> User | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.username == username)).first()
        if row is None:
            _hasher.hash(password)  # same work as a real check, so timing does not reveal unknown users
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            log.info("failed sign-in (wrong password)")  # no username: it can be an e-mail address
            return None
        return User(username=row.username, role=row.role)

    def list(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.users).order_by(t.users.c.username)).all()
        return [UserRecord(r.username, r.role, r.display_name) for r in rows]

    def role_of(self, username: str) -> str | None:
        """The role of a local user (used to map an OIDC identity to a role); None when unknown."""
        with self.engine.connect() as conn:
            return conn.execute(select(t.users.c.role).where(t.users.c.username == username)).scalar()
