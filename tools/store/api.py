"""Store tables of the ingest API: API keys (hashes only), webhook deliveries (the replay guard), case views.

Why SHA-256 and not argon2 for API keys: a key is 32 bytes from `secrets` (256 bits), not a password a
person chose. A slow hash protects low-entropy secrets from guessing; against a 256-bit random key, one
SHA-256 is already beyond brute force, and it lets a request find its key with one indexed lookup instead
of an argon2 verification (tens of ms of CPU) per request and per stored key. The database never holds a
key, only its digest, and the key is shown once, when it is made.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.exc import IntegrityError

from tools.store import schema as t
from tools.store.cases import new_id

KEY_PREFIX = "trk_"
SCOPES = ("read", "ingest")


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    scope: str
    integration: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyExists(Exception):
    pass


class ApiKeyStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, name: str, scope: str, now: datetime, integration: str | None = None) -> str:
        """Create a key and return it: the only time it exists outside the caller's hands."""
        if scope not in SCOPES:
            raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        row = {
            "id": new_id("key"),
            "name": name,
            "key_hash": key_digest(key),
            "scope": scope,
            "integration": integration if scope == "ingest" else None,
            "created_at": now,
            "revoked_at": None,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.api_keys), row)
        except IntegrityError:
            raise KeyExists(f"an active API key named {name!r} exists; revoke it first") from None
        return key

    def revoke(self, name: str, now: datetime) -> int:
        k = t.api_keys
        with self.engine.begin() as conn:
            result = conn.execute(
                update(k).where(and_(k.c.name == name, k.c.revoked_at.is_(None))).values(revoked_at=now)
            )
        return int(result.rowcount or 0)

    def find(self, key: str) -> ApiKey | None:
        """The active key with this value, or None (unknown or revoked)."""
        k = t.api_keys
        query = select(k.c.id, k.c.name, k.c.scope, k.c.integration, k.c.created_at, k.c.revoked_at).where(
            k.c.key_hash == key_digest(key)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None or row.revoked_at is not None:
            return None
        return ApiKey(**row._mapping)

    def list(self) -> list[ApiKey]:
        k = t.api_keys
        query = select(k.c.id, k.c.name, k.c.scope, k.c.integration, k.c.created_at, k.c.revoked_at).order_by(
            k.c.created_at
        )
        with self.engine.connect() as conn:
            return [ApiKey(**row._mapping) for row in conn.execute(query)]


@dataclass(frozen=True)
class Delivery:
    integration: str
    webhook_id: str
    outcome: str  # case | duplicate | quarantined | rejected
    case_id: str | None
    quarantine_id: str | None
    status_code: int
    answer: dict[str, Any]


class DeliveryStore:
    """The replay guard: a (integration, webhook-id) pair is answered once, and remembered for good."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def find(self, integration: str, webhook_id: str) -> Delivery | None:
        d = t.webhook_deliveries
        query = select(d).where(and_(d.c.integration == integration, d.c.webhook_id == webhook_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        values = dict(row._mapping)
        values.pop("created_at")
        return Delivery(**values)

    def record(self, delivery: Delivery, now: datetime) -> bool:
        """False when a concurrent request with the same webhook-id recorded first (its row stands)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(t.webhook_deliveries), {**delivery.__dict__, "created_at": now})
        except IntegrityError:
            return False
        return True

    def record_replay(self, case_id: str, source: str, now: datetime) -> None:
        """A replayed delivery counts as a duplicate of its case, so received = cases + duplicates + quarantined."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.ingest_log), {"source": source, "outcome": "duplicate", "ref_id": case_id, "created_at": now}
            )
            conn.execute(
                insert(t.duplicates),
                {
                    "case_id": case_id,
                    "source": source,
                    "message_id": None,
                    "matched_by": "webhook_id",
                    "received_at": now,
                    "created_at": now,
                },
            )


def case_view(engine: Engine, case_id: str) -> dict[str, Any] | None:
    """What the API may show of a case: redacted and derived fields only, never raw text."""
    c, o = t.cases, t.outbox
    query = select(
        c.c.id,
        c.c.status,
        c.c.channel,
        c.c.integration,
        c.c.reason,
        c.c.confidence,
        c.c.priority,
        c.c.summary,
        c.c.dispatch_status,
        c.c.created_at,
        c.c.updated_at,
    ).where(c.c.id == case_id)
    records = (
        select(o.c.kind, o.c.odoo_model, o.c.odoo_id)
        .where(and_(o.c.case_id == case_id, o.c.status == "sent", o.c.odoo_id.isnot(None)))
        .order_by(o.c.created_at)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
        if row is None:
            return None
        sent = conn.execute(records).all()
    view = dict(row._mapping)
    view["odoo_records"] = [{"kind": r.kind, "model": r.odoo_model, "id": r.odoo_id} for r in sent]
    return view
