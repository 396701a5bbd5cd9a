"""Role checks from `roles.yaml`: one function the service layer calls before every privileged step."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from agents.state import Role


class PermissionDenied(PermissionError):
    """A role tried something `roles.yaml` does not allow; the message names both."""


@cache
def _permissions() -> dict[str, frozenset[str]]:
    data = yaml.safe_load((Path(__file__).parent / "roles.yaml").read_text(encoding="utf-8"))
    return {perm: frozenset(roles) for perm, roles in data["permissions"].items()}


def allowed(role: Role | str, permission: str) -> bool:
    if permission not in _permissions():
        raise KeyError(f"unknown permission {permission!r}")
    return role in _permissions()[permission]


def require(role: Role | str, permission: str, who: str = "") -> None:
    if not allowed(role, permission):
        raise PermissionDenied(f"{who or 'user'} with role {role!r} may not {permission}")


def permissions() -> dict[str, frozenset[str]]:
    return dict(_permissions())
