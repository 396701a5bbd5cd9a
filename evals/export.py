"""Reviewed cases become labelled cases: `triage export-labels --out FILE --user NAME`.

A reviewed case is one with a recorded human decision (audit_log event 'decision') whose approved
proposal was kept (status approved or later: dispatched, dispatch_failed, closed). Its line follows the
dataset format of DESIGN.md with the REDACTED subject and body only (the raw store is never read), the
human's final reason, priority and actions as `expected`, and a `provenance` object saying who decided,
when, what the AI had proposed and what the human changed. Each case is exported once (table
`labelled_exports`); later exports append only new cases to the file, so the set grows from real work.

Note: the `learn` step already put these cases in the case memory the local reasoner trains on, so an
export is training data for this TRIAGE_HOME; the eval refuses it as a test set here (evals.split_check).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, insert, select

from agents.state import User
from policies.roles import PermissionDenied, require
from tools.store import schema as t

if TYPE_CHECKING:
    from agents.app import App

EXPORTABLE_STATUSES = ("approved", "dispatched", "dispatch_failed", "closed")


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")


def _action_label(action: dict[str, Any]) -> str:
    kind, approval = str(action.get("kind")), action.get("approval_kind")
    return f"{kind}:{approval}" if approval else kind


def reviewed_cases(engine: Engine, include_exported: bool = False) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(case row, its decision audit row) of every exportable case, oldest decision first."""
    c, a, x = t.cases, t.audit_log, t.labelled_exports
    query = (
        select(
            c,
            a.c.actor,
            a.c.role.label("decider_role"),
            a.c.decision,
            a.c.proposal.label("ai_proposal"),
            a.c.final,
            a.c.diff,
            a.c.comment,
            a.c.at.label("decided_at"),
        )
        .join(a, (a.c.case_id == c.c.id) & (a.c.event == "decision"))
        .where(c.c.status.in_(EXPORTABLE_STATUSES))
        .order_by(a.c.at, c.c.id)
    )
    if not include_exported:
        query = query.where(c.c.id.not_in(select(x.c.case_id)))
    out = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            data = dict(row._mapping)
            audit = {
                k: data.pop(k)
                for k in ("actor", "decider_role", "decision", "ai_proposal", "final", "diff", "comment", "decided_at")
            }
            out.append((data, audit))
    return out


def labelled_record(
    case: dict[str, Any], audit: dict[str, Any], exported_at: datetime, exported_by: str
) -> dict[str, Any] | None:
    """One dataset line; None when the human's final answer has no reason to learn from."""
    final = audit.get("final") or case.get("approved") or {}
    if not final.get("reason"):
        return None
    ai = audit.get("ai_proposal") or case.get("proposal") or {}
    redacted = case.get("redacted") or {}
    body = case.get("body") or redacted.get("body")
    if not body:
        return None
    return {
        "id": f"review-{case['id']}",
        "channel": case["channel"],
        "sender": case.get("sender_domain"),  # the domain only: the local part can be a person's name
        "subject": case.get("subject"),
        "body": body,
        "received_at": _iso(case.get("received_at")),
        "context": redacted.get("context") or {},
        "expected": {
            "reason": final["reason"],
            "priority": final.get("priority"),
            "actions": [_action_label(a) for a in final.get("actions") or []],
            "resolution": final.get("summary") or None,
            # the text is already redacted: nothing is left for a redaction eval to check in it
            "must_redact": [],
            "must_keep": [],
        },
        "provenance": {
            "source": "review_queue",
            "case_id": case["id"],
            "reviewer": audit["actor"],
            "role": audit["decider_role"],
            "decided_at": _iso(audit.get("decided_at")),
            "decision": audit.get("decision"),
            "ai_reason": ai.get("reason"),
            "ai_priority": ai.get("priority"),
            "ai_confidence": ai.get("confidence"),
            "diff": audit.get("diff") or {},
            "comment": audit.get("comment"),
            "exported_at": _iso(exported_at),
            "exported_by": exported_by,
        },
    }


def export_reviewed(engine: Engine, user: User, out: Path, now: datetime | None = None) -> int:
    """Append every not-yet-exported reviewed case to `out`; returns how many were written.

    Raises PermissionDenied unless the user's role may `labels.export`.
    """
    require(user.role, "labels.export", user.username)
    now = now or datetime.now(UTC)
    lines: list[str] = []
    exported: list[str] = []
    for case, audit in reviewed_cases(engine):
        record = labelled_record(case, audit, now, user.username)
        if record is None:
            continue
        lines.append(json.dumps(record, ensure_ascii=False))
        exported.append(case["id"])
    if not lines:
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    with engine.begin() as conn:  # after the file is written: a crash in between re-exports, never loses
        conn.execute(
            insert(t.labelled_exports),
            [{"case_id": cid, "exported_at": now, "exported_by": user.username} for cid in exported],
        )
    return len(lines)


def cmd_export(args: argparse.Namespace, app: App) -> int:
    from rich.markup import escape

    from agents.terminal import console

    user = app.users.find(args.user)
    if user is None:
        console.print(
            f"[red]export-labels:[/red] no user {escape(repr(args.user))} (create one with `triage users add`)"
        )
        return 2
    out = Path(args.out)
    try:
        n = export_reviewed(app.engine, user, out)
    except PermissionDenied as exc:
        console.print(f"[red]export-labels:[/red] {escape(str(exc))}", soft_wrap=True)
        return 2
    console.print(
        f"Exported {n} reviewed cases to {escape(str(out))} (redacted text, with provenance).", soft_wrap=True
    )
    return 0
