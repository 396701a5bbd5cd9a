"""The one state model of the product.

Every type that crosses a boundary (parser -> store, node -> node, graph -> review UI, review UI ->
graph, model -> node) is defined here once. Raw text with PII only ever lives in `InboundMessage`,
which is stored apart and never enters the graph state: the graph carries `raw_id` and, after
`redact`, only `RedactedMessage`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

Channel = Literal["email", "portal", "document"]
CHANNELS: tuple[Channel, ...] = get_args(Channel)

ReasonCode = Literal[
    "weather",
    "equipment_failure",
    "customs_hold",
    "address_issue",
    "recipient_unavailable",
    "delivery_refused",
    "damaged",
    "lost",
    "capacity_delay",
    "external_disruption",
    "customer_request",
    "no_exception",
]
REASON_CODES: tuple[ReasonCode, ...] = get_args(ReasonCode)

# The languages the product reads (ISO 639-1), with their names for people.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "German",
    "fr": "French",
    "es": "Spanish",
    "nl": "Dutch",
    "pt": "Portuguese",
    "it": "Italian",
}

Priority = Literal["P1", "P2", "P3", "P4"]
PRIORITIES: tuple[Priority, ...] = get_args(Priority)

Role = Literal["customer_service", "supervisor", "ml_owner", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)

ActionKind = Literal["open_ticket", "request_approval", "schedule_activity", "draft_customer_update"]
ApprovalKind = Literal["reroute", "expedite", "credit", "write_off", "ship_from"]

ReferenceKind = Literal[
    "tracking",
    "container",
    "bol",
    "awb",
    "pro",
    "po",
    "sale_order",
    "transfer",
    "booking",
    "customs_entry",
    "date",
    "place",
]

CaseStatus = Literal[
    "received",  # stored, not yet through the graph
    "redacted",
    "quarantined",  # redaction refused (timed out, failed, over budget): a quarantine row names it
    "awaiting_review",  # graph paused at review()
    "needs_classification",  # the reasoner abstained; still awaiting review
    "approved",  # human decided, dispatch pending
    "rejected",
    "dispatched",
    "dispatch_failed",
    "closed",
]


THREAD_CONTEXT_CHARS = 1500


@dataclass(frozen=True)
class User:
    """Who is acting: every service call that needs a right takes one, and checks its role itself."""

    username: str
    role: Role


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- ingestion (raw, PII)


class Attachment(Frozen):
    filename: str
    content_type: str
    size: int
    text: str | None = None  # extracted text for PDF/DOCX/plain; None for other types
    note: str | None = None  # why no text was extracted, for a person


class InboundMessage(Frozen):
    """One normalised message from any channel. Contains raw text: never enters graph state."""

    channel: Channel
    source: str  # file path, "stdin", or "api:<client>"; names where it came from for a person
    message_id: str | None = None  # RFC 822 Message-ID, portal event id, or None
    sender: str | None = None
    subject: str | None = None
    body: str
    thread: list[str] = Field(default_factory=list)  # older messages of a forwarded/replied thread
    signature: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    received_at: datetime | None = None
    structured: dict[str, str] = Field(default_factory=dict)  # portal fields: tracking_number, ...
    context: dict[str, Any] = Field(default_factory=dict)  # facts a policy needs (customer_tier ...)


# --------------------------------------------------------------------------- redaction


class RedactionStats(Frozen):
    counts: dict[str, int] = Field(default_factory=dict)  # entity type -> replaced occurrences


class RedactedMessage(Frozen):
    """What travels past `redact`: the only text a model, the vector store or a log may see."""

    channel: Channel
    sender_domain: str | None = None  # domain only; the local part can be a person's name
    subject: str | None = None
    body: str
    thread: list[str] = Field(default_factory=list)
    attachments: list[Attachment] = Field(default_factory=list)  # text redacted too
    received_at: datetime | None = None
    structured: dict[str, str] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    stats: RedactionStats = Field(default_factory=RedactionStats)
    language: str | None = None  # ISO 639-1, detected on the raw subject and body; None: too little text

    def text_for_models(self) -> str:
        """Subject and body: what classifiers, embeddings and the LLM read."""
        parts = [self.subject or "", self.body]
        if self.thread:
            # The message just before this one: a forwarded carrier notice under a short note, or the
            # report a reply answers. Older history stays out; it rarely says what is wrong now.
            parts.append(self.thread[0][:THREAD_CONTEXT_CHARS])
        parts += [f"{k}: {v}" for k, v in sorted(self.structured.items())]
        parts += [a.text for a in self.attachments if a.text]
        return "\n".join(p for p in parts if p)


# --------------------------------------------------------------------------- understanding

ManipulationKind = Literal["addresses_assistant", "fake_tool_call", "order_to_system"]
TextField = Literal["subject", "body", "thread", "attachment"]


class ManipulationSpan(Frozen):
    """Text of a (redacted) message that addresses the assistant or the system instead of reporting on
    a shipment. It is kept out of what the reasoner and the evidence step read, and shown marked."""

    field: TextField
    index: int = 0  # position in thread / attachments
    start: int
    end: int
    kind: ManipulationKind
    rule: str  # the id of the rule in policies/manipulation.yaml
    text: str = ""  # the redacted span itself, for the reviewer


class Reference(Frozen):
    kind: ReferenceKind
    value: str
    start: int  # span in `field` of the redacted message
    end: int
    field: Literal["subject", "body", "thread", "structured", "attachment"] = "body"


def stored_references(raw: Any) -> list[Reference]:
    """The references of a stored case row (its `refs` JSON); an entry that no longer validates is skipped."""
    refs: list[Reference] = []
    for item in raw or []:
        try:
            refs.append(Reference.model_validate(item))
        except ValueError:
            continue
    return refs


class SimilarCase(Frozen):
    case_id: str
    score: float  # cosine similarity, 1.0 = identical
    reason: ReasonCode
    priority: Priority | None = None
    actions: list[str] = Field(default_factory=list)
    resolution: str | None = None
    excerpt: str = ""


class Classification(Frozen):
    """Every reasoner answers with this model; `reason` is None when it abstained."""

    reason: ReasonCode | None
    confidence: float = Field(ge=0.0, le=1.0)
    abstained: bool = False
    evidence: str = ""  # the span of the redacted text that supports the reason
    at7_codes: list[str] = Field(default_factory=list)
    summary: str = ""
    reasoner: Literal["local", "llm"] = "local"
    fallback_reason: str | None = None  # why the LLM path fell back to local, when it did
    probabilities: dict[str, float] = Field(default_factory=dict)


class ErpContext(Frozen):
    source: Literal["none", "odoo", "odoo-sandbox"] = "none"
    picking: dict[str, Any] | None = None
    order: dict[str, Any] | None = None
    customer: dict[str, Any] | None = None
    customer_tier: str | None = None
    order_value: float | None = None
    promised_date: str | None = None
    error: str | None = None  # lookup failed; triage continues without it
    stock: dict[str, Any] | None = None  # replacement stock in other warehouses (tools.odoo.stock); None: no check
    # How the customer (or a purchase receipt's vendor: customer["role"]) was found: "order S00001",
    # "sender's e-mail domain contoso.example"...; when the match was ambiguous, the candidates
    # ([{"id", "name"}]) are only suggestions for the reviewer and no customer is set.
    customer_match: str | None = None
    customer_suggestions: list[dict[str, Any]] = Field(default_factory=list)


# --------------------------------------------------------------------------- decision


class ProposedAction(Frozen):
    kind: ActionKind
    approval_kind: ApprovalKind | None = None
    role_required: Role = "customer_service"
    title: str
    detail: str = ""
    amount: float | None = None
    assignee: str | None = None


@dataclass(frozen=True)
class PolicyDecision:
    """What the policy rules decide from the trusted facts: a priority, why, and the proposed actions."""

    priority: Priority
    explanation: str
    actions: list[ProposedAction]
    rule_ids: list[str] = field(default_factory=list)


class Proposal(Frozen):
    """What the AI proposes and a human accepts, edits or rejects."""

    reason: ReasonCode | None
    confidence: float
    summary: str
    priority: Priority
    priority_explanation: str
    actions: list[ProposedAction]
    assignee: str | None = None
    # The message for the customer that a `draft_customer_update` action posts (as an internal note,
    # never sent): written from structured facts only (DraftFacts), edited and approved by a person.
    customer_draft: str | None = None
    # A follow-up: a new message about the shipment of a case still open. It names that case and what the
    # new message changes (new ETA, reason, references, priority), and proposes only an update note on
    # the case's ticket plus what is genuinely new (policies/followups.yaml).
    followup_of: str | None = None
    what_changed: list[str] = Field(default_factory=list)


class DraftFacts(Frozen):
    """What a customer draft may say: structured, redacted facts only, so no personal data can enter it."""

    reason: ReasonCode | None
    language: str = "en"  # ISO 639-1 from the ERP partner's `lang`; English when the ERP gives none
    company: str | None = None  # the customer's company name from the ERP (never a private person's)
    shipment: str | None = None  # the primary shipment reference, "AWB 057-33920644"
    order: str | None = None  # the customer's order, "S00002"
    new_eta: str | None = None  # the new delivery date the message gives (ISO date or as written)


class OpenCase(Frozen):
    """The still-open case about a shipment, as a follow-up message needs it (redacted data only)."""

    case_id: str
    reason: ReasonCode | None = None
    priority: Priority | None = None
    summary: str = ""
    eta: str | None = None
    # Shipment references of the new message that the open case does not have (normalised the way the
    # store matches them: tools.odoo.payloads.shipment_keys).
    new_references: list[str] = Field(default_factory=list)
    # What the shipment's open cases hold already, by `held_key`: approvals pending or
    # approved, and actions proposed (awaiting review) or approved. A declined approval is not held.
    held: list[str] = Field(default_factory=list)


def held_key(action: ProposedAction) -> str:
    """One key per action kind, an approval per approval kind: "credit", "draft_customer_update"."""
    if action.kind == "request_approval" and action.approval_kind:
        return action.approval_kind
    return action.kind


# --------------------------------------------------------------------------- review contract

ReviewKind = Literal["accept", "edit", "reject"]


class ReviewRequest(Frozen):
    case_id: str
    proposal: Proposal
    allowed_decisions: list[ReviewKind] = Field(default_factory=lambda: list[ReviewKind](["accept", "edit", "reject"]))
    required_role: Role = "customer_service"  # supervisor when any action needs one


class _DecisionBase(Frozen):
    reviewer: str
    role: Role
    decided_at: datetime


class AcceptDecision(_DecisionBase):
    kind: Literal["accept"] = "accept"


class EditDecision(_DecisionBase):
    kind: Literal["edit"] = "edit"
    reason: ReasonCode | None = None
    priority: Priority | None = None
    summary: str | None = None
    actions: list[ProposedAction] | None = None
    assignee: str | None = None
    customer_draft: str | None = None  # the reviewer's text of the customer update
    comment: str | None = None


class RejectDecision(_DecisionBase):
    kind: Literal["reject"] = "reject"
    why: str = Field(min_length=1)


ReviewDecision = Annotated[AcceptDecision | EditDecision | RejectDecision, Field(discriminator="kind")]


def apply_decision(proposal: Proposal, decision: AcceptDecision | EditDecision | RejectDecision) -> Proposal | None:
    """The approved proposal after a human decision (None when rejected)."""
    if isinstance(decision, RejectDecision):
        return None
    if isinstance(decision, AcceptDecision):
        return proposal
    changes = {
        k: v
        for k, v in {
            "reason": decision.reason,
            "priority": decision.priority,
            "summary": decision.summary,
            "actions": decision.actions,
            "assignee": decision.assignee,
            "customer_draft": decision.customer_draft,
        }.items()
        if v is not None
    }
    return proposal.model_copy(update=changes)


def proposal_diff(before: Proposal, after: Proposal | None) -> dict[str, Any]:
    """Field-by-field difference between the AI proposal and what a human approved."""
    if after is None:
        return {"rejected": True}
    a, b = before.model_dump(mode="json"), after.model_dump(mode="json")
    return {k: {"ai": a[k], "human": b[k]} for k in a if a[k] != b[k]}


# --------------------------------------------------------------------------- graph state


class TriageState(BaseModel):
    """LangGraph state. Holds no raw text: `raw_id` points into the raw store."""

    model_config = ConfigDict(extra="forbid")

    case_id: str
    raw_id: str
    channel: Channel
    status: CaseStatus = "received"
    redacted: RedactedMessage | None = None
    references: list[Reference] = Field(default_factory=list)
    similar: list[SimilarCase] = Field(default_factory=list)
    manipulation: list[ManipulationSpan] = Field(default_factory=list)
    classification: Classification | None = None
    erp: ErpContext = Field(default_factory=ErpContext)
    proposal: Proposal | None = None
    review: ReviewRequest | None = None
    decision: ReviewDecision | None = None
    approved: Proposal | None = None
    outbox_ids: list[str] = Field(default_factory=list)
    learned: bool = False
    errors: list[str] = Field(default_factory=list)
