"""The console in a real browser (headless Debian Chromium via Selenium): sign in, approve and reject
claims (the member's notices reach the Twilio stand-in), issue and void a batch, adjust a balance,
send a campaign, answer and close a handoff, read the audit log. One browser session serves the whole scenario."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from admin.browser import chromium_paths, login, make_driver, serve
from bot.i18n import translate
from storage import ledger
from storage.claim_models import ClaimStatus, CouponBatch, CouponRedemption
from storage.db import sessions
from storage.models import Member
from tests.adminkit import PASSWORD, claim_codes_for, make_user, quick_member
from tests.botkit import run_jobs
from tests.claimkit import code, new_batch

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def driver() -> Iterator[Any]:
    try:
        chromium_paths()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    browser = make_driver(1280, 900)
    yield browser
    browser.quit()


@pytest.fixture
def database_url(pg_url: str) -> str:
    """The browser scenario runs on PostgreSQL, like production."""
    return pg_url


def test_console_in_chromium(driver, app, user, standin) -> None:
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, 30)
    make_user(app)
    mid = quick_member(app, user.phone, lang="ur", pin="226001")  # an Urdu-speaking member
    batch = new_batch(app, points=40, regions=["4"])
    claim_codes_for(app, mid, [code(app, batch, 1), code(app, batch, 2)])

    def gone(element: Any) -> bool:
        """True once ``element``'s page was replaced (chromedriver may say so with a generic error)."""
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException, or "does not belong to the document"
            return True
        return False

    def then_flash(action: Any) -> str:
        """Do ``action`` (a click or a key), wait for the next page to load, return its flash message."""
        page = driver.find_element(By.TAG_NAME, "html")
        action()
        wait.until(lambda _d: gone(page))
        return wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".flash"))).text

    def click(element_id: str) -> Any:
        return lambda: driver.find_element(By.ID, element_id).click()

    def key(k: str) -> Any:
        return lambda: driver.find_element(By.TAG_NAME, "body").send_keys(k)

    with serve(app) as base:
        driver.get(base + "/admin/login")
        assert "do not match" in then_flash(lambda: login(driver, base, "admin@brand.in", "wrong password"))
        login(driver, base, "admin@brand.in", PASSWORD)
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".stats")))
        assert "Review backlog" in driver.page_source

        # approve C1 with the keyboard shortcut, reject C2 with a reason picked by its number key
        driver.get(base + "/admin/claims/C1")
        assert "approved" in then_flash(key("a"))
        assert "/admin/claims/C2" in driver.current_url  # on to the next waiting claim
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("1")  # outside the coupon's region
        assert driver.find_element(By.ID, "reason-outside_region").is_selected()
        assert "rejected" in then_flash(key("r"))
        run_jobs(app)
        notices = user.replies()
        assert len(notices) == 2
        assert "منظور ہو گیا" in notices[0] and "+40" in notices[0]
        assert "یہ کوپن آپ کے علاقے میں قابلِ قبول نہیں ہے" in notices[1]

        # issue a batch, then void it
        driver.get(base + "/admin/coupons")
        box = driver.find_element(By.ID, "issue-box")
        if box.get_attribute("open") is None:
            box.find_element(By.TAG_NAME, "summary").click()
        for field, value in (("issue-sku", "CBL-4MM"), ("issue-points", "25"), ("issue-count", "50"),
                             ("issue-regions", "226")):
            driver.find_element(By.ID, field).send_keys(value)
        assert "issued" in then_flash(click("issue-submit"))
        assert driver.find_element(By.ID, "download-pdf").get_attribute("href").endswith("labels.pdf")
        driver.find_element(By.ID, "void-reason").send_keys("wrong SKU printed")
        assert "voided" in then_flash(click("void-submit"))

        # adjust a balance
        with sessions(app)() as db:
            before = ledger.balance(db, db.get(Member, mid).account_id)
        driver.get(base + f"/admin/members/{mid}")
        driver.find_element(By.ID, "adjust-points").send_keys("-15")
        driver.find_element(By.ID, "adjust-reason").send_keys("Duplicate welcome bonus")
        assert "adjusted by -15" in then_flash(click("adjust-submit"))

        # a campaign to masons: created, previewed, sent; the Urdu member reads it
        from selenium.webdriver.support.ui import Select

        driver.get(base + "/admin/campaigns/new")
        driver.find_element(By.ID, "c-name").send_keys("Masons offer")
        driver.find_element(By.ID, "c-role-mason").click()
        Select(driver.find_element(By.ID, "c-template")).select_by_value("campaign_offer")
        driver.find_element(By.ID, "c-var-offer").send_keys("Double points this week.")
        assert "draft" in then_flash(click("c-save"))
        assert "Ramesh Kumar" in driver.find_element(By.ID, "preview-table").text
        assert "Sending to 1 members" in then_flash(click("send-now"))
        run_jobs(app)
        offer = user.replies()
        assert len(offer) == 1 and "Double points this week." in offer[0]

        # the member asks for a person; an agent answers and gives the chat back to the bot
        assert user.ask("talk to a person")
        driver.get(base + "/admin/handoffs")
        driver.find_element(By.CSS_SELECTOR, "#handoffs-table a").click()
        driver.find_element(By.ID, "reply-text").send_keys("Ji, aapka claim check kar rahe hain.")
        assert "Reply sent" in then_flash(click("reply-send"))
        run_jobs(app)
        assert user.replies() == ["Ji, aapka claim check kar rahe hain."]
        assert "Closed" in then_flash(click("handoff-close"))
        run_jobs(app)
        assert user.replies() == [translate("ur", "handoff.closed")]

        # the audit log shows every action
        driver.get(base + "/admin/audit")
        table = driver.find_element(By.ID, "audit-table").text
        for action in ("claim.approve", "claim.reject", "batch.issue", "batch.void", "member.adjust", "login",
                       "campaign.create", "campaign.send", "handoff.reply", "handoff.close"):
            assert action in table, action
        assert "admin@brand.in" in table

    with sessions(app)() as db:
        assert ledger.balance(db, db.get(Member, mid).account_id) == before - 15
        statuses = db.scalars(select(CouponRedemption.status).order_by(CouponRedemption.id)).all()
        assert statuses == [ClaimStatus.CREDITED.value, ClaimStatus.REJECTED.value]
        voided = db.scalar(select(CouponBatch).where(CouponBatch.sku == "CBL-4MM"))
        assert voided is not None and voided.voided_at is not None
        assert ledger.verify(db) == []
