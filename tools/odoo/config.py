"""Where Odoo is and how the product is set up in it. Secrets come from the environment only.

Connection: ODOO_URL, ODOO_DB, ODOO_USER and ODOO_PASSWORD or ODOO_API_KEY (from `agents.settings`).
Set-up names (all optional, read from the environment here until the lead folds them into Settings):
ODOO_HELPDESK_TEAM, ODOO_APPROVALS_TEAM, ODOO_SUPERVISOR_LOGIN, ODOO_ACCOUNTING_LOGIN, ODOO_TIMEOUT_S,
ODOO_APPROVAL_CATEGORIES ("reroute=Reroute,credit=Credit note,..."), ODOO_TIER_PREFIX, ODOO_REQUEST_LIMIT_S.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from tools.odoo.errors import ErrorInfo, OdooError

DEFAULT_APPROVAL_CATEGORIES = {
    "reroute": "Reroute",
    "expedite": "Expedite",
    "credit": "Credit",
    "write_off": "Write-off",
    "ship_from": "Ship from warehouse",
}


class OdooOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    helpdesk_team: str = Field(default="Logistics exceptions", alias="ODOO_HELPDESK_TEAM")
    approvals_team: str = Field(default="Approvals", alias="ODOO_APPROVALS_TEAM")
    supervisor_login: str = Field(default="supervisor", alias="ODOO_SUPERVISOR_LOGIN")
    # who hears about approved credits and write-offs (an activity on the case's ticket); also in Settings
    accounting_login: str = Field(default="accounting", alias="ODOO_ACCOUNTING_LOGIN")
    timeout_s: float = Field(default=30.0, alias="ODOO_TIMEOUT_S")
    approval_categories_spec: str = Field(default="", alias="ODOO_APPROVAL_CATEGORIES")
    tier_prefix: str = Field(default="Tier:", alias="ODOO_TIER_PREFIX")
    # Odoo finishes a request even when the client gave up, until its limit_time_real (120 s by default)
    # kills the worker and rolls it back: a create in doubt is re-checked only after that.
    request_limit_s: float = Field(default=130.0, alias="ODOO_REQUEST_LIMIT_S")
    # Escalations (triage reconcile): who gets the activity on a ticket open past its SLA; empty: the supervisor.
    team_lead_login: str = Field(default="", alias="ODOO_TEAM_LEAD_LOGIN")
    # What `triage odoo check` verifies besides the reason tags: carrier tags and account managers (logins),
    # comma-separated; empty checks none.
    carrier_tags_spec: str = Field(default="", alias="ODOO_CARRIER_TAGS")
    account_managers_spec: str = Field(default="", alias="ODOO_ACCOUNT_MANAGERS")

    @property
    def carrier_tags(self) -> list[str]:
        return [p.strip() for p in self.carrier_tags_spec.split(",") if p.strip()]

    @property
    def account_managers(self) -> list[str]:
        return [p.strip() for p in self.account_managers_spec.split(",") if p.strip()]

    @property
    def escalation_login(self) -> str:
        return self.team_lead_login.strip() or self.supervisor_login

    @property
    def approval_categories(self) -> dict[str, str]:
        mapping = dict(DEFAULT_APPROVAL_CATEGORIES)
        for part in self.approval_categories_spec.split(","):
            if "=" in part:
                kind, _, name = part.partition("=")
                mapping[kind.strip()] = name.strip()
        return mapping


@dataclass(frozen=True)
class OdooTarget:
    """One Odoo database and the user the product acts as."""

    host: str
    port: int
    protocol: str  # jsonrpc | jsonrpc+ssl
    db: str
    login: str
    secret: SecretStr  # password or API key; never logged
    timeout_s: float = 30.0

    @property
    def url(self) -> str:
        scheme = "https" if self.protocol == "jsonrpc+ssl" else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @classmethod
    def from_url(cls, url: str, db: str, login: str, secret: str | SecretStr, timeout_s: float = 30.0) -> OdooTarget:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        https = parts.scheme == "https"
        port = parts.port or (443 if https else 80)  # plain URL semantics: say :8069 when Odoo listens there
        if parts.path not in ("", "/"):
            raise OdooError(
                ErrorInfo(
                    "not_configured",
                    False,
                    "ODOO_URL must be the server's root URL (no path), e.g. https://odoo.example.com",
                )
            )
        return cls(
            host=parts.hostname or "localhost",
            port=port,
            protocol="jsonrpc+ssl" if https else "jsonrpc",
            db=db,
            login=login,
            secret=secret if isinstance(secret, SecretStr) else SecretStr(secret),
            timeout_s=timeout_s,
        )

    @classmethod
    def from_settings(cls, settings: Any, options: OdooOptions | None = None) -> OdooTarget | None:
        """None when no Odoo is configured (ODOO_URL unset); OdooError when it is half configured."""
        url = getattr(settings, "odoo_url", None)
        if not url:
            return None
        options = options or OdooOptions()
        missing = [
            name for name, value in (("ODOO_DB", settings.odoo_db), ("ODOO_USER", settings.odoo_user)) if not value
        ]
        secret = settings.odoo_api_key or settings.odoo_password
        if secret is None or not secret.get_secret_value():
            missing.append("ODOO_PASSWORD or ODOO_API_KEY")
        if missing:
            raise OdooError(ErrorInfo("not_configured", False, f"ODOO_URL is set but {', '.join(missing)} is not."))
        return cls.from_url(url, settings.odoo_db, settings.odoo_user, secret, options.timeout_s)
