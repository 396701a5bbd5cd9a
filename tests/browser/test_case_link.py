"""A case's address in a real browser: opened signed out (a bookmark, a chat link, the Odoo ticket's link),
it shows the sign-in form at the same address, and signing in lands on that case. `triage ui` runs as a
subprocess; headless Debian Chromium is driven by Playwright. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.test_review_flow import (  # noqa: F401  (served and triaged_template are fixtures)
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    PASSWORDS,
    _shot,
    served,
    triaged_template,
)

pytestmark = pytest.mark.browser


def test_a_case_address_opened_signed_out_leads_through_sign_in_to_that_case(
    served: tuple[str, Path, dict[str, str]],  # noqa: F811
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, _home, ids = served
    case_id = ids["customs"]
    address = f"{url}/case?id={case_id}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(address)
            username = page.get_by_role("textbox", name="Username", exact=True)
            expect(username).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Page not found")).to_have_count(0)
            assert page.url == address  # the address is kept while signed out
            _shot(page, "11-case-link-signed-out")

            username.fill("cs.anna")
            page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORDS["cs.anna"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("heading", name="Message (redacted)")).to_be_visible(timeout=120_000)
            expect(page.get_by_text(case_id).first).to_be_visible()
            expect(page.get_by_text("MSCU1234565").first).to_be_visible()
            expect(page.get_by_text("Page not found")).to_have_count(0)
            assert page.url == address
            _shot(page, "12-case-link-signed-in")
        finally:
            browser.close()
    for name in ("11-case-link-signed-out", "12-case-link-signed-in"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 0
