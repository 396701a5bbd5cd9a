"""Leases on cases that need triage: how always-on workers share the work without doing it twice.

A case needs triage while its status is `received` or `redacted` (a run that stopped on an error
keeps that status, and its checkpoint lets the next run continue from the failed step). A worker
claims such cases by writing its id and a lease end on the row (`claimed_by`, `claimed_until`) and
counting the claim (`triage_attempts`). The claim is one statement: on PostgreSQL the candidates are
locked `FOR UPDATE SKIP LOCKED`, so concurrent workers take different rows; on SQLite the single
writer lock makes the `UPDATE ... RETURNING` atomic. The outer `WHERE` repeats the condition, so a row
another transaction claimed between the two reads is never taken twice.

A crashed worker's lease runs out and the case is claimable again. That includes a case whose run
wrote its row (`decide`) and died before its checkpoint was saved: the claim is released only after
`start` returns, so a row at review that still names a worker is one no review could resume yet.
A failed run gives the case back with a later `claimed_until` (a back-off) and the failure's exception
type in `triage_error`; after `max_attempts` claims it is left for a person (`triage run` still takes it).

Under contention a `SKIP LOCKED ... LIMIT` claim can come back empty while claimable rows remain (all
of them locked by a concurrent claim that then takes only some): callers keep polling.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update

from tools.store import schema as t

NEEDS_TRIAGE = ("received", "redacted")
WRITTEN_BEFORE_CHECKPOINT = ("awaiting_review", "needs_classification")


class CaseLeases:
    def __init__(self, engine: Engine, lease: timedelta = timedelta(seconds=120), max_attempts: int = 5) -> None:
        self.engine = engine
        self.lease = lease
        self.max_attempts = max_attempts

    def _claimable(self, now: datetime) -> Any:
        c = t.cases.c
        return and_(
            or_(
                c.status.in_(NEEDS_TRIAGE),
                # `decide` wrote the row, then the worker died before the run's checkpoint was saved (the
                # claim is released only after it): run it again, or no review could ever resume it
                and_(c.status.in_(WRITTEN_BEFORE_CHECKPOINT), c.claimed_by.is_not(None)),
            ),
            or_(c.claimed_until.is_(None), c.claimed_until < now),
            c.triage_attempts < self.max_attempts,
        )

    def claim(self, worker: str, now: datetime, limit: int = 1) -> list[str]:
        """Claim up to `limit` cases that need triage, oldest first; their ids (maybe none: poll again)."""
        c = t.cases.c
        candidates = select(c.id).where(self._claimable(now)).order_by(c.created_at, c.id).limit(limit)
        if self.engine.dialect.name == "postgresql":
            # A CTE, not `id IN (subquery)`: PostgreSQL may run an IN-subquery with LIMIT more than once
            # in one UPDATE (measured: limit 3 claimed 5 rows), a CTE is evaluated exactly once.
            picked = candidates.with_for_update(skip_locked=True).cte("picked")
            chosen: Any = c.id == picked.c.id
        else:
            chosen = c.id.in_(candidates.scalar_subquery())
        stmt = (
            update(t.cases)
            .where(chosen, self._claimable(now))
            .values(claimed_by=worker, claimed_until=now + self.lease, triage_attempts=c.triage_attempts + 1)
            .returning(c.id, c.created_at)
        )
        with self.engine.begin() as conn:
            rows = conn.execute(stmt).all()
        return [r.id for r in sorted(rows, key=lambda r: (r.created_at, r.id))]

    def renew(self, worker: str, case_ids: Sequence[str], now: datetime) -> list[str]:
        """Extend this worker's leases on these cases; the ones it still held (a lease that ran out and
        was taken by another worker is not renewed, and the caller must not run that case)."""
        if not case_ids:
            return []
        c = t.cases.c
        with self.engine.begin() as conn:
            rows = conn.execute(
                update(t.cases)
                .where(c.id.in_(list(case_ids)), c.claimed_by == worker)
                .values(claimed_until=now + self.lease)
                .returning(c.id)
            ).all()
        held = {r.id for r in rows}
        return [cid for cid in case_ids if cid in held]

    def release(self, worker: str, case_ids: Sequence[str], undo_claim: bool = False) -> None:
        """Done with these cases (or, with `undo_claim`, giving back ones never started: not counted)."""
        if not case_ids:
            return
        c = t.cases.c
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        if undo_claim:
            values["triage_attempts"] = c.triage_attempts - 1
        else:
            values["triage_error"] = None
        with self.engine.begin() as conn:
            conn.execute(update(t.cases).where(c.id.in_(list(case_ids)), c.claimed_by == worker).values(**values))

    def fail(self, worker: str, case_id: str, error: str, retry_at: datetime) -> None:
        """The run failed: give the case back, claimable again at `retry_at`."""
        c = t.cases.c
        with self.engine.begin() as conn:
            conn.execute(
                update(t.cases)
                .where(c.id == case_id, c.claimed_by == worker)
                .values(claimed_by=None, claimed_until=retry_at, triage_error=error[:200])
            )

    def waiting(self, now: datetime) -> int:
        """Cases a worker could claim now."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.cases).where(self._claimable(now))).scalar_one())

    def attempts_of(self, case_id: str) -> int:
        c = t.cases.c
        with self.engine.connect() as conn:
            return int(conn.execute(select(c.triage_attempts).where(c.id == case_id)).scalar() or 0)

    def attempts(self) -> dict[str, int]:
        """Claims per case (the audit the tests read)."""
        c = t.cases.c
        with self.engine.connect() as conn:
            return {r.id: int(r.triage_attempts) for r in conn.execute(select(c.id, c.triage_attempts))}
