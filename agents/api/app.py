"""`create_api(deps)`: the HTTP API (FastAPI). Routes translate HTTP to the service layer and back.

    POST /v1/messages       one message: portal JSON, message/rfc822, application/pdf or DOCX; signed
                            (Standard Webhooks) or, where the operator allows it, with an ingest key
    GET  /v1/cases/{id}     a case's status and redacted, derived fields (read key)
    GET  /healthz, /readyz  the process is up; the database, checkpoints and case memory answer
    /metrics                Prometheus, on the process's `Metrics` registry

Every answer is JSON, and every refusal names what was wrong (`error`, `detail`).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Literal

from fastapi import FastAPI, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import make_asgi_app
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from agents.api.service import (
    MEDIA_TYPES,
    ApiError,
    CaseReader,
    IntakeService,
    KeyService,
    Readiness,
    Rejections,
)
from agents.api.signing import WebhookSecrets
from agents.ingest_service import IngestService
from agents.metrics import Metrics
from agents.ports import Clock
from tools.store.api import ApiKeyStore, DeliveryStore


@dataclass
class ApiDeps:
    """Exactly what the API needs; built once per process by its entry point (`triage serve`)."""

    ingest: IngestService  # its store, settings (limits) and clock are the API's too
    keys: ApiKeyStore
    deliveries: DeliveryStore
    secrets: WebhookSecrets
    bearer_integrations: frozenset[str]
    clock: Clock
    metrics: Metrics
    readiness: dict[str, Callable[[], str]] = field(default_factory=dict)
    # Held around each request's store writes: a lock on SQLite (one writer), nothing on PostgreSQL.
    writes: AbstractContextManager[object] | None = None
    # Where a refused request is recorded for the dashboard's Health section (the reason code only).
    record_reject: Callable[[str], None] | None = None


# ---------------------------------------------------------------------------- answers (for the OpenAPI)


class Accepted(BaseModel):
    status: Literal["accepted"]
    case_id: str
    message_id: str | None  # the stored raw message's id


class Duplicate(BaseModel):
    status: Literal["duplicate"]
    case_id: str
    matched_by: Literal["webhook_id", "message"]  # message: its Message-ID, event id or content


class Quarantined(BaseModel):
    status: Literal["quarantined"]
    quarantine_id: str
    reason: str
    detail: str


class Problem(BaseModel):
    field: str
    problem: str


class Rejected(BaseModel):
    status: Literal["rejected"]
    error: str
    detail: str
    field: str | None = None
    problems: list[Problem] | None = None
    quarantine_id: str | None = None
    limit: int | None = None
    accepted: list[str] | None = None


class OdooRecord(BaseModel):
    kind: str
    model: str | None
    id: int | None


class CaseView(BaseModel):
    id: str
    status: str
    channel: str
    integration: str | None
    reason: str | None
    confidence: float | None
    priority: str | None
    summary: str | None  # built from redacted text only
    dispatch_status: str | None
    created_at: str
    updated_at: str
    odoo_records: list[OdooRecord]


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, str]


def _refusals(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Rejected} for code in codes}


_PORTAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["text"],
    "properties": {
        "text": {"type": "string"},
        **{
            key: {"type": "string"}
            for key in (
                "event_id", "carrier", "tracking_number", "status_code", "status_description", "location",
                "event_time", "eta", "reference", "portal",
            )
        },
        "context": {"type": "object"},
    },
}
_MESSAGE_BODY = {
    "requestBody": {
        "required": True,
        "description": "One message. Signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature "
        "over `id.timestamp.body`), or sent with an ingest key where the operator allows it.",
        "content": {
            "application/json": {"schema": _PORTAL_SCHEMA},
            **{
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in MEDIA_TYPES
                if media != "application/json"
            },
        },
    }
}


_DELIVERY_HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature", "idempotency-key")


def _optional_string(name: str, where: str, description: str | None = None) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "name": name,
        "in": where,
        "required": False,
        "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "title": name.title()},
    }
    if description:
        parameter["description"] = description
    return parameter


_MESSAGE_PARAMETERS = [
    _optional_string("integration", "query"),
    _optional_string("content-type", "header"),
    _optional_string("content-length", "header"),
    _optional_string("x-integration", "header", "the sending integration (or ?integration=)"),
    _optional_string("x-filename", "header", "a document's file name"),
    _optional_string("authorization", "header"),
    _optional_string("webhook-id", "header"),
    _optional_string("webhook-timestamp", "header"),
    _optional_string("webhook-signature", "header"),
    _optional_string("idempotency-key", "header", "unsigned posts: the idempotency key"),
]


# ---------------------------------------------------------------------------- the app


def create_api(deps: ApiDeps) -> FastAPI:
    keys = KeyService(deps.keys, deps.bearer_integrations, Rejections(deps.metrics, deps.record_reject))
    intake = IntakeService(
        deps.ingest, deps.deliveries, deps.secrets, keys, deps.clock, deps.metrics, writes=deps.writes
    )
    reader = CaseReader(deps.ingest, keys)
    readiness = Readiness(dict(deps.readiness))

    app = FastAPI(
        title="Exception triage API",
        version="1",
        description="Signed ingest of carrier and portal messages; case status for integrations.",
    )
    # Prometheus scrapes /metrics exactly: a Route to the ASGI app answers it without the mount's redirect.
    metrics_app = make_asgi_app(registry=deps.metrics.registry)
    app.router.routes.append(Route("/metrics", endpoint=_AsgiEndpoint(metrics_app)))
    app.mount("/metrics", metrics_app)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request refused"
        body = {"status": "rejected", "error": f"http_{exc.status_code}", "detail": detail}
        return JSONResponse(body, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in err.get("loc", ())), "problem": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"field": "$", "problem": "invalid request"}
        body = {
            "status": "rejected",
            "error": "invalid_request",
            "detail": f"{first['field']}: {first['problem']}",
            "field": first["field"],
            "problems": problems,
        }
        return JSONResponse(body, status_code=422)

    @app.post(
        "/v1/messages",
        status_code=202,
        response_model=Accepted | Quarantined,
        responses={
            200: {"model": Duplicate, "description": "a replayed webhook-id or a duplicate of an existing case"},
            202: {"model": Accepted | Quarantined, "description": "stored as a case, or quarantined (kept)"},
            409: {"model": Rejected, "description": "the same webhook-id is being processed right now; retry"},
            **_refusals(400, 401, 403, 413, 415, 422),
        },
        openapi_extra={**_MESSAGE_BODY, "parameters": _MESSAGE_PARAMETERS},
        summary="Ingest one message",
    )
    async def post_message(request: Request) -> JSONResponse:
        # The headers are read from the request, not declared as FastAPI parameters: resolving ten declared
        # parameters took about a third of the CPU of an accepted request (profiled); they are documented in
        # the OpenAPI by _MESSAGE_PARAMETERS instead.
        given = request.headers
        # Refused before a byte of the body is read: too large by its own declaration, or of a type no parser takes.
        intake.check_length(given.get("content-length"))
        media = intake.media_of(given.get("content-type"))
        body = await _read_bounded(request, intake)
        headers = {name: given[name] for name in _DELIVERY_HEADERS if name in given}
        integration = given.get("x-integration") or request.query_params.get("integration")
        x_filename = given.get("x-filename")
        authorization = given.get("authorization")
        args = (integration, headers, authorization, media, body, x_filename)
        answer = await run_in_threadpool(intake.receive, *args)
        return JSONResponse(answer.body, status_code=answer.status_code)

    @app.get(
        "/v1/cases/{case_id}",
        response_model=CaseView,
        responses=_refusals(401, 403, 404, 422),
        summary="A case's status and redacted summary",
    )
    async def get_case(case_id: str, authorization: str | None = Header(default=None)) -> dict[str, Any]:
        principal = await run_in_threadpool(keys.authenticate, authorization)
        return await run_in_threadpool(reader.case, principal, case_id)

    @app.get("/healthz", response_model=Health, summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/readyz",
        response_model=Ready,
        responses={503: {"model": Ready, "description": "a dependency does not answer"}},
        summary="The database, the checkpoint store and the case memory answer",
    )
    async def readyz() -> JSONResponse:
        ok, checks = await run_in_threadpool(readiness.run)
        body = {"status": "ready" if ok else "not_ready", "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    return app


class _AsgiEndpoint:
    """An ASGI app as a Route's endpoint (Starlette wraps plain functions as request handlers instead)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


async def _read_bounded(request: Request, intake: IntakeService) -> bytes:
    """The body, refused with 413 as soon as it passes the limit (a chunked body declares no length)."""
    buffer = bytearray()
    async for chunk in request.stream():
        buffer += chunk
        if len(buffer) > intake.max_bytes:
            raise intake.too_large()
    return bytes(buffer)
