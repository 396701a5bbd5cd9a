"""Local users, as the UI and the CLI manage them: every call that changes or lists users checks the
actor's role here, server-side, so a caller that skips the UI is refused the same way."""

from __future__ import annotations

import logging

from agents.state import Role, User
from policies.roles import require
from tools.store.users import UserRecord, UserStore

log = logging.getLogger(__name__)

# The demo's users (README lists them). Created only by `triage demo`, never in a real deployment.
DEMO_USERS: list[tuple[str, Role, str]] = [
    ("cs.anna", "customer_service", "demo-cs-2026"),
    ("sup.omar", "supervisor", "demo-sup-2026"),
    ("ml.kim", "ml_owner", "demo-ml-2026"),
    ("admin", "admin", "demo-admin-2026"),
]


class UserService:
    def __init__(self, store: UserStore) -> None:
        self.store = store

    def authenticate(self, username: str, password: str) -> User | None:
        return self.store.authenticate(username, password)

    def role_of(self, username: str) -> str | None:
        return self.store.role_of(username)

    def find(self, username: str) -> User | None:
        """The local user of that name (for the command line, which has no sign-in)."""
        record = next((u for u in self.store.list() if u.username == username), None)
        return User(record.username, record.role) if record else None  # type: ignore[arg-type]

    def list_users(self, actor: User) -> list[UserRecord]:
        require(actor.role, "users.manage", actor.username)
        return self.store.list()

    def add_user(
        self, actor: User, username: str, role: str, password: str, display_name: str | None = None
    ) -> None:
        """Create or update a local user (admins only); the password is hashed with argon2."""
        require(actor.role, "users.manage", actor.username)
        if not username.strip():
            raise ValueError("a user needs a username")
        self.store.upsert(username.strip(), role, password, display_name)
        log.info("a local user was saved with role %s by an admin", role)  # no usernames in logs: they can be e-mails

    def save_without_check(self, username: str, role: str, password: str) -> None:
        """`triage users add`: whoever runs the command line on the host is the operator."""
        self.store.upsert(username, role, password)

    def ensure_demo_users(self) -> list[tuple[str, Role, str]]:
        known = {u.username for u in self.store.list()}
        for username, role, password in DEMO_USERS:
            if username not in known:
                self.store.upsert(username, role, password, display_name=username)
        return DEMO_USERS
