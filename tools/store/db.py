"""Engine creation and schema migration for the case store (SQLite or PostgreSQL, one URL)."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for the store URL; SQLite gets WAL and a busy timeout so UI and workers can share it."""
    if url.startswith("sqlite"):
        # A small pool: closing a WAL connection checkpoints the log (~8 ms), so connections are reused.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=5)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; safe on every start)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # workers starting together migrate one at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(726170)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    log.debug("store migrated: %s", engine.url.render_as_string(hide_password=True))
