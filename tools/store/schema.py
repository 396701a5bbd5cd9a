"""Case store tables (SQLAlchemy Core). Alembic migrations in `migrations/` create them.

Raw text with PII lives only in `raw_messages`; every other table holds redacted text or ids.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

raw_messages = Table(
    "raw_messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("channel", String(16), nullable=False),
    Column("source", Text, nullable=False),
    Column("message_id", Text),
    Column("sender", Text),
    Column("subject", Text),
    Column("body", Text, nullable=False),
    Column("payload", JSON, nullable=False),  # the whole InboundMessage, for replay
    Column("fingerprint", String(64), nullable=False),  # sha256 of sender + normalised content
    Column("received_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("purge_after", DateTime(timezone=True), nullable=False),
    Column("purged_at", DateTime(timezone=True)),
)
# A Message-ID is stored once: a concurrent re-delivery loses the insert race and becomes a duplicate.
Index(
    "uq_raw_message_id",
    raw_messages.c.message_id,
    unique=True,
    sqlite_where=raw_messages.c.message_id.isnot(None),
    postgresql_where=raw_messages.c.message_id.isnot(None),
)
Index("ix_raw_fingerprint", raw_messages.c.fingerprint)

cases = Table(
    "cases",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("raw_id", String(40), ForeignKey("raw_messages.id"), nullable=False, unique=True),
    Column("channel", String(16), nullable=False),
    Column("status", String(32), nullable=False),
    Column("sender_domain", Text),
    Column("subject", Text),  # redacted
    Column("body", Text),  # redacted
    Column("redacted", JSON),  # RedactedMessage
    Column("refs", JSON),  # list[Reference]
    Column("reference_keys", Text),  # " "-joined normalised reference values, for search and follow-ups
    Column("carrier", String(64)),
    Column("language", String(8)),  # ISO 639-1 of the message (tools/language), None: could not tell
    Column("manipulation_suspected", Boolean),  # text addressing the assistant/system was found
    Column("manipulation", JSON),  # list[ManipulationSpan]
    Column("reason", String(32)),
    Column("confidence", Float),
    Column("priority", String(2)),
    Column("summary", Text),
    Column("classification", JSON),
    Column("similar", JSON),
    Column("erp", JSON),
    Column("proposal", JSON),
    Column("approved", JSON),
    Column("assignee", String(64)),
    Column("sla_due", DateTime(timezone=True)),
    Column("received_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("dispatch_status", String(32)),
    Column("dispatch_error", Text),
    # Reconciliation (policies/escalation.yaml): the newest escalation of the case, and the role it went to.
    Column("escalated_at", DateTime(timezone=True)),
    Column("escalation_rule", String(40)),
    Column("assigned_role", String(32)),
    Column("integration", String(64)),  # the API integration that delivered it (n8n, acme ...); None for files
    # A worker's lease on a case that needs triage (see tools/store/leases.py); a crashed worker's runs out.
    Column("claimed_by", String(96)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("triage_attempts", Integer, nullable=False, server_default="0"),  # claims so far
    Column("triage_error", String(200)),  # the last failure's exception type (never message text)
    # The case thread of a shipment (issue 15): a follow-up names the open case it follows (its parent),
    # and `eta` is the newest delivery date the messages give (a follow-up refreshes its parent's).
    Column("followup_of", String(40)),
    Column("eta", String(40)),
)
Index("ix_cases_queue", cases.c.status, cases.c.priority, cases.c.created_at)
Index("ix_cases_reason", cases.c.reason)
Index("ix_cases_channel", cases.c.channel)
Index("ix_cases_carrier", cases.c.carrier)
Index("ix_cases_language", cases.c.language)
Index("ix_cases_manipulation", cases.c.manipulation_suspected)
Index("ix_cases_assignee", cases.c.assignee)
Index("ix_cases_sla", cases.c.status, cases.c.sla_due)
Index("ix_cases_created", cases.c.created_at)
Index("ix_cases_escalated", cases.c.escalated_at)
Index("ix_cases_integration", cases.c.integration)
Index("ix_cases_followup", cases.c.followup_of)
Index("ix_cases_claim", cases.c.status, cases.c.claimed_until, cases.c.created_at)

duplicates = Table(
    "duplicates",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("source", Text, nullable=False),
    Column("message_id", Text),
    Column("matched_by", String(16), nullable=False),  # message_id | content
    Column("received_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
Index("ix_duplicates_case", duplicates.c.case_id)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("source", Text, nullable=False),
    Column("channel", String(16)),
    Column("reason", String(64), nullable=False),  # machine code, e.g. empty_body
    Column("detail", Text, nullable=False),  # what a person reads: what was wrong and where
    Column("payload", LargeBinary, nullable=False),  # the input bytes exactly as received, for replay
    Column("size", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # open | reprocessed | discarded
    Column("resolved_case_id", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The case a message became before its redaction was refused (issue 19); its raw text stays in
    # raw_messages and the payload here is empty. NULL for inputs refused at ingest.
    Column("case_id", String(40)),
)
Index("ix_quarantine_status", quarantine.c.status)
Index("ix_quarantine_case", quarantine.c.case_id)

ingest_log = Table(
    "ingest_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("outcome", String(16), nullable=False),  # case | duplicate | quarantined
    Column("ref_id", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(32), nullable=False),
    Column("display_name", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("event", String(32), nullable=False),  # decision | raw_view | approval | dispatch
    Column("decision", String(16)),
    Column("proposal", JSON),  # the AI proposal at decision time
    Column("final", JSON),  # what the human approved
    Column("diff", JSON),
    Column("comment", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_audit_case", audit_log.c.case_id)
Index("ix_audit_event_at", audit_log.c.event, audit_log.c.at)

approvals = Table(
    "approvals",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("approval_kind", String(16), nullable=False),
    Column("action", JSON, nullable=False),
    Column("amount", Float),
    Column("status", String(16), nullable=False),  # pending | approved | declined
    Column("requested_by", String(64)),
    Column("decided_by", String(64)),
    Column("comment", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
)
Index("ix_approvals_status", approvals.c.status)
Index("ix_approvals_case", approvals.c.case_id)

outbox = Table(
    "outbox",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("idempotency_key", String(80), nullable=False),  # marker written into the Odoo record
    Column("kind", String(32), nullable=False),  # ticket | approval | activity | note
    Column("payload", JSON, nullable=False),
    Column("status", String(16), nullable=False),  # pending | sending | sent | failed | needs_person
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(64)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("odoo_model", String(64)),
    Column("odoo_id", Integer),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("idempotency_key", name="uq_outbox_key"),
)
Index("ix_outbox_due", outbox.c.status, outbox.c.next_attempt_at)
Index("ix_outbox_case", outbox.c.case_id)

raw_access_log = Table(
    "raw_access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("role", String(32), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# Cases per (status, reason, priority, channel) as append-only +1/-1 deltas written by triggers on `cases`
# (migration 0006_search); readers sum them. '' stands for a NULL reason or priority.
case_counts = Table(
    "case_counts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("status", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("priority", String(2), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("n", Integer, nullable=False),
)

# Made by migration 0006_search in SQL that SQLAlchemy does not model (an FTS5 table and its rowid map on
# SQLite; a generated tsvector column and its GIN index on PostgreSQL; an expression index on both), so
# they are left out of this module and out of Alembic's comparison (`include_name`).
SEARCH_OBJECTS = frozenset({"cases_fts", "case_search_ids", "search_tsv", "ix_cases_search", "ix_cases_order",
                            "ix_cases_reason_order"})


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name` hook: skip the search objects above (and FTS5's shadow tables)."""
    if name is None:
        return True
    return name not in SEARCH_OBJECTS and not (type_ == "table" and name.startswith("cases_fts_"))


labelled_exports = Table(
    "labelled_exports",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("exported_by", String(64), nullable=False),
)

# Reviewed cases waiting to join the vector memory. A decision only queues them here, so recording it
# never waits for the embedding model; a process that has the model loaded (a triage run, a worker,
# `triage train`) embeds them (agents.training.TrainingService.learn_queued).
memory_queue = Table(
    "memory_queue",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("text", Text, nullable=False),  # redacted text only
    Column("approved", JSON, nullable=False),  # the approved Proposal
    Column("resolution", Text),
    Column("queued_at", DateTime(timezone=True), nullable=False),
)
# One row per escalation: (case, rule, seq) is unique, so two reconcilers racing on the same breach
# make one escalation; a (case, rule) escalates again only once its window has passed.
escalations = Table(
    "escalations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(40), ForeignKey("cases.id"), nullable=False),
    Column("rule", String(40), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("subject_id", String(40)),  # the approval or outbox row that breached, when not the case itself
    Column("priority", String(2)),
    Column("role", String(32), nullable=False),
    Column("due_at", DateTime(timezone=True)),  # when the limit ran out
    Column("at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("case_id", "rule", "seq", name="uq_escalation_case_rule_seq"),
)
Index("ix_escalations_at", escalations.c.at)

# What the Health section shows about the plumbing, written by the processes that know it: each worker
# upserts its heartbeat (`tools.store.health.record_heartbeat`), the API adds a row per refused webhook
# (`record_webhook_reject`: the reason code and the time only, never the request).
worker_heartbeats = Table(
    "worker_heartbeats",
    metadata,
    Column("worker_id", String(128), primary_key=True),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)
webhook_rejects = Table(
    "webhook_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("reason", String(40), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_webhook_rejects_at", webhook_rejects.c.at)


# API keys: only the SHA-256 of a 256-bit random key is stored (see tools/store/api_keys.py for why not argon2).
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("scope", String(16), nullable=False),  # read | ingest
    Column("integration", String(64)),  # ingest keys: the integration their unsigned POSTs belong to
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)
# One active key per name; revoked keys keep their row (and name) for the record.
Index(
    "uq_api_keys_active_name",
    api_keys.c.name,
    unique=True,
    sqlite_where=api_keys.c.revoked_at.is_(None),
    postgresql_where=api_keys.c.revoked_at.is_(None),
)

# The webhook replay guard and idempotency key: one row per (integration, webhook-id), kept for good.
webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("integration", String(64), primary_key=True),
    Column("webhook_id", String(255), primary_key=True),
    Column("outcome", String(16), nullable=False),  # case | duplicate | quarantined | rejected
    Column("case_id", String(40)),
    Column("quarantine_id", String(40)),
    Column("status_code", Integer, nullable=False),
    Column("answer", JSON, nullable=False),  # the first answer, replayed for a rejected delivery
    Column("created_at", DateTime(timezone=True), nullable=False),
)
# The mailbox reader's record of what it has ingested: one row per IMAP message (by UID within the
# mailbox's UIDVALIDITY), written in the same transaction as the message's case or quarantine entry.
mailbox_seen = Table(
    "mailbox_seen",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("mailbox", String(300), nullable=False),
    Column("uidvalidity", String(32), nullable=False),
    Column("uid", String(32), nullable=False),
    Column("message_id", Text),
    Column("outcome", String(16), nullable=False),  # case | duplicate | quarantined
    Column("ref_id", String(40)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("mailbox", "uidvalidity", "uid", name="uq_mailbox_seen_uid"),
)
Index("ix_mailbox_seen_message_id", mailbox_seen.c.message_id)
