"""The pure helpers behind the pages: reference highlighting (escaped HTML), diff tables, the action
catalog, error naming, and the `triage ui` command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from agents.settings import Settings
from agents.state import Proposal, ProposedAction, Reference
from policies.roles import PermissionDenied
from ui import components as c
from ui.launch import APP, app_env, streamlit_command


def _ref(kind: str, value: str, start: int, field: str = "body") -> Reference:
    return Reference(kind=kind, value=value, start=start, end=start + len(value), field=field)  # type: ignore[arg-type]


def test_highlight_marks_references_and_escapes_everything_else() -> None:
    text = "BOL 8812-3390 <script>alert(1)</script> for <PERSON_1> & PO-44871"
    refs = [_ref("bol", "8812-3390", 4), _ref("po", "PO-44871", text.index("PO-44871"))]
    html = c.highlight_references(text, refs)
    assert html.count("<mark") == 2
    assert ">8812-3390</mark>" in html and ">PO-44871</mark>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;PERSON_1&gt; &amp; " in html


def test_highlight_recovers_from_stale_offsets_and_ignores_other_fields_and_overlaps() -> None:
    text = "Container MSCU1234565 held"
    refs = [
        Reference(kind="container", value="MSCU1234565", start=0, end=11, field="body"),  # wrong offsets
        _ref("container", "MSCU1234565", 10, field="subject"),  # another field
        _ref("booking", "1234565", 14),  # overlaps the container
        _ref("po", "PO-1", 0),  # not in the text at all
    ]
    html = c.highlight_references(text, refs)
    assert html.count("<mark") == 1 and ">MSCU1234565</mark>" in html
    assert c.highlight_references("", refs) == ""
    assert "<br>" in c.highlight_references("a\nb", [])


def _proposal(**changes: object) -> Proposal:
    base = Proposal(
        reason="weather", confidence=0.9, summary="Storm delay", priority="P3", priority_explanation="P3: weather",
        actions=[ProposedAction(kind="open_ticket", title="Open a helpdesk ticket")],
    )
    return base.model_copy(update=changes)


def test_diff_frame_puts_the_ai_proposal_beside_the_final_decision() -> None:
    before = _proposal()
    after = _proposal(priority="P1", assignee="cs.bruno")
    frame = c.diff_frame(before, after).set_index("field")
    assert frame.loc["Priority", "AI proposal"] == "P3" and frame.loc["Priority", "final"] == "P1"
    assert bool(frame.loc["Priority", "changed"]) and not bool(frame.loc["Reason", "changed"])
    assert frame.loc["Actions", "final"] == "open_ticket - Open a helpdesk ticket"
    rejected = c.diff_frame(before.model_dump(mode="json"), None).set_index("field")
    assert set(rejected["final"]) == {"(rejected)"} and rejected["changed"].all()


def test_catalog_approvals_need_a_supervisor_and_carry_their_cost() -> None:
    reroute = c.catalog_action("request_approval:reroute")
    assert (reroute.role_required, reroute.approval_kind, reroute.amount) == ("supervisor", "reroute", 450.0)
    assert c.catalog_action("open_ticket").role_required == "customer_service"
    assert c.action_key(reroute) == "request_approval:reroute"
    frame = c.actions_frame([reroute])
    assert list(frame["decided by"]) == ["supervisor"]


def test_permission_denied_names_the_permission() -> None:
    assert c.permission_of(PermissionDenied("cs.anna with role 'customer_service' may not approval.decide")) == (
        "approval.decide"
    )
    assert c.confidence_text(0.912) == "91%" and c.confidence_text(None) == "-"


def test_triage_ui_command(tmp_path: Path) -> None:
    cmd = streamlit_command(8765)
    joined = " ".join(cmd)
    assert cmd[1:4] == ["-m", "streamlit", "run"] and str(APP) in cmd
    for flag in ("--server.address 127.0.0.1", "--server.port 8765", "--server.headless true",
                 "--browser.gatherUsageStats false"):
        assert flag in joined
    env = app_env(Settings(TRIAGE_HOME=tmp_path / "h"), 8765)
    assert env["TRIAGE_HOME"] == str((tmp_path / "h").resolve())
    assert env["HF_HUB_OFFLINE"] == "1"
    assert env.get("TRIAGE_UI_BASE_URL", "").startswith("http")
    assert isinstance(argparse.Namespace(port=1), argparse.Namespace)


def test_the_demo_announces_its_sign_ins(tmp_path: Path, capsys: object) -> None:
    from agents.user_service import DEMO_USERS
    from ui import launch

    with launch.out.capture() as captured:
        launch.announce("http://127.0.0.1:8501", Settings(TRIAGE_HOME=tmp_path / "h"), demo=True)
    text = captured.get()
    assert "http://127.0.0.1:8501" in text
    for username, _role, password in DEMO_USERS:
        assert username in text and password in text
