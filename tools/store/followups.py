"""The case thread of a shipment (the `OpenCases` port): a new message about a shipment whose case is
still open follows up on that case instead of opening a second one's worth of actions.

Matching is the outbox's (tools.odoo.payloads.shipment_keys: shipment references, normalised), over the
most recent open cases, any channel. The thread's parent is the oldest open case of the shipment that
is not itself a follow-up; what the shipment holds is read across the parent and its follow-ups.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select, update

from agents.state import OpenCase, Proposal, Reference, held_key, stored_references
from tools.odoo.payloads import SHIPMENT_REFERENCE_KINDS, normalise_reference, shipment_keys
from tools.store import schema as t

# Triaged and not closed: a case still waiting for review counts (its proposal is pending).
OPEN_STATUSES = ("awaiting_review", "needs_classification", "approved", "dispatched", "dispatch_failed")
REVIEW_STATUSES = ("awaiting_review", "needs_classification")
HELD_APPROVALS = ("pending", "approved")  # a declined approval may be proposed again
SCAN = 500  # open cases compared, newest first (the outbox's follow-up finder scans as many)


def _proposal(raw: Any) -> Proposal | None:
    try:
        return Proposal.model_validate(raw) if raw else None
    except ValueError:
        return None


class CaseThreads:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def open_case_about(self, case_id: str, references: Sequence[Reference]) -> OpenCase | None:
        keys = shipment_keys(list(references))
        if not keys:
            return None
        c = t.cases.c
        with self.engine.connect() as conn:
            created = conn.execute(select(c.created_at).where(c.id == case_id)).scalar()
            query = select(t.cases).where(c.id != case_id, c.status.in_(OPEN_STATUSES))
            if created is not None:
                # only a case that came in before this one: two messages triaged at once cannot follow each other
                query = query.where(c.created_at <= created)
            rows = conn.execute(query.order_by(c.created_at.desc()).limit(SCAN)).mappings().all()
            same = [r for r in rows if shipment_keys(stored_references(r["refs"])) & keys]
            if not same:
                return None
            roots = [r for r in same if not r["followup_of"]]
            parent = min(roots or same, key=lambda r: (r["created_at"], r["id"]))
            if not roots and parent["followup_of"]:
                # every match follows up on a case beyond the scan: the thread's parent is that case
                found = conn.execute(select(t.cases).where(c.id == parent["followup_of"])).mappings().first()
                parent = found if found is not None and found["status"] in OPEN_STATUSES else parent
            thread = {r["id"]: r for r in same if r["id"] == parent["id"] or r["followup_of"] == parent["id"]}
            thread[parent["id"]] = parent
            approvals = conn.execute(
                select(t.approvals.c.approval_kind).where(
                    t.approvals.c.case_id.in_(list(thread)), t.approvals.c.status.in_(HELD_APPROVALS)
                )
            ).scalars()
            held = {str(kind) for kind in approvals}
        for row in thread.values():
            held |= _held_actions(row)
        parent_keys = shipment_keys(stored_references(parent["refs"]))
        new_refs = [
            r.value
            for r in references
            if r.kind in SHIPMENT_REFERENCE_KINDS and r.value and normalise_reference(r.value) not in parent_keys
        ]
        return OpenCase(
            case_id=str(parent["id"]),
            reason=parent["reason"],
            priority=parent["priority"],
            summary=str(parent["summary"] or ""),
            eta=parent["eta"],
            new_references=list(dict.fromkeys(new_refs)),
            held=sorted(held),
        )

    def join_thread(self, parent_id: str, case_id: str, summary: str, eta: str | None, now: datetime) -> None:
        c = t.cases.c
        values: dict[str, Any] = {"updated_at": now}
        if summary:
            values["summary"] = summary  # the newest message says where the shipment stands now
        if eta:
            values["eta"] = eta
        with self.engine.begin() as conn:
            conn.execute(update(t.cases).where(c.id == parent_id).values(**values))
            conn.execute(update(t.cases).where(c.id == case_id).values(followup_of=parent_id))


def _held_actions(row: Any) -> set[str]:
    """Actions a case holds for its shipment: proposed while it waits for review, approved once decided.
    Approvals count through the approvals table (its status), not through the proposal."""
    source = _proposal(row["proposal"] if row["status"] in REVIEW_STATUSES else row["approved"])
    if source is None:
        return set()
    return {held_key(a) for a in source.actions if a.kind != "request_approval" or row["status"] in REVIEW_STATUSES}
