"""Local users with argon2-hashed passwords; the roles come from `policies/roles.yaml`."""

from __future__ import annotations

import builtins
import logging
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update

from agents.ports import Clock
from agents.review_service import User
from agents.state import ROLES
from policies.roles import require
from tools.store import schema as t

log = logging.getLogger(__name__)
_hasher = PasswordHasher()
MIN_PASSWORD = 8

# The demo's users (README lists them). Created only by `triage demo`, never in a real deployment.
DEMO_USERS: list[tuple[str, str, str]] = [
    ("cs.anna", "customer_service", "demo-cs-2026"),
    ("sup.omar", "supervisor", "demo-sup-2026"),
    ("ml.kim", "ml_owner", "demo-ml-2026"),
    ("admin", "admin", "demo-admin-2026"),
]


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
            log.info("failed sign-in for %s", username)
            return None
        return User(username=row.username, role=row.role)

    def list(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.users).order_by(t.users.c.username)).all()
        return [UserRecord(r.username, r.role, r.display_name) for r in rows]

    def ensure_demo_users(self) -> builtins.list[tuple[str, str, str]]:  # `list` here is the method above
        known = {u.username for u in self.list()}
        for username, role, password in DEMO_USERS:
            if username not in known:
                self.upsert(username, role, password, display_name=username)
        return DEMO_USERS


# ------------------------------------------------------------------ checked user management
# What the admin page calls: the role check happens here, server-side, not only in the UI.


def role_of(engine: Engine, username: str) -> str | None:
    """The role of a local user (used to map an OIDC identity to a role); None when unknown."""
    with engine.connect() as conn:
        return conn.execute(select(t.users.c.role).where(t.users.c.username == username)).scalar()


def list_users(actor: User, store: UserStore) -> list[UserRecord]:
    require(actor.role, "users.manage", actor.username)
    return store.list()


def add_user(
    actor: User, store: UserStore, username: str, role: str, password: str, display_name: str | None = None
) -> None:
    """Create or update a local user (admins only); the password is hashed with argon2."""
    require(actor.role, "users.manage", actor.username)
    if not username.strip():
        raise ValueError("a user needs a username")
    store.upsert(username.strip(), role, password, display_name)
    log.info("a local user was saved with role %s by an admin", role)  # no usernames in logs: they can be e-mails
