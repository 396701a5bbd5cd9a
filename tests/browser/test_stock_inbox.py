"""The supervisor inbox with the replacement-stock check, in a real browser (issue 18).

A carrier's delay notice about S00002 is triaged by the real runtime against the Odoo sandbox in its
"ops-more" state (Reno DC holds 40 of the 3 NW-WIDGET that WH/OUT/00002 waits for), customer service
accepts it, and the supervisor's inbox shows the "ship from Reno DC" approval with the stock table,
when it was read and the transfer. The screenshot is the README's: docs/screenshots/supervisor-inbox-stock.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.browser.test_review_flow import (
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    _chromium_or_skip,
    _free_port,
    _sign_in,
    _wait_healthy,
)
from tests.ui.builder import triage_env
from tests.ui.conftest import USERS, triaged_template  # noqa: F401  (session fixture)

pytestmark = pytest.mark.browser

SCREENSHOT = REPO / "docs" / "screenshots" / "supervisor-inbox-stock.png"
DELAY = (
    "Hello,\n\nour truck broke down on I-80 near Fernley with order S00002 (WH/OUT/00002) on board. "
    "Repairs take two days; the delivery will be late.\n\nDispatch team"
)


@pytest.fixture
def served_with_stock(
    triaged_template: tuple[Path, dict[str, str]],  # noqa: F811
    tmp_path: Path,
) -> Iterator[tuple[str, str]]:
    _chromium_or_skip()
    from agents.app import build_app
    from agents.settings import Settings
    from agents.state import InboundMessage
    from tools.odoo.sandbox import SandboxServer
    from tools.store.cases import content_fingerprint

    template, _ids = triaged_template
    home = tmp_path / "home"
    shutil.copytree(template, home)
    with SandboxServer(tmp_path / "odoo", "community", "17.0", scenario="ops-more") as odoo:
        with triage_env(home):
            os.environ.update(
                ODOO_URL=odoo.url, ODOO_DB="sandbox", ODOO_USER="triage-bot", ODOO_PASSWORD="triage-bot-pw-123"
            )
            try:
                app = build_app(Settings())
                message = InboundMessage(
                    channel="email",
                    source="test:stock",
                    message_id="<stock@ui-tests.example>",
                    sender="dispatch@sierra-haul.example",
                    subject="Breakdown - S00002 delayed 2 days",
                    body=DELAY,
                    received_at=datetime.now(UTC) - timedelta(minutes=40),
                )
                stored = app.store.add_message(
                    message, content_fingerprint(message), datetime.now(UTC), timedelta(days=30)
                )
                assert stored is not None
                case_id = stored[0]
                with app:
                    assert app.runner.start(case_id) is not None
                    app.decisions.accept(USERS["customer_service"], case_id)
            finally:
                for key in ("ODOO_DB", "ODOO_USER", "ODOO_PASSWORD"):
                    os.environ.pop(key, None)
        port = _free_port()
        env = {
            k: v for k, v in os.environ.items() if k not in ("TRIAGE_DATABASE_URL", "TRIAGE_CHECKPOINT_URL", "ODOO_URL")
        }
        env["TRIAGE_HOME"] = str(home)
        triage = Path(sys.executable).with_name("triage")
        cmd = [str(triage)] if triage.exists() else [sys.executable, "-m", "agents.cli"]
        log = tmp_path / "ui.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*cmd, "ui", "--port", str(port)], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
            )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(url, proc, log)
            yield url, case_id
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)


def test_supervisor_inbox_shows_the_stock_check(served_with_stock: tuple[str, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, case_id = served_with_stock
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(60_000)
            _sign_in(page, url, "sup.omar")
            page.get_by_role("link", name="Supervisor inbox").click()
            expect(page.get_by_text(f"case {case_id}").first).to_be_visible()
            expect(page.get_by_text("Request approval to ship from Reno DC").first).to_be_visible()
            expect(page.get_by_text("Replacement stock in other warehouses").first).to_be_visible()
            expect(page.get_by_text("Could ship from Reno DC, 40 of 3 needed").first).to_be_visible()
            expect(page.get_by_role("link", name="WH/OUT/00002").first).to_be_visible()
            page.wait_for_timeout(1500)  # let the table's canvas paint before the picture
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert SCREENSHOT.stat().st_size > 10_000
