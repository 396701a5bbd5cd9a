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
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, insert, select, update
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
    outcome: str  # pending (being processed) | case | duplicate | quarantined | rejected
    case_id: str | None
    quarantine_id: str | None
    status_code: int
    answer: dict[str, Any]


# Built once: on every accepted request's path (building and cache-keying per call cost ~2 ms, measured).
_D = t.webhook_deliveries
_CLAIM = insert(_D)
_FINISH = update(_D).where(
    and_(_D.c.integration == bindparam("_integration"), _D.c.webhook_id == bindparam("_webhook_id"))
)


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

    def claim(self, integration: str, webhook_id: str, now: datetime, stale_after: timedelta) -> Delivery | str:
        """Take a webhook-id before its body is processed, so concurrent re-deliveries wait for the first.

        Returns "claimed" (go ahead), "in_progress" (another request holds it), or the finished first
        Delivery. A claim older than `stale_after` belongs to a request that died; it is taken over."""
        d = t.webhook_deliveries
        pending: dict[str, Any] = {
            "integration": integration, "webhook_id": webhook_id, "outcome": "pending", "case_id": None,
            "quarantine_id": None, "status_code": 0, "answer": {}, "created_at": now,
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(_CLAIM, pending)
            return "claimed"
        except IntegrityError:
            pass
        key = and_(d.c.integration == integration, d.c.webhook_id == webhook_id)
        with self.engine.begin() as conn:
            row = conn.execute(select(d).where(key)).first()
            if row is None:  # released meanwhile: the next attempt claims it
                return "in_progress"
            if row.outcome != "pending":
                values = dict(row._mapping)
                values.pop("created_at")
                return Delivery(**values)
            if now - _aware(row.created_at) < stale_after:
                return "in_progress"
            taken = conn.execute(  # the same created_at: only one of several waiting requests takes it over
                update(d).where(and_(key, d.c.outcome == "pending", d.c.created_at == row.created_at))
                .values(created_at=now)
            )
        return "claimed" if taken.rowcount == 1 else "in_progress"

    def finish(self, delivery: Delivery) -> None:
        values = {k: v for k, v in delivery.__dict__.items() if k not in ("integration", "webhook_id")}
        with self.engine.begin() as conn:
            conn.execute(_FINISH, {"_integration": delivery.integration, "_webhook_id": delivery.webhook_id, **values})

    def release(self, integration: str, webhook_id: str) -> None:
        """Give a claim back after a failure, so the sender's retry is processed afresh."""
        d = t.webhook_deliveries
        with self.engine.begin() as conn:
            conn.execute(
                delete(d).where(
                    and_(d.c.integration == integration, d.c.webhook_id == webhook_id, d.c.outcome == "pending")
                )
            )

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


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
