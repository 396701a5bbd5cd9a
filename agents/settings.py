"""Settings, read from the environment only (secrets never come from files in the repo)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    triage_home: Path = Field(default=Path("./var"), alias="TRIAGE_HOME")
    # One URL switches the case store: sqlite:///... (default, under TRIAGE_HOME) or postgresql+psycopg://...
    database_url: str | None = Field(default=None, alias="TRIAGE_DATABASE_URL")
    # Graph checkpoints: default SQLite under TRIAGE_HOME; a postgresql:// URL selects the Postgres saver.
    checkpoint_url: str | None = Field(default=None, alias="TRIAGE_CHECKPOINT_URL")
    chroma_url: str | None = Field(default=None, alias="TRIAGE_CHROMA_URL")  # http://host:port for a server
    embedding_model: str | None = Field(default=None, alias="TRIAGE_EMBEDDING_MODEL")

    max_input_bytes: int = Field(default=10 * 1024 * 1024, alias="TRIAGE_MAX_INPUT_BYTES")
    dedupe_window_hours: float = Field(default=72.0, alias="TRIAGE_DEDUPE_WINDOW_HOURS")
    raw_retention_days: int = Field(default=30, alias="TRIAGE_RAW_RETENTION_DAYS")
    # Redaction per message: wall-clock budget and analysable size (all text fields together). A message
    # over either is quarantined, never passed on partly redacted (issue 19).
    redaction_budget_ms: int = Field(default=10_000, ge=1, alias="TRIAGE_REDACTION_BUDGET_MS")
    redaction_max_chars: int = Field(default=100_000, ge=1, le=100_000, alias="TRIAGE_REDACTION_MAX_CHARS")

    reasoner: str = Field(default="local", alias="TRIAGE_REASONER")  # local | llm
    llm_model: str = Field(default="gpt-4o-mini", alias="TRIAGE_LLM_MODEL")
    llm_base_url: str | None = Field(default=None, alias="TRIAGE_LLM_BASE_URL")
    llm_api_key: SecretStr | None = Field(default=None, alias="TRIAGE_LLM_API_KEY")
    llm_timeout_s: float = Field(default=20.0, alias="TRIAGE_LLM_TIMEOUT_S")

    odoo_url: str | None = Field(default=None, alias="ODOO_URL")
    odoo_db: str | None = Field(default=None, alias="ODOO_DB")
    odoo_user: str | None = Field(default=None, alias="ODOO_USER")
    odoo_password: SecretStr | None = Field(default=None, alias="ODOO_PASSWORD")
    odoo_api_key: SecretStr | None = Field(default=None, alias="ODOO_API_KEY")
    # Accounting's Odoo login: approved credits and write-offs become an activity for it on the case's
    # ticket (the dispatcher reads it through tools.odoo.config.OdooOptions, like ODOO_SUPERVISOR_LOGIN).
    odoo_accounting_login: str = Field(default="accounting", alias="ODOO_ACCOUNTING_LOGIN")
    # The ingest API: per-integration Standard Webhooks secrets, "n8n=whsec_a|whsec_b,acme=whsec_c" (rotation:
    # several secrets for one name, all accepted), and the integrations whose ingest-scoped API keys may POST
    # unsigned ("acme,legacy-portal"; none by default).
    webhook_secrets: SecretStr | None = Field(default=None, alias="TRIAGE_WEBHOOK_SECRETS")
    bearer_integrations: str = Field(default="", alias="TRIAGE_BEARER_INTEGRATIONS")
    # Workers (agents/worker): a claim on a case runs out after this; periodic jobs' intervals (`triage reconcile` every
    # TRIAGE_RECONCILE_EVERY seconds).
    worker_lease_s: float = Field(default=120.0, gt=0, alias="TRIAGE_WORKER_LEASE_S")
    worker_embed_threads: int = Field(default=2, ge=1, alias="TRIAGE_WORKER_EMBED_THREADS")
    reconcile_every_s: float = Field(default=300.0, gt=0, alias="TRIAGE_RECONCILE_EVERY")
    ui_base_url: str = Field(default="http://127.0.0.1:8501", alias="TRIAGE_UI_BASE_URL")

    @property
    def home(self) -> Path:
        home = self.triage_home.expanduser().resolve()
        home.mkdir(parents=True, exist_ok=True)
        return home

    @property
    def worker_lease(self) -> timedelta:
        return timedelta(seconds=self.worker_lease_s)

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'cases.sqlite'}"

    @property
    def checkpoint_path(self) -> Path:
        return self.home / "checkpoints.sqlite"

    @property
    def chroma_path(self) -> Path:
        return self.home / "memory"


def load_settings() -> Settings:
    # Offline guards: both libraries try the network on import or first use unless told not to.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    return Settings()
