"""The customer update draft in the case view (AppTest against a real, triaged store): the reviewer reads
it, edits it and accepts it with the case; the approved text is what the Odoo note will carry, marked
"Draft, not sent", and the audit trail keeps the AI's draft beside the approved one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.ui.conftest import table, texts
from tools.store import schema as t

EDITED = "Dear customer,\n\nShipment 1Z999AA10123456784 comes back to us; we redeliver tomorrow.\n\nBest regards"
PERSONAL = ("Katrin Vogel", "Marta Lind", "269-555-0176")  # in the refused message; never in a draft


def _rows(home: Any, table_: Any, case_id: str, **where: str) -> list[dict[str, Any]]:
    with home.app().engine.connect() as conn:
        query = select(table_).where(table_.c.case_id == case_id)
        for column, value in where.items():
            query = query.where(table_.c[column] == value)
        return [dict(r._mapping) for r in conn.execute(query)]


def test_the_reviewer_reads_edits_and_accepts_the_customer_draft(triaged: Any, app: Any) -> None:
    case_id = triaged.ids["refused"]  # P2 delivery refused: the proposal tells the customer
    case = triaged.app().store.get_case(case_id)
    assert case is not None
    assert "draft_customer_update" in {a["kind"] for a in case["proposal"]["actions"]}
    ai_draft = case["proposal"]["customer_draft"]
    assert "1Z999AA10123456784" in ai_draft and ai_draft.startswith("Dear ")
    assert "delivered again or returned" in ai_draft and not any(p in ai_draft for p in PERSONAL)
    assert "Nordfreight" not in ai_draft  # the carrier is not named, let alone blamed

    at = app("customer_service", case=case_id).run()
    assert not at.exception
    assert "Customer update (draft)" in texts(at) and ai_draft in texts(at)
    assert at.text_area(key="edit_customer_draft").value == ai_draft

    at.text_area(key="edit_customer_draft").set_value(EDITED)
    at.button(key="FormSubmitter:edit_form-Save edit and accept").click().run()
    assert not at.exception, at.exception
    assert f"Edited and accepted case {case_id}" in texts(at)

    case = triaged.app().store.get_case(case_id)
    assert case is not None and case["status"] in ("approved", "dispatched")
    assert case["approved"]["customer_draft"] == EDITED
    [entry] = _rows(triaged, t.audit_log, case_id, event="decision")
    assert entry["decision"] == "edit"
    assert entry["diff"] == {"customer_draft": {"ai": ai_draft, "human": EDITED}}  # side by side, nothing else
    [note] = _rows(triaged, t.outbox, case_id, kind="note")
    body = note["payload"]["body"]
    assert "Draft, not sent" in body and "we redeliver tomorrow" in body
    assert "not accepted at the delivery address" not in body  # the approved text, not the AI's

    trail = table(at, "AI proposal", "final")
    row = trail[trail["field"] == "Customer update draft"].iloc[0]
    assert (row["AI proposal"], row["final"], bool(row["changed"])) == (ai_draft, EDITED, True)


def test_accepting_as_is_sends_the_ai_draft(triaged: Any, app: Any) -> None:
    case_id = triaged.ids["refused"]
    at = app("customer_service", case=case_id).run()
    at.button(key="accept").click().run()
    assert not at.exception
    case = triaged.app().store.get_case(case_id)
    assert case is not None
    [note] = _rows(triaged, t.outbox, case_id, kind="note")
    first_line = case["proposal"]["customer_draft"].split("\n\n")[1]
    assert "Draft, not sent" in note["payload"]["body"] and first_line[:60] in note["payload"]["body"]
