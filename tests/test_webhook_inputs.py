"""Hostile but signed webhook input: every inbound is stored and acknowledged, nothing answers 500.

Each named case is a row of issue 7's table that failed before (503 and nothing stored, or 500).
The property tests post Twilio-shaped forms with arbitrary values, signed, to both webhooks.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.inbound_form import normalize
from bot.twilio_signing import inbound_params, new_sid, sign
from storage.db import sessions
from storage.models import InboundMessage, OutboundMessage
from tests.botkit import FROM, SID, TOKEN

PATH = "/webhooks/twilio/messages"
STATUS = "/webhooks/twilio/status"


def _post(app: Any, params: dict[str, str], path: str = PATH) -> int:
    url = app.config["PUBLIC_BASE_URL"] + path
    resp = app.test_client().post(path, data=params, headers={"X-Twilio-Signature": sign(TOKEN, url, params)})
    return resp.status_code


def _params(**overrides: str) -> dict[str, str]:
    params = inbound_params(from_phone="+919812345678", to=FROM, body="hello", account_sid=SID, profile_name="Ravi")
    params.update(overrides)
    return params


def _stored(app: Any, params: dict[str, str]) -> InboundMessage | None:
    sid = normalize(list(params.items())).sid
    with sessions(app)() as session:
        return session.scalar(select(InboundMessage).where(InboundMessage.message_sid == sid))


@pytest.mark.parametrize("field", ["Body", "From", "MessageSid", "ProfileName", "ButtonPayload"])
def test_nul_characters_are_stripped_and_the_raw_form_kept(app: Any, field: str) -> None:
    params = _params(ButtonPayload="menu")
    params[field] = params[field][:5] + "\x00" + params[field][5:]
    assert _post(app, params) == 200
    row = _stored(app, params)
    assert row is not None and "\x00" not in row.body
    assert field in row.normalized["nul_stripped"]
    assert dict(json.loads(row.raw_form))[field] == params[field]  # lossless


@pytest.mark.parametrize(("field", "length"), [("From", 25), ("MessageSid", 80), ("ProfileName", 200),
                                               ("ButtonPayload", 400), ("MediaContentType0", 300)])
def test_fields_longer_than_their_column_are_cut_with_a_flag(app: Any, field: str, length: int) -> None:
    params = _params(NumMedia="1", MediaUrl0="https://api.twilio.com/x")
    params[field] = ("whatsapp:+91" if field == "From" else "A") + "9" * length
    assert _post(app, params) == 200
    row = _stored(app, params)
    assert row is not None
    if field == "From":
        assert row.status == "failed" and row.contact_id is None and row.normalized["invalid_from"]
    else:
        assert field in row.normalized["cut"]
    assert _post(app, params) == 200  # Twilio's redelivery is acknowledged too
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1


def test_status_callback_with_a_superscript_error_code(app: Any) -> None:
    params = {"MessageSid": new_sid("SM"), "MessageStatus": "undelivered", "ErrorCode": "²", "AccountSid": SID}
    assert _post(app, params, STATUS) == 200
    params.update(MessageStatus="x" * 40, ErrorCode="٣")
    assert _post(app, params, STATUS) == 200


def test_status_callback_records_a_plain_error_code(app: Any, user: Any) -> None:
    user.send("hi")
    with sessions(app)() as session:
        sid = session.scalar(select(OutboundMessage.twilio_sid))
    assert _post(app, {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "63016"}, STATUS) == 200
    with sessions(app)() as session:
        row = session.scalar(select(OutboundMessage))
        assert row.status == "undelivered" and row.error_code == 63016


def test_body_over_64_kib_is_refused_with_413(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    params = _params(Body="x" * 70_000)
    assert _post(app, params) == 413
    assert "too large" in caplog.text or "over" in caplog.text
    with sessions(app)() as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 0


FIELDS = ["MessageSid", "SmsSid", "AccountSid", "From", "To", "Body", "NumMedia", "ProfileName", "WaId",
          "ButtonPayload", "ButtonText", "MediaUrl0", "MediaContentType0", "MediaUrl1", "MediaContentType1",
          "Latitude", "Longitude", "MessageType", "ReferralBody", "OriginalRepliedMessageSid"]
ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=300)
VALUES = st.one_of(ANY_TEXT, st.text(alphabet="9\x00", min_size=0, max_size=400), st.sampled_from(
    ["", "²", "٣", "-1", "99999999999999999999", "whatsapp:+919812345678", "whatsapp:+91 98123", "hello",
     "file:///etc/passwd", "javascript:alert(1)", "http://[::1"]))
FORMS = st.dictionaries(st.one_of(st.sampled_from(FIELDS), ANY_TEXT.filter(bool)), VALUES, max_size=12)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(form=FORMS, sender=st.sampled_from(["whatsapp:+919812345678", "whatsapp:+447700900123", None]))
def test_any_signed_inbound_is_stored_and_answered_200(app: Any, form: dict[str, str], sender: str | None) -> None:
    if sender:
        form["From"] = sender
    status = _post(app, form)
    assert status == 200
    assert _stored(app, form) is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(form=FORMS)
def test_any_signed_status_callback_is_answered_without_5xx(app: Any, form: dict[str, str]) -> None:
    assert _post(app, form, STATUS) == 200
