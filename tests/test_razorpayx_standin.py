"""The RazorpayX stand-in speaks the documented wire format, and our client reads it right."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import requests

from payouts.provider import Beneficiary, ProviderRejected, ProviderUnavailable
from payouts.razorpayx import RazorpayX
from payouts.webhooks import signature_ok
from tests.payoutkit import ACCOUNT, KEY_ID, KEY_SECRET, razorpayx


def test_wire_format_errors_idempotency_and_listing() -> None:
    with razorpayx() as server:
        bad = requests.post(server.url + "/v1/contacts", json={"name": "Ramesh"}, auth=(KEY_ID, "wrong"), timeout=5)
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "BAD_REQUEST_ERROR"
        client = RazorpayX(base_url=server.url, key_id=KEY_ID, key_secret=KEY_SECRET, account_number=ACCOUNT)
        who = Beneficiary(reference="member-1", name="Ramesh Kumar", phone="+919812345678", vpa="ramesh.k@okaxis")
        contact, fund = client.fund_account(who)
        assert contact.startswith("cont_") and fund.startswith("fa_")
        assert client.fund_account(who) == (contact, fund)  # idempotent by content
        assert client.validate_vpa(who).registered_name == "RAMESH K"
        server.set_outcome("gone@okaxis", "invalid")
        assert not client.validate_vpa(Beneficiary("member-2", "X Y Z", "+919812345679", "gone@okaxis")).valid
        body = {"account_number": ACCOUNT, "fund_account_id": fund, "amount": 5000, "currency": "INR", "mode": "UPI",
                "purpose": "cashback", "reference_id": "rdm-1"}
        missing = requests.post(server.url + "/v1/payouts", json=body, auth=(KEY_ID, KEY_SECRET), timeout=5)
        assert missing.status_code == 400 and missing.json()["error"]["field"] == "X-Payout-Idempotency"
        first = client.create_payout(fund_account_id=fund, amount_paise=5000, idempotency_key="inaam-rdm-1",
                                     reference_id="rdm-1", narration="Inaam reward")
        again = client.create_payout(fund_account_id=fund, amount_paise=5000, idempotency_key="inaam-rdm-1",
                                     reference_id="rdm-1", narration="Inaam reward")
        assert first.id == again.id and first.status == "processing" and server.payout_count() == 1
        with pytest.raises(ProviderRejected, match="Different request payload"):
            client.create_payout(fund_account_id=fund, amount_paise=6000, idempotency_key="inaam-rdm-1",
                                 reference_id="rdm-1", narration="Inaam reward")
        assert client.find_payout("rdm-1").id == first.id and client.find_payout("rdm-9") is None
        server.fail_next(1, 503)
        with pytest.raises(ProviderUnavailable):
            client.fetch_payout(first.id)
        processed, _reversed = server.settle(first.id, "reversed", send=False)
        assert processed["payload"]["payout"]["entity"]["utr"]
        assert client.fetch_payout(first.id).status == "reversed"
        with pytest.raises(ProviderRejected):
            client.create_payout(fund_account_id=fund, amount_paise=50, idempotency_key="inaam-rdm-2",
                                 reference_id="rdm-2", narration="x")


def test_webhook_signature_matches_the_reference_vector() -> None:
    body = b'{"entity":"event","event":"payout.processed"}'
    expected = "b19c12ea1d0935108bb49dd6a485c48b4f5219cb37dfc6fb081fca8157becc56"
    assert hmac.new(b"rzp_webhook_secret", body, hashlib.sha256).hexdigest() == expected
    assert signature_ok(body, expected, "rzp_webhook_secret")
    assert not signature_ok(body, expected, "other") and not signature_ok(body, "", "rzp_webhook_secret")
