"""The review flow in a real browser: `triage ui` as a subprocess on a free port, headless Debian
Chromium driven by Playwright. Customer service signs in, opens a case, edits it and accepts it; a
supervisor approves the reroute it asked for. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from tests.ui.conftest import PASSWORDS, triaged_template  # noqa: F401  (session fixture)
from tools.store import schema as t

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EDITED_DRAFT = "Dear customer, your order PO-55102 will be redelivered tomorrow in the booked slot. Kind regards"
SLOW = 180_000  # ms: the first decision loads the embedding model in the app process


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail("/usr/bin/chromium is missing; CI must run the browser test (`make browser` installs it)")
    pytest.skip("/usr/bin/chromium is not installed (run `make browser`); CI runs this test")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"`triage ui` exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"the app did not answer on {url} within {timeout:.0f}s:\n{log.read_text()[-3000:]}")


@pytest.fixture
def served(triaged_template: tuple[Path, dict[str, str]], tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, str]]]:  # noqa: F811
    _chromium_or_skip()
    template, ids = triaged_template
    home = tmp_path / "home"
    shutil.copytree(template, home)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "ODOO_URL")}
    env["TRIAGE_HOME"] = str(home)
    triage = Path(sys.executable).with_name("triage")
    cmd = [str(triage)] if triage.exists() else [sys.executable, "-m", "agents.cli"]
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*cmd, "ui", "--port", str(port)], env=env, cwd=REPO, stdout=out,
                                stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, proc, log)
        yield url, home, ids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(url)
    page.get_by_role("textbox", name="Username", exact=True).fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORDS[username])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(username, exact=True).first.wait_for(timeout=60_000)


def _choose(page: Any, label: str, option: str) -> None:
    """Pick an option of a Streamlit selectbox by its label.

    A click that lands while Streamlit re-renders the form opens nothing, so the dropdown is opened
    again (up to 5 times) until its option shows; the test still fails if it never does.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wanted = page.get_by_role("option").filter(has_text=option).first
    for attempt in range(5):
        page.get_by_role("combobox", name=label, exact=True).click()
        try:
            wanted.wait_for(state="visible", timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == 4:
                raise
    wanted.click()


def test_customer_service_edits_and_accepts_then_supervisor_approves_the_reroute(
    served: tuple[str, Path, dict[str, str]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, home, ids = served
    case_id = ids["refused"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(60_000)

            # customer service signs in and sees the queue
            _sign_in(page, url, "cs.anna")
            expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
            _shot(page, "01-queue")

            # opens the refused-delivery case
            _choose(page, "Case", case_id)
            page.get_by_role("button", name="Open case").click()
            expect(page.get_by_role("heading", name="Message (redacted)")).to_be_visible()
            expect(page.locator("mark.ref").first).to_be_visible()  # references highlighted
            expect(page.get_by_text("Katrin Vogel")).to_have_count(0)  # redacted text only
            # the summary and the customer update the assistant wrote, side by side for the reviewer
            expect(page.get_by_role("heading", name="Customer update (draft)")).to_be_visible()
            draft_view = page.locator(".st-key-customer_draft_view")
            expect(draft_view).to_contain_text("PO-55102")
            _shot(page, "02-case")
            # the README's picture: from the reason and the summary down to the draft, in one tall view
            page.set_viewport_size({"width": 1440, "height": 1400})
            page.get_by_role("heading", name="Reason").evaluate("e => e.scrollIntoView({block: 'start'})")
            page.screenshot(path=str(SCREENSHOTS / "case-summary-draft.png"))
            page.set_viewport_size({"width": 1440, "height": 1000})

            # edits priority and summary, then accepts
            page.get_by_text("Edit, then accept").click()
            expect(page.get_by_role("button", name="Save edit and accept")).to_be_visible()
            _choose(page, "Priority", "P1")
            summary = page.get_by_role("textbox", name="Summary", exact=True)
            summary.fill("Consignee refused PO-55102 after the booked slot; redeliver in tomorrow's slot.")
            draft = page.get_by_role(
                "textbox", name="Customer update draft (posted to the Odoo ticket with a customer update action)"
            )
            expect(draft).to_contain_text("PO-55102")  # the AI draft is there to start from
            draft.fill(EDITED_DRAFT)
            comment = page.get_by_role("textbox", name="Comment (goes into the audit log and the case memory)")
            comment.fill("late slot, not damage")
            _shot(page, "03-edit")
            page.get_by_role("button", name="Save edit and accept").click()
            expect(page.get_by_text(f"Edited and accepted case {case_id}")).to_be_visible(timeout=SLOW)
            _shot(page, "04-accepted")

            # the supervisor signs in and approves the reroute from the inbox
            page.get_by_role("button", name="Sign out").click()
            _sign_in(page, url, "sup.omar")
            page.get_by_role("link", name="Supervisor inbox").click()
            expect(page.get_by_text(f"case {case_id}").first).to_be_visible()
            expect(page.get_by_text("Request approval to reroute").first).to_be_visible()
            page.get_by_role("textbox", name="Comment", exact=True).fill("Redeliver tomorrow in the booked slot")
            _shot(page, "05-inbox")
            page.get_by_role("button", name="Approve").click()
            expect(page.get_by_text(f"Approved the reroute for case {case_id}")).to_be_visible(timeout=SLOW)
            _shot(page, "06-approved")
        finally:
            browser.close()

    engine = create_engine(f"sqlite:///{home / 'cases.sqlite'}")
    try:
        with engine.connect() as conn:
            case = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).one()
            audit = conn.execute(select(t.audit_log).where(t.audit_log.c.case_id == case_id)).all()
            approval = conn.execute(select(t.approvals).where(t.approvals.c.case_id == case_id)).one()
    finally:
        engine.dispose()
    assert case.priority == "P1" and case.summary.startswith("Consignee refused PO-55102")
    decision = next(a for a in audit if a.event == "decision")
    assert (decision.actor, decision.role, decision.decision) == ("cs.anna", "customer_service", "edit")
    assert set(decision.diff) == {"priority", "summary", "customer_draft"}
    # the audit keeps the AI's draft and the approved text side by side
    assert decision.diff["customer_draft"]["human"] == EDITED_DRAFT
    assert "PO-55102" in decision.diff["customer_draft"]["ai"] and decision.diff["customer_draft"]["ai"] != EDITED_DRAFT
    assert (approval.approval_kind, approval.status, approval.decided_by) == ("reroute", "approved", "sup.omar")
    assert any(a.event == "approval" and a.actor == "sup.omar" for a in audit)
    for name in ("01-queue", "02-case", "03-edit", "04-accepted", "05-inbox", "06-approved"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 0




def test_admin_sees_the_health_section_and_sends_failed_rows_again(
    served: tuple[str, Path, dict[str, str]],
) -> None:
    """The dashboard's Health section in a real browser; its screenshot is docs/screenshots/health.png."""
    from playwright.sync_api import expect, sync_playwright

    from tests.ops.test_health_ui import seed_operations
    from tests.ui.conftest import TriagedHome

    url, home, ids = served
    os.environ["TRIAGE_HOME"] = str(home)  # the same store the served app reads
    seeded = TriagedHome(home, ids)
    try:
        failed = seed_operations(seeded)
    finally:
        seeded.app().close()
        os.environ.pop("TRIAGE_HOME", None)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            # tall enough for the whole dashboard: Streamlit scrolls inside its own container
            page = browser.new_page(viewport={"width": 1440, "height": 3600})
            page.set_default_timeout(60_000)
            _sign_in(page, url, "admin")
            page.get_by_role("link", name="Dashboard").click()
            health = page.get_by_role("heading", name="Health")
            expect(health).to_be_visible(timeout=SLOW)
            expect(page.get_by_role("heading", name="Escalations")).to_be_visible()
            expect(page.get_by_text("No data yet: workers report a heartbeat")).to_be_visible()
            expect(page.get_by_role("button", name="Send failed rows again")).to_be_visible()
            page.locator("[data-testid='stVegaLiteChart']").last.wait_for(state="visible")
            top = health.bounding_box()
            end = page.get_by_role("heading", name="Escalations").bounding_box()
            assert top is not None and end is not None
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(  # the Health section and the Escalations charts below it
                path=str(SCREENSHOTS / "health.png"),
                clip={"x": 300, "y": top["y"] - 16, "width": 1120, "height": end["y"] - top["y"] + 460},
            )
            _shot(page, "07-health")
            page.get_by_role("button", name="Send failed rows again").click()
            expect(page.get_by_text(f"Re-queued {len(failed)} row(s) of 1 case(s) for dispatch.")).to_be_visible()
        finally:
            browser.close()
    assert (SCREENSHOTS / "health.png").stat().st_size > 0
    engine = create_engine(f"sqlite:///{home / 'cases.sqlite'}")
    try:
        with engine.connect() as conn:
            statuses = conn.execute(select(t.outbox.c.status).where(t.outbox.c.id.in_(failed))).scalars().all()
    finally:
        engine.dispose()
    assert set(statuses) == {"pending"}
