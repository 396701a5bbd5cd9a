"""The probes of `/readyz` for the case store and the checkpoint store (the case memory: tools.memory.probe)."""

from __future__ import annotations

import sqlite3

from sqlalchemy import Engine, text

from agents.settings import Settings


def ping_database(engine: Engine) -> str:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return str(engine.dialect.name)


def ping_checkpoints(settings: Settings) -> str:
    """A fresh connection each time: the probe must see the store as a new client would, not a cached handle."""
    url = settings.checkpoint_url
    if url and url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1 FROM checkpoints LIMIT 1")
        return "postgres"
    lite = sqlite3.connect(f"file:{settings.checkpoint_path}?mode=ro", uri=True, timeout=5)
    try:
        lite.execute("SELECT 1 FROM checkpoints LIMIT 1").fetchall()
    finally:
        lite.close()
    return "sqlite"
