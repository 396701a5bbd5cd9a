"""Small rendering helpers shared by the pages: reference highlighting, diff tables, error display.

The helpers that build HTML or DataFrames are plain functions (tested without Streamlit); the ones
that draw call Streamlit.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
import yaml

from agents.state import Proposal, ProposedAction, Reference, stored_references
from policies.roles import PermissionDenied

REF_STYLE = (
    "background:#fff3b0;border-bottom:2px solid #e0a800;border-radius:3px;padding:0 2px;"
    "font-family:monospace"
)


# ------------------------------------------------------------------------------------ references


def _spans(text: str, refs: Iterable[Reference], field: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) spans of the references in `text`; offsets are trusted only when they match."""
    spans: list[tuple[int, int, str]] = []
    for ref in refs:
        if ref.field != field:
            continue
        start, end = ref.start, ref.end
        if not (0 <= start < end <= len(text)) or text[start:end].lower() != ref.value.lower():
            found = text.lower().find(ref.value.lower())
            if found < 0 or not ref.value:
                continue
            start, end = found, found + len(ref.value)
        spans.append((start, end, ref.kind))
    spans.sort()
    merged: list[tuple[int, int, str]] = []
    for span in spans:
        if merged and span[0] < merged[-1][1]:  # overlapping: keep the first, longest wins
            last = merged[-1]
            if span[1] > last[1]:
                merged[-1] = (last[0], span[1], last[2])
            continue
        merged.append(span)
    return merged


def highlight_references(text: str | None, refs: Sequence[Reference], field: str = "body") -> str:
    """HTML of the (redacted) text with every reference marked; everything else is escaped."""
    if not text:
        return ""
    out: list[str] = []
    pos = 0
    for start, end, kind in _spans(text, refs, field):
        out.append(html.escape(text[pos:start]))
        out.append(
            f'<mark class="ref ref-{html.escape(kind)}" title="{html.escape(kind)}" style="{REF_STYLE}">'
            f"{html.escape(text[start:end])}</mark>"
        )
        pos = end
    out.append(html.escape(text[pos:]))
    body = "".join(out).replace("\n", "<br>")
    return f'<div class="redacted-text" style="white-space:normal;line-height:1.5">{body}</div>'


def references_frame(refs: Sequence[Reference]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"kind": r.kind, "value": r.value, "where": r.field} for r in refs], columns=["kind", "value", "where"]
    )


def parse_references(raw: Any) -> list[Reference]:
    return stored_references(raw)


# ------------------------------------------------------------------------------------ proposals

FIELD_LABELS = {
    "reason": "Reason",
    "priority": "Priority",
    "summary": "Summary",
    "actions": "Actions",
    "assignee": "Assignee",
    "confidence": "Confidence",
    "priority_explanation": "Priority explanation",
    "customer_draft": "Customer update draft",
}


def action_label(action: ProposedAction | dict[str, Any]) -> str:
    a = action if isinstance(action, ProposedAction) else ProposedAction.model_validate(action)
    kind = f"{a.kind}:{a.approval_kind}" if a.approval_kind else a.kind
    return f"{kind} - {a.title}"


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return "; ".join(action_label(v) if isinstance(v, dict) and "kind" in v else str(v) for v in value) or "-"
    return str(value)


def diff_frame(before: Proposal | dict[str, Any] | None, after: Proposal | dict[str, Any] | None) -> pd.DataFrame:
    """Field by field: the AI proposal beside the human's final decision, with a changed flag."""
    a = before.model_dump(mode="json") if isinstance(before, Proposal) else dict(before or {})
    b = after.model_dump(mode="json") if isinstance(after, Proposal) else (dict(after) if after else None)
    rows = []
    for key, label in FIELD_LABELS.items():
        if key not in a and (b is None or key not in b):
            continue
        ai = _show(a.get(key))
        human = "(rejected)" if b is None else _show(b.get(key))
        rows.append({"field": label, "AI proposal": ai, "final": human, "changed": b is None or ai != human})
    return pd.DataFrame(rows, columns=["field", "AI proposal", "final", "changed"])


def actions_frame(actions: Sequence[ProposedAction]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "action": a.kind if not a.approval_kind else f"{a.kind}:{a.approval_kind}",
                "title": a.title,
                "decided by": "supervisor" if a.role_required == "supervisor" else "customer service",
                "amount": a.amount,
                "assignee": a.assignee or "",
            }
            for a in actions
        ],
        columns=["action", "title", "decided by", "amount", "assignee"],
    )


@cache
def approval_costs() -> dict[str, float]:
    """Planning costs of reroutes and expedites (policies/actions.yaml)."""
    path = Path(__file__).resolve().parents[1] / "policies" / "actions.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(k): float(v) for k, v in (data.get("costs") or {}).items()}


ACTION_CATALOG: dict[str, dict[str, Any]] = {
    "open_ticket": {"kind": "open_ticket", "title": "Open a helpdesk ticket"},
    "draft_customer_update": {"kind": "draft_customer_update", "title": "Draft a customer update"},
    "schedule_activity": {"kind": "schedule_activity", "title": "Schedule a follow-up activity"},
    "request_approval:reroute": {
        "kind": "request_approval", "approval_kind": "reroute", "title": "Request approval to reroute",
    },
    "request_approval:expedite": {
        "kind": "request_approval", "approval_kind": "expedite", "title": "Request approval to expedite",
    },
    "request_approval:credit": {
        "kind": "request_approval", "approval_kind": "credit", "title": "Request approval for a customer credit",
    },
    "request_approval:write_off": {
        "kind": "request_approval", "approval_kind": "write_off", "title": "Request approval to write off the goods",
    },
}


def catalog_action(key: str) -> ProposedAction:
    """A human-added action from the catalog; approvals always need a supervisor."""
    spec = dict(ACTION_CATALOG[key])
    approval = spec.get("approval_kind")
    if approval:
        spec["role_required"] = "supervisor"
        spec["amount"] = approval_costs().get(approval)
    spec["detail"] = "added by the reviewer"
    return ProposedAction.model_validate(spec)


def action_key(action: ProposedAction) -> str:
    return f"{action.kind}:{action.approval_kind}" if action.approval_kind else action.kind


# ------------------------------------------------------------------------------------ errors


def permission_of(exc: PermissionDenied) -> str:
    """The permission a PermissionDenied names ("... may not case.decide" -> "case.decide")."""
    text = str(exc)
    return text.rsplit("may not ", 1)[-1].strip() if "may not " in text else text


def show_denied(exc: PermissionDenied) -> None:
    st.error(f"Permission denied: `{permission_of(exc)}`. {exc}", icon=":material/block:")


def show_error(exc: Exception, doing: str) -> None:
    """A clear red message for a failed action (the exception's own text, no stack trace)."""
    if isinstance(exc, PermissionDenied):
        show_denied(exc)
    else:
        st.error(f"Could not {doing}: {exc}", icon=":material/error:")


def confidence_text(confidence: float | None) -> str:
    return "-" if confidence is None else f"{confidence:.0%}"
