"""Durable checkpointers: SQLite under TRIAGE_HOME by default, Postgres when TRIAGE_CHECKPOINT_URL says so."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agents.settings import Settings

# Checkpoints hold our pydantic state; only these modules may be revived from them.
_ALLOWED_MODULES = [("agents.state", name) for name in (
    "TriageState", "RedactedMessage", "RedactionStats", "Attachment", "Reference", "SimilarCase",
    "Classification", "ErpContext", "ProposedAction", "Proposal", "ReviewRequest", "ManipulationSpan",
    "AcceptDecision", "EditDecision", "RejectDecision",
)]


def _serde() -> JsonPlusSerializer:
    return JsonPlusSerializer(allowed_msgpack_modules=_ALLOWED_MODULES)


@contextmanager
def open_checkpointer(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    url = settings.checkpoint_url
    if url and url.startswith(("postgres://", "postgresql://")):
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg import Connection
        from psycopg.rows import dict_row

        with Connection.connect(url, autocommit=True, prepare_threshold=0, row_factory=dict_row) as pg_conn:
            pg_saver = PostgresSaver(pg_conn, serde=_serde())
            # Workers starting together would race on creating the tables (a unique violation in
            # pg_type): one at a time, under a session advisory lock. Polled, not waited for: the
            # migrations create indexes CONCURRENTLY, which waits for every open transaction, and a
            # blocked pg_advisory_lock call is one (measured: a deadlock between two workers).
            while not pg_conn.execute("SELECT pg_try_advisory_lock(726169) AS got").fetchone()["got"]:  # type: ignore[index]
                time.sleep(0.2)
            try:
                pg_saver.setup()
            finally:
                pg_conn.execute("SELECT pg_advisory_unlock(726169)")
            yield pg_saver
        return
    from langgraph.checkpoint.sqlite import SqliteSaver

    conn = sqlite3.connect(settings.checkpoint_path, check_same_thread=False, timeout=30)
    # WAL: the UI and workers read while one writes; NORMAL sync is still crash-safe in WAL mode.
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        saver = SqliteSaver(conn, serde=_serde())
        saver.setup()
        yield saver
    finally:
        conn.close()
