"""The stand-in's Message list, driven by the real twilio client: filters, order and paging as Twilio's OpenAPI says."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from twilio.rest import Client

from standins.twilio import TwilioStandIn

SID = "AC" + "cd" * 16
TOKEN = "list-test-token"
FROM = "whatsapp:+14155238886"
OAI = Path("/work/shared/reference/twilio-oai/twilio_api_v2010.json")


@pytest.fixture
def standin() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(SID, TOKEN, status_callbacks=False) as server:
        yield server


@pytest.fixture
def client(standin: TwilioStandIn) -> Client:
    c = Client(SID, TOKEN)
    c.api.base_url = standin.url
    return c


def _send(client: Client, to: str, n: int) -> list[str]:
    return [client.messages.create(from_=FROM, to=to, body=f"m{i}").sid for i in range(n)]


def test_stream_pages_through_every_match_newest_first(client: Client, standin: TwilioStandIn) -> None:
    sids = _send(client, "whatsapp:+919800000001", 7)
    _send(client, "whatsapp:+919800000002", 3)
    standin.wait_for(lambda msgs: all(m["date_sent"] for m in msgs), timeout=5)
    listed = list(client.messages.stream(to="whatsapp:+919800000001", from_=FROM, page_size=3))
    assert [m.sid for m in listed] == list(reversed(sids))
    first = client.messages.page(to="whatsapp:+919800000001", page_size=3)
    assert len(list(first)) == 3 and first.next_page_url and "PageToken=PA" in first.next_page_url
    assert len(client.messages.list(limit=4, page_size=2)) == 4


def test_date_sent_filters(client: Client, standin: TwilioStandIn) -> None:
    _send(client, "whatsapp:+919800000003", 2)
    standin.wait_for(lambda msgs: all(m["date_sent"] for m in msgs), timeout=5)
    now = dt.datetime.now(dt.UTC)
    assert len(client.messages.list(date_sent_after=now - dt.timedelta(minutes=1))) == 2
    assert client.messages.list(date_sent_after=now + dt.timedelta(minutes=1)) == []
    assert len(client.messages.list(date_sent_before=now + dt.timedelta(minutes=1))) == 2
    auth = (SID, TOKEN)
    url = f"{standin.url}/2010-04-01/Accounts/{SID}/Messages.json"
    for value, count in (((now + dt.timedelta(days=1)).strftime("%Y-%m-%d"), 0), (now.strftime("%Y-%m-%d"), 2),
                         (now.strftime("%a, %d %b %Y 00:00:00 -0000"), 2), ("2019-06-11 22:05:25.000", 2)):
        page = requests.get(url, params={"DateSent>": value}, auth=auth, timeout=5).json()
        assert len(page["messages"]) == count, value
    bad = requests.get(url, params={"DateSent>": "yesterday"}, auth=auth, timeout=5)
    assert bad.status_code == 400 and bad.json()["code"] == 20001


def test_unsent_messages_match_no_date_filter(client: Client, standin: TwilioStandIn) -> None:
    standin.stop()
    quiet = TwilioStandIn(SID, TOKEN, status_callbacks=False)
    quiet._pool = None  # no delivery thread: messages stay queued, date_sent null (as at Twilio)
    with quiet:
        quiet._pool = None
        c = Client(SID, TOKEN)
        c.api.base_url = quiet.url
        _send(c, "whatsapp:+919800000004", 1)
        assert c.messages.list(date_sent_after=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)) == []
        assert len(c.messages.list(to="whatsapp:+919800000004")) == 1


def test_list_envelope_follows_the_openapi(client: Client, standin: TwilioStandIn) -> None:
    _send(client, "whatsapp:+919800000005", 3)
    spec = json.loads(OAI.read_text()) if OAI.exists() else None
    url = f"{standin.url}/2010-04-01/Accounts/{SID}/Messages.json"
    page = requests.get(url, params={"PageSize": 2}, auth=(SID, TOKEN), timeout=5).json()
    assert page["page"] == 0 and page["page_size"] == 2 and page["start"] == 0 and page["end"] == 1
    assert page["previous_page_uri"] is None and page["next_page_uri"].startswith("/2010-04-01/")
    if spec is not None:
        op = spec["paths"]["/2010-04-01/Accounts/{AccountSid}/Messages.json"]["get"]
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert set(page) == set(schema["properties"])
        names = {p["name"] for p in op["parameters"]}
        assert {"To", "From", "DateSent", "DateSent<", "DateSent>", "PageSize", "Page", "PageToken"} <= names
    assert requests.get(url, params={"PageSize": 1001}, auth=(SID, TOKEN), timeout=5).status_code == 400
    assert requests.get(url, auth=(SID, "wrong"), timeout=5).status_code == 401
