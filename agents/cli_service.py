"""`triage serve`, `triage api-keys`, `triage sign`: the product as a service. `register(sub)` adds them.

The API and the key store are built by the composition root (`App.api`, `App.api_keys`).
"""

from __future__ import annotations

import argparse
import shlex
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from agents.settings import Settings

if TYPE_CHECKING:
    from agents.app import App

CONTENT_TYPES = {
    ".json": "application/json",
    ".eml": "message/rfc822",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def cmd_serve(args: argparse.Namespace, app: App) -> int:
    import uvicorn

    from agents.api.signing import WebhookSecrets
    from agents.terminal import console

    api = app.api
    spec = app.settings.webhook_secrets
    names = ", ".join(sorted(WebhookSecrets.parse(spec.get_secret_value() if spec else None).by_integration)) or "none"
    console.print(f"triage API on http://{args.host}:{args.port}  (signed integrations: {names}; OpenAPI at "
                  "/openapi.json)")
    uvicorn.run(api, host=args.host, port=args.port, log_level="info" if args.verbose else "warning",
                access_log=args.verbose)
    return 0


def cmd_keys_add(args: argparse.Namespace, app: App) -> int:
    from agents.terminal import console, out
    from tools.store.api import KeyExists

    integration = (args.integration or args.name) if args.scope == "ingest" else None
    try:
        key = app.api_keys.add(args.name, args.scope, app.clock.now(), integration=integration)
    except KeyExists as exc:
        console.print(f"[red]{exc}")
        return 1
    out.print(key, soft_wrap=True, highlight=False)
    what = f"posts for integration {integration!r}" if integration else "reads cases"
    console.print(f"API key {args.name!r} ({args.scope}; {what}). It is shown once: only its hash is stored.")
    return 0


def cmd_keys_revoke(args: argparse.Namespace, app: App) -> int:
    from agents.terminal import console

    n = app.api_keys.revoke(args.name, app.clock.now())
    console.print(f"revoked {n} key(s) named {args.name!r}" if n else f"[red]no active key named {args.name!r}")
    return 0 if n else 1


def cmd_keys_list(args: argparse.Namespace, app: App) -> int:
    from rich.table import Table

    from agents.terminal import out

    table = Table(title="API keys (only hashes are stored)")
    for col in ("name", "scope", "integration", "created", "revoked"):
        table.add_column(col)
    for key in app.api_keys.list():
        table.add_row(key.name, key.scope, key.integration or "-", f"{key.created_at:%Y-%m-%d %H:%M}",
                      f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "-")
    out.print(table)
    return 0


def signed_curl(
    settings: Settings, path: Path, integration: str, url: str, *, now: datetime, content_type: str | None = None
) -> str:
    """A curl command that posts `path`, signed now with the integration's newest secret (valid 5 minutes)."""
    from agents.api.signing import sign

    secrets = _secrets_of(settings, integration)
    media = content_type or CONTENT_TYPES.get(path.suffix.lower(), "application/json")
    msg_id = f"msg_{uuid.uuid4().hex}"
    stamp = int(now.timestamp())
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


def cmd_sign(args: argparse.Namespace, app: App) -> int:
    from agents.terminal import out

    out.print(signed_curl(app.settings, Path(args.file), args.integration, args.url, now=app.clock.now(),
                          content_type=args.content_type),
              soft_wrap=True, highlight=False, markup=False)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
