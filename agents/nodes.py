"""The graph's nodes: each a small function of (state, deps) returning a state update.

Side effects go through ports and are idempotent, because LangGraph re-runs a node from its start
when a thread resumes after an interrupt or a crash.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph.types import interrupt
from pydantic import TypeAdapter

from agents.draft_facts import draft_facts
from agents.followups import followup_actions, what_changed
from agents.manipulation import without_manipulation
from agents.ports import (
    ActionQueue,
    CaseMemory,
    Clock,
    DecisionRecorder,
    ErpReader,
    ManipulationDetector,
    NoEvents,
    OpenCases,
    Policy,
    Reasoner,
    RedactionIncomplete,
    Redactor,
    ReferenceExtractor,
    TriageEvents,
    TriageStore,
)
from agents.state import (
    AcceptDecision,
    EditDecision,
    OpenCase,
    Priority,
    Proposal,
    RedactedMessage,
    RejectDecision,
    ReviewDecision,
    ReviewRequest,
    TriageState,
)
from agents.summary import new_eta, write_summary

log = logging.getLogger(__name__)
_decision_adapter: TypeAdapter[AcceptDecision | EditDecision | RejectDecision] = TypeAdapter(ReviewDecision)


@dataclass
class TriageDeps:
    """Everything the nodes use, all ports: the composition root builds it once per process."""

    store: TriageStore
    redactor: Redactor
    references: ReferenceExtractor
    memory: CaseMemory
    reasoner: Reasoner
    erp: ErpReader
    policy: Policy
    clock: Clock
    decisions: DecisionRecorder
    actions: ActionQueue
    manipulation: ManipulationDetector | None = None
    open_cases: OpenCases | None = None  # None: follow-ups are not recognised at triage (one-off tools)
    k_similar: int = 5
    events: TriageEvents = field(default_factory=NoEvents)


def ingest_case(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """Entry: the case and its raw message were stored by the ingest service; confirm and start."""
    status = deps.store.case_status(state.case_id)
    if status is None:
        raise LookupError(f"case {state.case_id} is not in the store")
    return {"status": "received"}


def redact_message(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """The raw message, read from the raw store, redacted. Nothing raw leaves this node.

    Fail closed: a redaction that cannot complete quarantines the case (the graph ends here) instead of
    passing on a message with a recognizer skipped."""
    raw = deps.store.load_raw(state.raw_id)
    try:
        redacted = deps.redactor.redact(raw)
    except RedactionIncomplete as refused:
        deps.store.quarantine_case(state.case_id, refused.code, refused.detail, deps.clock.now())
        deps.events.quarantined(refused.code)
        log.warning("case %s quarantined: %s (%s)", state.case_id, refused.code, refused.pattern or "-")
        return {"status": "quarantined", "errors": [*state.errors, refused.code]}
    return {"redacted": redacted, "status": "redacted"}


def understand_message(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """References, similar cases, reason and ERP context. Reads only: `decide` writes the case row."""
    assert state.redacted is not None, "understand runs after redact"
    # Text that addresses the assistant or the system is data for the reviewer, not evidence: the
    # reasoner, the references and the summary read the message without it (invariant 6).
    spans = deps.manipulation.scan(state.redacted) if deps.manipulation is not None else []
    readable = without_manipulation(state.redacted, spans)
    text = readable.text_for_models()
    references = deps.references.extract(readable)
    similar = deps.memory.similar(text, k=deps.k_similar)
    classification = deps.reasoner.classify(readable, references, similar)
    erp = deps.erp.lookup(references, readable.sender_domain, text)
    summary = classification.summary or write_summary(
        readable, references, classification, erp, deps.policy.reason_label
    )
    classification = classification.model_copy(
        update={
            "summary": summary,
            "at7_codes": classification.at7_codes or deps.policy.at7_codes(classification.reason),
        }
    )
    return {
        "references": references,
        "similar": similar,
        "classification": classification,
        "erp": erp,
        "manipulation": spans,
    }


def readable_message(state: TriageState) -> RedactedMessage:
    """The redacted message as the reasoner and the policy read it: manipulation spans blanked."""
    assert state.redacted is not None
    return without_manipulation(state.redacted, state.manipulation)


def decide_actions(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    assert state.redacted is not None and state.classification is not None
    c = state.classification
    readable = readable_message(state)
    text = readable.text_for_models()
    policy = deps.policy.decide_case(c.reason, c.abstained, deps.clock.now(), state.redacted.context, state.erp, text)
    # Written for every case, so a reviewer who adds the customer update has a text to start from.
    draft = deps.policy.customer_draft(
        draft_facts(None if c.abstained else c.reason, readable, state.references, state.erp)
    )
    eta = new_eta(readable, state.references)
    proposal = Proposal(
        reason=c.reason,
        confidence=c.confidence,
        summary=c.summary,
        priority=policy.priority,
        priority_explanation=policy.explanation,
        actions=policy.actions,
        customer_draft=draft,
    )
    parent = deps.open_cases.open_case_about(state.case_id, state.references) if deps.open_cases else None
    if parent is not None:
        proposal = _as_followup(proposal, parent, eta, deps)
    status = "needs_classification" if c.abstained else "awaiting_review"
    needs_supervisor = any(a.role_required == "supervisor" for a in proposal.actions)
    review = ReviewRequest(
        case_id=state.case_id, proposal=proposal, required_role="supervisor" if needs_supervisor else "customer_service"
    )
    # The graph writes the case row once, complete: a run that fails earlier leaves it as received
    # (out of the review queue) and its checkpoint lets the next start continue from the failed step.
    deps.store.save_triage(
        state.case_id,
        deps.clock.now(),
        state.redacted,
        **_understanding_row(state),
        status=status,
        priority=proposal.priority,
        proposal=proposal.model_dump(mode="json"),
        sla_due=_sla_due(proposal.priority, deps),
        eta=eta,
        followup_of=proposal.followup_of,
    )
    if parent is not None and deps.open_cases is not None:
        deps.open_cases.join_thread(parent.case_id, state.case_id, c.summary, eta, deps.clock.now())
    return {"proposal": proposal, "review": review, "status": status}


def _as_followup(proposal: Proposal, parent: OpenCase, eta: str | None, deps: TriageDeps) -> Proposal:
    """A follow-up proposes an update note on the open case's ticket and only what is genuinely new."""
    changed = what_changed(parent, proposal.reason, proposal.priority, eta, deps.policy.reason_label)
    actions = followup_actions(proposal.actions, parent, changed, deps.policy.once_per_shipment)
    return proposal.model_copy(update={"followup_of": parent.case_id, "what_changed": changed, "actions": actions})


def request_review(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """Pause for a human. The resume value is a ReviewDecision (accept | edit | reject)."""
    assert state.review is not None and state.proposal is not None
    answer = interrupt(state.review.model_dump(mode="json"))
    decision = _decision_adapter.validate_python(answer)
    approved = deps.decisions.record_decision(state.case_id, state.proposal, decision)
    status = "rejected" if approved is None else "approved"
    return {"decision": decision, "approved": approved, "status": status}


def dispatch_actions(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """Queue approved actions in the outbox; sending to Odoo is the dispatcher's job (exactly once)."""
    if state.approved is None or state.decision is None:
        return {}
    ids = deps.actions.enqueue(state.case_id, state.approved, state.decision.reviewer, state.decision.role)
    return {"outbox_ids": ids}


def learn_from_review(state: TriageState, deps: TriageDeps) -> dict[str, Any]:
    """A reviewed case joins the memory with the human's final labels (redacted text only)."""
    if state.approved is None or state.redacted is None or state.approved.reason is None:
        return {"learned": False}
    comment = getattr(state.decision, "comment", None)
    deps.memory.remember(state.case_id, readable_message(state).text_for_models(), state.approved, comment)
    return {"learned": True}


def _understanding_row(state: TriageState) -> dict[str, Any]:
    c, erp = state.classification, state.erp
    assert c is not None and erp is not None
    keys = {r.value.lower() for r in state.references if r.kind not in ("date", "place")}
    return {
        "refs": [r.model_dump(mode="json") for r in state.references],
        "reference_keys": " ".join(sorted(keys)),
        "reason": c.reason,
        "confidence": c.confidence,
        "summary": c.summary,
        "classification": c.model_dump(mode="json"),
        "similar": [s.model_dump(mode="json") for s in state.similar],
        "erp": erp.model_dump(mode="json"),
        "carrier": _carrier(state, erp),
        "manipulation_suspected": bool(state.manipulation),
        "manipulation": [s.model_dump(mode="json") for s in state.manipulation],
    }


def _carrier(state: TriageState, erp: Any) -> str | None:
    assert state.redacted is not None
    carrier = state.redacted.structured.get("carrier")
    if not carrier and erp.picking:
        value = erp.picking.get("carrier_id")
        carrier = value[1] if isinstance(value, list) and len(value) > 1 else None
    return carrier or None


def _sla_due(priority: Priority, deps: TriageDeps) -> datetime:
    return deps.clock.now() + deps.policy.review_sla(priority)
