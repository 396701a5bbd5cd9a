"""The API's service layer: who may do what (signatures, key scopes), and how a delivery becomes a case.

Routes only translate HTTP to these calls and back; every check that matters (signature, timestamp, replay,
key scope, allowed integration) is made here, so a second entry point cannot skip it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from pydantic import ValidationError

from agents.api.signing import SignatureError, WebhookSecrets
from agents.ingest_service import IngestCounts, IngestService
from agents.metrics import Metrics
from agents.ports import Clock
from agents.state import Channel
from tools.ingest import IngestError, ParseOutcome, RawInput
from tools.ingest.errors import SCHEMA
from tools.ingest.portal import PortalEvent
from tools.store.api import ApiKeyStore, Delivery, DeliveryStore, case_view

log = logging.getLogger(__name__)


class Rejections:
    """Counts a refused request: in this process's metrics (`triage_webhook_rejected_total`), and in the
    store (`record`), because the dashboard's Health section runs in another process. Only the reason code
    is recorded, never the request."""

    def __init__(self, metrics: Metrics, record: Callable[[str], None] | None = None) -> None:
        self.metrics = metrics
        self.record = record

    def __call__(self, reason: str) -> None:
        self.metrics.webhook_rejected.labels(reason=reason).inc()
        if self.record is not None:
            try:
                self.record(reason)
            except Exception:  # the Health figure must never turn a clear 4xx into a 500
                log.warning("could not record the webhook reject %s", reason, exc_info=True)

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPES: dict[str, Channel] = {
    "application/json": "portal",
    "message/rfc822": "email",
    "application/pdf": "document",
    DOCX: "document",
}
MEDIA_SUFFIXES = {"application/json": ".json", "message/rfc822": ".eml", "application/pdf": ".pdf", DOCX: ".docx"}
CLAIM_STALE_AFTER = timedelta(minutes=2)  # a claim this old belongs to a request that died mid-way
_UNSAFE = re.compile(r"[^A-Za-z0-9._@:+=-]")

# What an answer says about a quarantined body: a fixed sentence per reason code, so no text of the
# message (a name in a parser's error, a header value) can travel back in an answer.
QUARANTINE_SENTENCES = {
    "empty": "the body is empty",
    "not_json": "the body is not valid JSON",
    "unreadable": "the document or e-mail could not be read (damaged, encrypted, or not the declared format)",
    "bad_mime": "the e-mail's MIME structure is broken or truncated",
    "unsupported_type": "the body is of a type no parser handles",
    "no_text": "the body has no text to triage (for example a scanned PDF without a text layer)",
    "binary": "the body is binary data, not the declared format",
    "several_messages": "the body holds several messages; post one message per request",
    "parser_crash": "the parser failed on this body",
    "unstorable_text": "the parsed text could not be stored",
    "store_conflict": "the message could not be stored",
}


class ApiError(Exception):
    """An answer that refuses: HTTP status, a machine code, a sentence, and any extra fields."""

    def __init__(self, status: int, error: str, detail: str, **extra: Any) -> None:
        super().__init__(status, error, detail)
        self.status = status
        self.error = error
        self.detail = detail
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"status": "rejected", "error": self.error, "detail": self.detail, **self.extra}


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class Principal:
    """An authenticated API key: its name, scope and (ingest keys) the integration it posts for."""

    name: str
    scope: str
    integration: str | None


@dataclass(frozen=True)
class Submission:
    """One authorised delivery: who sent it and, if signed or given, its webhook-id (the idempotency key)."""

    integration: str
    webhook_id: str | None
    signed: bool


class KeyService:
    """Bearer keys: authentication, and the scope and integration checks every use of a key goes through."""

    def __init__(self, keys: ApiKeyStore, bearer_integrations: frozenset[str], rejected: Rejections) -> None:
        self.keys = keys
        self.bearer_integrations = bearer_integrations
        self.rejected = rejected

    def authenticate(self, authorization: str | None) -> Principal:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise self._refuse(401, "missing_key", "send Authorization: Bearer <key>")
        key = self.keys.find(token.strip())
        if key is None:
            raise self._refuse(401, "bad_key", "the API key is unknown or revoked")
        return Principal(key.name, key.scope, key.integration)

    def require_read(self, principal: Principal) -> None:
        if principal.scope != "read":
            raise self._refuse(403, "wrong_scope", f"key {principal.name!r} has scope {principal.scope!r}; reading "
                               "cases needs a read key")

    def ingest_integration(self, principal: Principal) -> str:
        """The integration an ingest key may post for, unsigned; refuses any other use."""
        if principal.scope != "ingest":
            raise self._refuse(403, "wrong_scope", f"key {principal.name!r} has scope {principal.scope!r}; posting "
                               "messages needs an ingest key")
        integration = principal.integration or principal.name
        if integration not in self.bearer_integrations:
            raise self._refuse(
                403,
                "unsigned_not_allowed",
                f"integration {integration!r} must sign its requests (Standard Webhooks); the operator has not "
                "allowed unsigned posts for it (TRIAGE_BEARER_INTEGRATIONS)",
            )
        return integration

    def _refuse(self, status: int, code: str, detail: str) -> ApiError:
        self.rejected(code)
        return ApiError(status, code, detail)


class IntakeService:
    """A delivery to a case, a duplicate or a quarantine entry, through the ingest service's own accept path."""

    def __init__(
        self,
        ingest: IngestService,
        deliveries: DeliveryStore,
        secrets: WebhookSecrets,
        keys: KeyService,
        clock: Clock,
        metrics: Metrics,
        writes: AbstractContextManager[object] | None = None,
    ) -> None:
        self.ingest = ingest
        # The store's writes of one request, serialised in this process when the store is SQLite (one
        # writer at a time anyway): a waiting request wakes as soon as the lock is free, instead of
        # sleeping in SQLite's busy handler (1, 2, 5 ... 100 ms steps), which set the p95 under load.
        self.writes = writes or nullcontext()
        self.deliveries = deliveries
        self.secrets = secrets
        self.keys = keys
        self.clock = clock
        self.metrics = metrics
        self.max_bytes = ingest.settings.max_input_bytes

    # ------------------------------------------------------------------ checks before the body is read
    def refuse(self, status: int, code: str, detail: str, **extra: Any) -> ApiError:
        self.keys.rejected(code)
        return ApiError(status, code, detail, **extra)

    def media_of(self, content_type: str | None) -> str:
        """The accepted media type a Content-Type names (parameters dropped), or a 415."""
        media = (content_type or "").split(";", 1)[0].strip().lower()
        if media not in MEDIA_TYPES:
            raise self.refuse(
                415,
                "unsupported_media_type",
                f"Content-Type {media or '(none)'!r} is not accepted; send one of: " + ", ".join(MEDIA_TYPES),
                accepted=list(MEDIA_TYPES),
            )
        return media

    def check_length(self, content_length: str | None) -> None:
        if content_length is None:
            return
        try:
            length = int(content_length)
        except ValueError:
            raise self.refuse(400, "bad_content_length", "Content-Length is not a number") from None
        if length > self.max_bytes:
            raise self.too_large(length)

    def too_large(self, length: int | None = None) -> ApiError:
        size = f"{length:,} bytes" if length is not None else "the body"
        return self.refuse(
            413, "too_large", f"{size} is over the {self.max_bytes:,}-byte limit (TRIAGE_MAX_INPUT_BYTES)",
            limit=self.max_bytes,
        )

    # ------------------------------------------------------------------ who sent it
    def authorize(
        self, integration: str | None, headers: Mapping[str, str], authorization: str | None, body: bytes
    ) -> Submission:
        """A signed request (the default), or an ingest key's unsigned post where the operator allows it."""
        signed = any(h in headers for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
        if authorization and not signed:
            principal = self.keys.authenticate(authorization)
            allowed = self.keys.ingest_integration(principal)
            if integration and integration != allowed:
                raise self.refuse(403, "wrong_integration", f"this key posts for {allowed!r}, not {integration!r}")
            return Submission(allowed, headers.get("idempotency-key") or None, signed=False)
        if not integration:
            raise self.refuse(401, "unknown_integration", "name the integration: X-Integration header or "
                              "?integration=")
        if not self.secrets.knows(integration):
            raise self.refuse(401, "unknown_integration", f"no integration named {integration!r} is configured")
        try:
            webhook_id = self.secrets.verify(integration, dict(headers), body, self.clock.now())
        except SignatureError as err:
            raise self.refuse(err.status, err.code, err.detail) from None
        return Submission(integration, webhook_id, signed=True)

    # ------------------------------------------------------------------ what becomes of it
    def receive(
        self,
        integration: str | None,
        headers: Mapping[str, str],
        authorization: str | None,
        media: str,
        body: bytes,
        filename: str | None,
    ) -> Answer:
        """Authorise, then submit: one call (one worker-thread hop) per request."""
        return self.submit(self.authorize(integration, headers, authorization, body), media, body, filename)

    def submit(self, who: Submission, media: str, body: bytes, filename: str | None) -> Answer:
        channel = MEDIA_TYPES[media]
        # Parsing is CPU only and stores nothing: done before the write section, so requests overlap in it.
        source = _source(who, media, filename)
        outcome = self._outcomes(RawInput(source=source, data=body, channel_hint=channel), body)[0]
        with self.writes:
            return self._store(who, channel, outcome, body)

    def _store(self, who: Submission, channel: Channel, outcome: ParseOutcome, body: bytes) -> Answer:
        """Claim the webhook-id, store the message, record the answer: the request's writes, in order."""
        if who.webhook_id is not None:
            claim = self.deliveries.claim(who.integration, who.webhook_id, self.clock.now(), CLAIM_STALE_AFTER)
            if isinstance(claim, Delivery):
                return self._replayed(claim, who)
            if claim == "in_progress":
                detail = "a delivery with this webhook-id is being processed; retry shortly"
                raise self.refuse(409, "in_progress", detail)
        try:
            self.metrics.messages_received.labels(channel=channel, integration=who.integration).inc()
            counts = self.ingest.accept(outcome, integration=who.integration)
            answer = self._answer(counts, outcome, body)
        except BaseException:
            if who.webhook_id is not None:  # nothing was answered: the sender's retry is processed afresh
                self.deliveries.release(who.integration, who.webhook_id)
            raise
        if who.webhook_id is not None:
            self.deliveries.finish(self._delivery(who, counts, answer))
        log.info("api delivery from %s: %s %s", who.integration, answer.status_code, answer.body.get("status"))
        return answer

    def _outcomes(self, raw: RawInput, body: bytes) -> list[ParseOutcome]:
        if raw.channel_hint == "portal":
            value = _json_or_none(body)
            if isinstance(value, list):
                detail = f"{raw.source}: expected one JSON object, got a list (one message per request)"
                err = IngestError(SCHEMA, detail)
                return [ParseOutcome(source=raw.source, data=body, message=None, error=err)]
        outcomes = self.ingest.parse(raw)
        if len(outcomes) != 1:  # an mbox posted as one e-mail: kept whole, for a person to split
            err = IngestError("several_messages", f"{raw.source} holds {len(outcomes)} messages; one per request")
            return [ParseOutcome(source=raw.source, data=body, message=None, error=err)]
        return outcomes

    def _answer(self, counts: IngestCounts, outcome: ParseOutcome, body: bytes) -> Answer:
        if counts.new_case_ids:
            case_id = counts.new_case_ids[0]
            if outcome.message is not None and outcome.message.received_at is not None:
                delay = (self.clock.now() - outcome.message.received_at).total_seconds()
                if delay >= 0:
                    self.metrics.ingest_delay.observe(delay)
            return Answer(202, {"status": "accepted", "case_id": case_id, "message_id": counts.new_raw_ids[0]})
        if counts.duplicates:
            return Answer(200, {"status": "duplicate", "case_id": counts.duplicate_of[0], "matched_by": "message"})
        qid = counts.quarantine_ids[0]
        code = outcome.error.code if outcome.error else "store_conflict"
        self.metrics.messages_quarantined.labels(reason=code).inc()
        if code == SCHEMA:
            problems = schema_problems(body)
            self.keys.rejected("schema")
            return Answer(
                422,
                {
                    "status": "rejected",
                    "error": "schema",
                    "detail": f"the body breaks the portal schema (docs/PORTAL_SCHEMA.md) at '{problems[0]['field']}': "
                    f"{problems[0]['problem']}; kept as {qid}",
                    "field": problems[0]["field"],
                    "problems": problems,
                    "quarantine_id": qid,
                },
            )
        sentence = QUARANTINE_SENTENCES.get(code, "the body could not be parsed")
        return Answer(
            202,
            {
                "status": "quarantined",
                "quarantine_id": qid,
                "reason": code,
                "detail": f"{sentence}; kept for replay (listed by `triage quarantine`)",
            },
        )

    def _delivery(self, who: Submission, counts: IngestCounts, answer: Answer) -> Delivery:
        assert who.webhook_id is not None
        if counts.new_case_ids:
            outcome, case_id = "case", counts.new_case_ids[0]
        elif counts.duplicates:
            outcome, case_id = "duplicate", counts.duplicate_of[0]
        else:
            outcome, case_id = ("rejected" if answer.status_code == 422 else "quarantined"), None
        return Delivery(
            integration=who.integration,
            webhook_id=who.webhook_id,
            outcome=outcome,
            case_id=case_id,
            quarantine_id=counts.quarantine_ids[0] if counts.quarantine_ids else None,
            status_code=answer.status_code,
            answer=answer.body,
        )

    def _replayed(self, earlier: Delivery, who: Submission) -> Answer:
        """A webhook-id seen before: its case's duplicate, or the first answer again (nothing stored twice)."""
        self.keys.rejected("replay")
        if earlier.case_id is not None:
            source = f"api:{who.integration}/{_UNSAFE.sub('_', earlier.webhook_id)[:80]}"
            self.deliveries.record_replay(earlier.case_id, source, self.clock.now())
            return Answer(200, {"status": "duplicate", "case_id": earlier.case_id, "matched_by": "webhook_id"})
        return Answer(earlier.status_code, earlier.answer)


class CaseReader:
    """Cases as the API shows them: status and redacted, derived fields; never raw text."""

    def __init__(self, ingest: IngestService, keys: KeyService) -> None:
        self.engine = ingest.store.engine
        self.keys = keys

    def case(self, principal: Principal, case_id: str) -> dict[str, Any]:
        self.keys.require_read(principal)
        view = case_view(self.engine, case_id)
        if view is None:
            raise ApiError(404, "no_such_case", f"no case with id {case_id[:60]!r}")
        return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in view.items()}


@dataclass
class Readiness:
    """Named checks; each returns a short note or raises. Ready when all of them answer."""

    checks: dict[str, Any] = field(default_factory=dict)

    def run(self) -> tuple[bool, dict[str, str]]:
        results: dict[str, str] = {}
        ok = True
        for name, check in self.checks.items():
            try:
                results[name] = f"ok: {check()}"
            except Exception as exc:  # a readiness probe reports, it never raises
                ok = False
                results[name] = f"failed: {type(exc).__name__}"
                log.warning("readiness check %s failed: %s", name, type(exc).__name__)
        return ok, results


def schema_problems(body: bytes) -> list[dict[str, str]]:
    """Each portal-schema violation as {field, problem}; never the offending value (it may be personal data)."""
    value = _json_or_none(body)
    if not isinstance(value, dict):
        return [{"field": "$", "problem": "expected one JSON object (one message per request)"}]
    try:
        PortalEvent.model_validate(value)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False, include_input=False):
            where = ".".join(str(p) for p in err["loc"]) or "$"
            problems.append({"field": where, "problem": str(err["msg"]).removeprefix("Value error, ")})
        return problems
    return [{"field": "$", "problem": "does not follow the portal schema"}]


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None


def _source(who: Submission, media: str, filename: str | None) -> str:
    """Where a delivery came from, for a person: api:<integration>[/<webhook-id>]/<file name>.

    The file name always ends in the declared media type's extension, so a damaged DOCX is reported as a
    damaged DOCX (the parsers go by the bytes first, and by the extension when the bytes are not readable)."""
    parts = [f"api:{who.integration}"]
    if who.webhook_id:
        parts.append(_UNSAFE.sub("_", who.webhook_id)[:80])
    name = _UNSAFE.sub("_", (filename or "").replace("\\", "/").rsplit("/", 1)[-1])[:120].strip("._")
    suffix = MEDIA_SUFFIXES[media]
    if not name.lower().endswith(suffix):
        name = f"{name or 'message'}{suffix}"
    parts.append(name)
    return "/".join(parts)
