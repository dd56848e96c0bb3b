"""A local server that speaks RazorpayX Payouts' wire format, for `make run`, tests and benchmarks.

Why: RazorpayX is out of reach offline, yet the payout client (real HTTP with requests), the
idempotency handling and the webhook receiver must run against the real wire format
(``/work/shared/reference/razorpayx-payouts.md``): Basic auth, JSON error bodies, contacts and VPA
fund accounts idempotent by content, Fund Account Validation with a registered name,
``POST /v1/payouts`` that requires ``X-Payout-Idempotency`` (same key + same body = same payout,
another body = 400), fetch and list by ``reference_id``, and signed webhooks
(``X-Razorpay-Signature`` = HMAC-SHA256 of the raw body, ``x-razorpay-event-id``).

Faults for tests: ``fail_next`` (5xx/429 with an error body, nothing created), ``timeout_next``
(the payout *is* created, the answer comes too late), VPA outcomes (``failed`` or ``processed``
then ``reversed``), duplicate and out-of-order webhook delivery. In ``auto`` mode payouts settle
by themselves after ``settle_seconds``; otherwise tests call ``settle()``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import random
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from standins.razorpayx_wire import STATUS_REASONS, VPA_CHARS, error_body, holder_name_for, json_response, rid

logger = logging.getLogger(__name__)

class _Quiet(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug("razorpayx standin %s: " + message, type, *args)


class RazorpayXStandIn:
    """RazorpayX Payouts on 127.0.0.1 (port 0 picks a free one; read ``.url`` after ``start()``)."""

    def __init__(self, key_id: str, key_secret: str, *, webhook_secret: str, webhook_url: str | None = None,
                 account_number: str = "7878780080316316", port: int = 0, auto: bool = True,
                 settle_seconds: float = 0.5) -> None:
        self.key_id, self.key_secret = key_id, key_secret
        self.webhook_secret, self.webhook_url = webhook_secret, webhook_url
        self.account_number = account_number
        self.auto, self.settle_seconds = auto, settle_seconds
        self._port = port
        self._lock = threading.RLock()
        self.contacts: dict[str, dict[str, Any]] = {}
        self.fund_accounts: dict[str, dict[str, Any]] = {}
        self.validations: dict[str, dict[str, Any]] = {}
        self.payouts: dict[str, dict[str, Any]] = {}
        self._idem: dict[str, tuple[str, str]] = {}  # key -> (body hash, payout id)
        self.names: dict[str, str] = {}
        self.outcomes: dict[str, str] = {}  # vpa -> "failed" | "reversed" | "processed"
        self._fail: list[int] = []
        self._timeouts: list[float] = []
        self._validation_delays: list[float] = []
        self._utr_later: set[str] = set()
        self._pending_validations: list[int] = []
        self._fetches_left: dict[str, int] = {}
        self.validation_started = threading.Event()
        """Set when a validation request arrives (tests wait on it to act while the call is in flight)."""
        self.requests: list[tuple[str, str]] = []
        self.events: list[dict[str, Any]] = []
        self.deliveries: list[dict[str, Any]] = []
        self.duplicate_webhooks = False
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._routes = Map([
            Rule("/v1/contacts", methods=["POST"], endpoint="contact"),
            Rule("/v1/fund_accounts", methods=["POST"], endpoint="fund_account"),
            Rule("/v1/fund_accounts/validations", methods=["POST"], endpoint="validate"),
            Rule("/v1/fund_accounts/validations/<vid>", methods=["GET"], endpoint="validation"),
            Rule("/v1/payouts", methods=["POST"], endpoint="create"),
            Rule("/v1/payouts", methods=["GET"], endpoint="list"),
            Rule("/v1/payouts/<pid>", methods=["GET"], endpoint="fetch"),
        ])

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> RazorpayXStandIn:
        if self._server is None:
            self._server = make_server("127.0.0.1", self._port, self._wsgi, threaded=True, request_handler=_Quiet)
            self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rzpx-webhook")
            self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name="rzpx-standin", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._server = self._pool = None

    def __enter__(self) -> RazorpayXStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- faults and controls ------------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        """The next ``count`` API requests answer ``status`` with an error body and change nothing."""
        with self._lock:
            self._fail.extend([status] * count)

    def timeout_next(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` payout creates are carried out but answered only after ``seconds``."""
        with self._lock:
            self._timeouts.extend([seconds] * count)

    def delay_validations(self, seconds: float, count: int = 1) -> None:
        """The next ``count`` fund account validations answer only after ``seconds`` (a slow bank)."""
        with self._lock:
            self._validation_delays.extend([seconds] * count)

    def slow_bank_validations(self, fetches: int, count: int = 1) -> None:
        """The next ``count`` validations answer ``created`` and complete only at the ``fetches``-th fetch."""
        with self._lock:
            self._pending_validations.extend([fetches] * count)

    def set_outcome(self, vpa: str, outcome: str, *, name: str | None = None) -> None:
        """How payouts to ``vpa`` end: ``processed``, ``failed``, ``reversed`` (after processed), ``invalid``."""
        with self._lock:
            self.outcomes[vpa.casefold()] = outcome
            if name:
                self.names[vpa.casefold()] = name

    def payout_count(self) -> int:
        with self._lock:
            return len(self.payouts)

    def settle(self, payout_id: str, status: str | None = None, *, send: bool = True,
               utr_later: bool = False) -> list[dict[str, Any]]:
        """Move a payout to its outcome (or ``status``) and return (and send) the webhook events.

        ``utr_later``: processed without a UTR, as the docs allow; ``publish_utr`` brings it later.
        """
        with self._lock:
            if utr_later:
                self._utr_later.add(payout_id)
            payout = self.payouts[payout_id]
            vpa = self.fund_accounts[payout["fund_account_id"]]["vpa"]["address"].casefold()
            outcome = status or self.outcomes.get(vpa, "processed")
            events = []
            if outcome in ("processed", "reversed") and payout["status"] == "processing":
                events.append(self._move(payout, "processed"))
            if outcome == "reversed":
                events.append(self._move(payout, "reversed"))
            elif outcome in ("failed", "invalid") and payout["status"] == "processing":
                events.append(self._move(payout, "failed"))
        if send:
            for event in events:
                self.send_event(event)
        return events

    def _move(self, payout: dict[str, Any], status: str) -> dict[str, Any]:
        payout["status"] = status
        reason, description, source = STATUS_REASONS[status]
        payout["status_details"] = {"reason": reason, "description": description, "source": source}
        if status == "processed":
            if payout["id"] not in self._utr_later:
                payout["utr"] = payout["utr"] or str(random.randint(10**11, 10**12 - 1))
            payout["fees"], payout["tax"] = 0, 0
        return self._event(payout, f"payout.{status}")

    def _event(self, payout: dict[str, Any], name: str) -> dict[str, Any]:
        event = {
            "entity": "event", "account_id": "acc_InaamStandIn01", "event": name,
            "contains": ["payout"], "payload": {"payout": {"entity": dict(payout)}}, "created_at": int(time.time()),
            "_id": "evt_" + secrets.token_hex(7),
        }
        self.events.append(event)
        return event

    def publish_utr(self, payout_id: str, *, send: bool = True) -> dict[str, Any]:
        """The bank's UTR arrives for a payout settled with ``utr_later``: ``payout.updated`` (also
        visible to a status fetch from now on)."""
        with self._lock:
            payout = self.payouts[payout_id]
            self._utr_later.discard(payout_id)
            payout["utr"] = payout["utr"] or str(random.randint(10**11, 10**12 - 1))
            event = self._event(payout, "payout.updated")
        if send:
            self.send_event(event)
        return event

    def sign(self, body: bytes) -> str:
        return hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).hexdigest()

    def send_event(self, event: dict[str, Any], *, times: int | None = None) -> None:
        """POST ``event`` to the webhook URL (signed), ``times`` times (twice when duplicating)."""
        if not self.webhook_url:
            return
        event_id = event["_id"]
        body = json.dumps({k: v for k, v in event.items() if k != "_id"}).encode()
        headers = {"Content-Type": "application/json", "X-Razorpay-Signature": self.sign(body),
                   "x-razorpay-event-id": event_id}
        for _ in range(times or (2 if self.duplicate_webhooks else 1)):
            for attempt in range(5):
                try:
                    resp = requests.post(self.webhook_url, data=body, headers=headers, timeout=5)
                    with self._lock:
                        self.deliveries.append({"event_id": event_id, "event": event["event"],
                                                "status": resp.status_code})
                    if resp.status_code < 300:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.2 * (attempt + 1))

    # -- WSGI ---------------------------------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self._routes.bind_to_environ(environ).match()
        except NotFound:
            return error_body(404, "The requested URL was not found on the server.",
                              reason="NA")(environ, start_response)
        except HTTPException as exc:
            return exc(environ, start_response)
        response = self._auth(request) or self._fault(endpoint) or getattr(self, f"_on_{endpoint}")(request, **args)
        return response(environ, start_response)

    def _auth(self, request: Request) -> Response | None:
        header = request.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.key_id}:{self.key_secret}".encode()).decode()
        if not hmac.compare_digest(header, expected):
            return error_body(401, "The api key provided is invalid", reason="NA")
        return None

    def _fault(self, endpoint: str) -> Response | None:
        with self._lock:
            status = self._fail.pop(0) if self._fail else None
        if status is None:
            return None
        if status == 429:
            return error_body(429, "Too many requests", reason="NA")
        return error_body(status, "The server encountered an error. The incident has been reported to admins.",
                          reason="server_error", code="SERVER_ERROR")

    def _body(self, request: Request) -> dict[str, Any] | None:
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    def _on_contact(self, request: Request) -> Response:
        body = self._body(request)
        if body is None:
            return error_body(400, "The request body is not valid JSON")
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return error_body(400, "The name field is required.", field="name")
        if not 3 <= len(name) <= 50:
            return error_body(400, "The name field is invalid.", field="name")
        fields = {k: body.get(k) for k in ("name", "email", "contact", "type", "reference_id")}
        with self._lock:
            for contact in self.contacts.values():
                if all(contact.get(k) == v for k, v in fields.items()):
                    return json_response(contact)
            contact = {"id": rid("cont"), "entity": "contact", **fields, "batch_id": None, "active": True,
                       "notes": body.get("notes") or {}, "created_at": int(time.time())}
            self.contacts[contact["id"]] = contact
        return json_response(contact, 201)

    def _check_vpa(self, vpa: Any) -> Response | None:
        if not isinstance(vpa, str) or not 3 <= len(vpa) <= 100 or vpa.count("@") != 1 or not set(
                vpa.replace("@", "")) <= VPA_CHARS:
            return error_body(400, "Invalid VPA. Please enter a valid Virtual Payment Address", field="vpa")
        return None

    def _on_fund_account(self, request: Request) -> Response:
        body = self._body(request) or {}
        if body.get("account_type") != "vpa":
            return error_body(400, "Invalid account type: " + str(body.get("account_type")), field="account_type")
        vpa = (body.get("vpa") or {}).get("address")
        bad = self._check_vpa(vpa)
        if bad:
            return bad
        with self._lock:
            if body.get("contact_id") not in self.contacts:
                return error_body(400, "The contact ID provided does not exist", field="contact_id")
            for account in self.fund_accounts.values():
                if account["contact_id"] == body["contact_id"] and account["vpa"]["address"] == vpa:
                    return json_response(account)
            user, handle = vpa.split("@")
            account = {"id": rid("fa"), "entity": "fund_account", "contact_id": body["contact_id"],
                       "account_type": "vpa", "vpa": {"username": user, "handle": handle, "address": vpa},
                       "active": True, "batch_id": None, "created_at": int(time.time())}
            self.fund_accounts[account["id"]] = account
        return json_response(account, 201)

    def _on_validate(self, request: Request) -> Response:
        self.validation_started.set()
        with self._lock:
            delay = self._validation_delays.pop(0) if self._validation_delays else 0.0
        if delay:
            time.sleep(delay)
        body = self._body(request) or {}
        fund = body.get("fund_account") or {}
        vpa = (fund.get("vpa") or {}).get("address")
        bad = self._check_vpa(vpa)
        if bad:
            return bad
        if body.get("source_account_number") != self.account_number:
            return error_body(400, "The source account number is invalid", field="source_account_number")
        with self._lock:
            invalid = self.outcomes.get(vpa.casefold()) == "invalid"
            name = self.names.get(vpa.casefold()) or holder_name_for(vpa)
            result = {
                "id": rid("fav"), "entity": "fund_account.validation", "status": "completed",
                "fund_account": {"account_type": "vpa", "vpa": {"address": vpa}, "contact": fund.get("contact")},
                "validation_results": {"account_status": "invalid" if invalid else "active",
                                       "registered_name": None if invalid else name,
                                       "details": "VPA is not valid" if invalid else "VPA is valid",
                                       "name_match_score": None},
                "status_details": {"description": "Validation completed", "source": "beneficiary_bank",
                                   "reason": "validation_successful"},
                "reference_id": body.get("reference_id"), "notes": body.get("notes") or {},
                "created_at": int(time.time()),
            }
            self.validations[result["id"]] = result
            if self._pending_validations:  # the bank is slow: 'created' until fetched enough times
                self._fetches_left[result["id"]] = self._pending_validations.pop(0)
                result = {**result, "status": "created", "validation_results": None,
                          "status_details": {"description": "Validation in progress", "source": "beneficiary_bank",
                                             "reason": "validation_in_progress"}}
        return json_response(result)

    def _on_validation(self, request: Request, vid: str) -> Response:
        with self._lock:
            found = self.validations.get(vid)
            left = self._fetches_left.get(vid, 0) - 1
            if found and left > 0:
                self._fetches_left[vid] = left
                found = {**found, "status": "created", "validation_results": None}
            else:
                self._fetches_left.pop(vid, None)
        return json_response(found) if found else error_body(400, "The id provided does not exist", field="id")

    def _on_create(self, request: Request) -> Response:
        key = request.headers.get("X-Payout-Idempotency", "")
        if not key:
            return error_body(400, "Idempotency key is missing. Include idempotency header and key in the request.",
                              field="X-Payout-Idempotency", reason="null")
        if not 4 <= len(key) <= 36 or not all(c.isalnum() or c in "-_ " for c in key):
            return error_body(400, "The idempotency key is invalid.", field="X-Payout-Idempotency")
        raw = request.get_data()
        body = self._body(request)
        if body is None:
            return error_body(400, "The request body is not valid JSON")
        for name in ("account_number", "fund_account_id", "amount", "currency", "mode", "purpose"):
            if body.get(name) in (None, ""):
                return error_body(400, f"The {name} field is required.", field=name)
        if body["account_number"] != self.account_number:
            return error_body(400, "The account number is invalid.", field="account_number")
        if not isinstance(body["amount"], int) or body["amount"] < 100:
            return error_body(400, "Minimum transaction amount should be 100 paise", field="amount")
        if body["mode"] != "UPI" or body["currency"] != "INR":
            return error_body(400, "Invalid payout mode or currency", field="mode")
        digest = hashlib.sha256(raw).hexdigest()
        with self._lock:
            self.requests.append(("create", key))
            known = self._idem.get(key)
            if known is not None:
                if known[0] != digest:
                    return error_body(400, "Different request payload received for the same idempotency key.",
                                      field="X-Payout-Idempotency")
                return json_response(self.payouts[known[1]])
            if body["fund_account_id"] not in self.fund_accounts:
                return error_body(400, "The fund account ID provided does not exist", field="fund_account_id")
            reason, description, source = STATUS_REASONS["processing"]
            payout = {
                "id": rid("pout"), "entity": "payout", "fund_account_id": body["fund_account_id"],
                "amount": body["amount"], "currency": "INR", "notes": body.get("notes") or {}, "fees": 0, "tax": 0,
                "status": "processing", "utr": None, "mode": "UPI", "purpose": body["purpose"],
                "reference_id": body.get("reference_id"), "narration": body.get("narration"), "batch_id": None,
                "debit_account_number": self.account_number, "fee_type": "",
                "status_details": {"reason": reason, "description": description, "source": source},
                "created_at": int(time.time()),
            }
            self.payouts[payout["id"]] = payout
            self._idem[key] = (digest, payout["id"])
            delay = self._timeouts.pop(0) if self._timeouts else 0.0
            snapshot = dict(payout)
        if self.auto and self._pool is not None:
            self._pool.submit(self._auto_settle, payout["id"])
        if delay:
            time.sleep(delay)
        return json_response(snapshot)

    def _auto_settle(self, payout_id: str) -> None:
        time.sleep(self.settle_seconds)
        try:
            vpa = self.fund_accounts[self.payouts[payout_id]["fund_account_id"]]["vpa"]["address"].casefold()
            if self.outcomes.get(vpa) == "reversed":
                self.settle(payout_id, "processed")
                time.sleep(self.settle_seconds)
                self.settle(payout_id, "reversed")
            else:
                self.settle(payout_id)
        except Exception:  # pragma: no cover - a stand-in thread must not die loudly
            logger.exception("razorpayx standin: settling %s failed", payout_id)

    def _on_fetch(self, request: Request, pid: str) -> Response:
        with self._lock:
            found = self.payouts.get(pid)
            if found is None:
                return error_body(400, "The id provided does not exist", field="id")
            return json_response(dict(found))

    def _on_list(self, request: Request) -> Response:
        if request.args.get("account_number") != self.account_number:
            return error_body(400, "The account number field is required.", field="account_number")
        ref = request.args.get("reference_id")
        count = min(int(request.args.get("count", 10) or 10), 100)
        with self._lock:
            items = [dict(p) for p in self.payouts.values() if ref is None or p.get("reference_id") == ref]
        items.sort(key=lambda p: p["created_at"], reverse=True)
        return json_response({"entity": "collection", "count": len(items[:count]), "items": items[:count]})
