"""`triage serve`, `triage api-keys`, `triage sign`: the product as a service. `register(sub)` adds them.

`build_api_deps` is the one place the API's dependencies are built (the composition root takes it over).
"""

from __future__ import annotations

import argparse
import shlex
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from agents.ports import Clock
from agents.settings import Settings

if TYPE_CHECKING:
    from agents.api import ApiDeps

CONTENT_TYPES = {
    ".json": "application/json",
    ".eml": "message/rfc822",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def build_api_deps(settings: Settings, clock: Clock | None = None) -> ApiDeps:
    """Everything `create_api` needs, once per process. Loads no model: accepting is storage only."""
    from agents.api import ApiDeps
    from agents.api.signing import WebhookSecrets
    from agents.checkpoints import open_checkpointer
    from agents.clock import SystemClock
    from agents.ingest_service import IngestService
    from agents.metrics import Metrics
    from tools.memory.probe import MemoryProbe
    from tools.store.api import ApiKeyStore, DeliveryStore
    from tools.store.cases import CaseStore
    from tools.store.db import make_engine, migrate

    clock = clock or SystemClock()
    secrets = WebhookSecrets.parse(settings.webhook_secrets.get_secret_value() if settings.webhook_secrets else None)
    engine = make_engine(settings.store_url)
    migrate(engine)
    with open_checkpointer(settings):  # creates (or migrates) the checkpoint store the workers write
        pass
    memory = MemoryProbe(path=settings.chroma_path, url=settings.chroma_url)
    return ApiDeps(
        ingest=IngestService(CaseStore(engine), clock, settings),
        keys=ApiKeyStore(engine),
        deliveries=DeliveryStore(engine),
        secrets=secrets,
        bearer_integrations=frozenset(n.strip() for n in settings.bearer_integrations.split(",") if n.strip()),
        clock=clock,
        metrics=Metrics(),
        readiness={
            "database": lambda: _ping_database(engine),
            "checkpoints": lambda: _ping_checkpoints(settings),
            "memory": memory.check,
        },
    )


def _ping_database(engine: object) -> str:
    from sqlalchemy import text

    with engine.connect() as conn:  # type: ignore[attr-defined]
        conn.execute(text("SELECT 1"))
    return str(engine.dialect.name)  # type: ignore[attr-defined]


def _ping_checkpoints(settings: Settings) -> str:
    url = settings.checkpoint_url
    if url and url.startswith(("postgres://", "postgresql://")):
        import psycopg

        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1 FROM checkpoints LIMIT 1")
        return "postgres"
    import sqlite3

    lite = sqlite3.connect(f"file:{settings.checkpoint_path}?mode=ro", uri=True, timeout=5)
    try:
        lite.execute("SELECT 1 FROM checkpoints LIMIT 1").fetchall()
    finally:
        lite.close()
    return "sqlite"


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from agents.api import create_api
    from agents.cli import console

    deps = build_api_deps(settings)
    app = create_api(deps)
    names = ", ".join(sorted(deps.secrets.by_integration)) or "none"
    console.print(f"triage API on http://{args.host}:{args.port}  (signed integrations: {names}; OpenAPI at "
                  "/openapi.json)")
    uvicorn.run(app, host=args.host, port=args.port, log_level="info" if args.verbose else "warning",
                access_log=args.verbose)
    return 0


def cmd_keys_add(args: argparse.Namespace, settings: Settings) -> int:
    from agents.cli import console, out
    from agents.clock import SystemClock
    from tools.store.api import ApiKeyStore, KeyExists
    from tools.store.db import make_engine, migrate

    engine = make_engine(settings.store_url)
    migrate(engine)
    integration = (args.integration or args.name) if args.scope == "ingest" else None
    try:
        key = ApiKeyStore(engine).add(args.name, args.scope, SystemClock().now(), integration=integration)
    except KeyExists as exc:
        console.print(f"[red]{exc}")
        return 1
    out.print(key, soft_wrap=True, highlight=False)
    what = f"posts for integration {integration!r}" if integration else "reads cases"
    console.print(f"API key {args.name!r} ({args.scope}; {what}). It is shown once: only its hash is stored.")
    return 0


def cmd_keys_revoke(args: argparse.Namespace, settings: Settings) -> int:
    from agents.cli import console
    from agents.clock import SystemClock
    from tools.store.api import ApiKeyStore
    from tools.store.db import make_engine, migrate

    engine = make_engine(settings.store_url)
    migrate(engine)
    n = ApiKeyStore(engine).revoke(args.name, SystemClock().now())
    console.print(f"revoked {n} key(s) named {args.name!r}" if n else f"[red]no active key named {args.name!r}")
    return 0 if n else 1


def cmd_keys_list(args: argparse.Namespace, settings: Settings) -> int:
    from rich.table import Table

    from agents.cli import out
    from tools.store.api import ApiKeyStore
    from tools.store.db import make_engine, migrate

    engine = make_engine(settings.store_url)
    migrate(engine)
    table = Table(title="API keys (only hashes are stored)")
    for col in ("name", "scope", "integration", "created", "revoked"):
        table.add_column(col)
    for key in ApiKeyStore(engine).list():
        table.add_row(key.name, key.scope, key.integration or "-", f"{key.created_at:%Y-%m-%d %H:%M}",
                      f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-")
    out.print(table)
    return 0


def signed_curl(settings: Settings, path: Path, integration: str, url: str, content_type: str | None = None) -> str:
    """A curl command that posts `path`, signed now with the integration's newest secret (valid 5 minutes)."""
    from agents.api.signing import sign

    secrets = _secrets_of(settings, integration)
    media = content_type or CONTENT_TYPES.get(path.suffix.lower(), "application/json")
    msg_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(time.time())
    signature = sign(secrets[-1], msg_id, stamp, path.read_bytes())
    parts = [
        "curl", "-sS", "-X", "POST", url,
        "-H", f"Content-Type: {media}",
        "-H", f"X-Integration: {integration}",
        "-H", f"webhook-id: {msg_id}",
        "-H", f"webhook-timestamp: {stamp}",
        "-H", f"webhook-signature: {signature}",
    ]
    if media not in ("application/json", "message/rfc822"):
        parts += ["-H", f"X-Filename: {path.name}"]
    parts += ["--data-binary", f"@{path}"]
    return " ".join(shlex.quote(p) for p in parts)


def _secrets_of(settings: Settings, integration: str) -> list[str]:
    spec = settings.webhook_secrets.get_secret_value() if settings.webhook_secrets else ""
    found = []
    for entry in spec.split(","):
        name, _, values = entry.partition("=")
        if name.strip() == integration:
            found += [v.strip() for v in values.split("|") if v.strip()]
    if not found:
        raise SystemExit(f"TRIAGE_WEBHOOK_SECRETS has no secret for {integration!r}")
    return found


def cmd_sign(args: argparse.Namespace, settings: Settings) -> int:
    from agents.cli import out

    out.print(signed_curl(settings, Path(args.file), args.integration, args.url, args.content_type),
              soft_wrap=True, highlight=False, markup=False)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("serve", help="the HTTP API: signed ingest (POST /v1/messages), case status, health, metrics")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_serve)  # `triage -v serve` adds uvicorn's info and access logs

    p = sub.add_parser("api-keys", help="bearer keys for the API (shown once, stored as hashes)")
    keys_sub = p.add_subparsers(dest="keys_command", required=True)
    c = keys_sub.add_parser("add", help="create a key and print it once")
    c.add_argument("name")
    c.add_argument("--scope", required=True, choices=["read", "ingest"])
    c.add_argument("--integration", help="ingest keys: the integration they post for (default: NAME)")
    c.set_defaults(func=cmd_keys_add)
    c = keys_sub.add_parser("revoke", help="revoke the active key of that name")
    c.add_argument("name")
    c.set_defaults(func=cmd_keys_revoke)
    c = keys_sub.add_parser("list", help="list keys (names, scopes; never the keys)")
    c.set_defaults(func=cmd_keys_list)

    p = sub.add_parser("sign", help="print a curl command that posts FILE signed for an integration (valid 5 min)")
    p.add_argument("file")
    p.add_argument("--integration", required=True)
    p.add_argument("--url", default="http://127.0.0.1:8080/v1/messages")
    p.add_argument("--content-type", default=None)
    p.set_defaults(func=cmd_sign)
