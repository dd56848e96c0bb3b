"""RazorpayX Payouts over HTTP (requests): contacts, VPA fund accounts, validations, payouts.

Wire format per ``/work/shared/reference/razorpayx-payouts.md``: Basic auth with the key id and
secret, JSON bodies, amounts in paise, ``X-Payout-Idempotency`` on every create, error bodies
``{"error": {"code", "description", "reason", "field", ...}}``. The base URL is config, so the
same code talks to api.razorpay.com or the local stand-in.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import requests

from payouts.provider import Beneficiary, Payout, ProviderRejected, ProviderUnavailable, Validation

logger = logging.getLogger(__name__)

TRANSIENT_STATUSES = {429, 500, 502, 503, 504}
_NAME_CHARS = re.compile(r"[^A-Za-z0-9 '\-_/().]")
_NARRATION_CHARS = re.compile(r"[^A-Za-z0-9 ]")


def contact_name(name: str) -> str:
    """A name RazorpayX accepts: 3-50 allowed characters, not ending in a special character."""
    cleaned = " ".join(_NAME_CHARS.sub(" ", name).split())[:50].rstrip(" '-_/(")
    return cleaned if len(cleaned) >= 3 else "Inaam Member"


def narration(text: str) -> str:
    return " ".join(_NARRATION_CHARS.sub(" ", text).split())[:30]


def _payout(body: dict[str, Any]) -> Payout:
    details = body.get("status_details") or {}
    return Payout(
        id=str(body["id"]), status=str(body.get("status", "")), amount_paise=int(body.get("amount") or 0),
        utr=body.get("utr") or None, reason=details.get("reason") or None, reference_id=body.get("reference_id"),
    )


VALIDATION_WAITS = (0.5, 1.0, 2.0, 4.0)
"""Pauses before each look at a validation still ``created`` (it runs off the chat turn, holding no lock)."""


def _waits(value: Any) -> tuple[float, ...]:
    """``RAZORPAYX_VALIDATION_WAITS``: seconds, comma-separated (empty: look once, at once)."""
    if value is None:
        return VALIDATION_WAITS
    return tuple(float(part) for part in str(value).split(",") if part.strip())


class RazorpayX:
    """A RazorpayX Payouts client. Every method raises ProviderUnavailable or ProviderRejected."""

    name = "razorpayx"

    def __init__(self, *, base_url: str, key_id: str, key_secret: str, account_number: str,
                 timeout: float = 10.0, session: requests.Session | None = None,
                 validation_waits: tuple[float, ...] = VALIDATION_WAITS) -> None:
        self.base_url = base_url.rstrip("/")
        self.account_number = account_number
        self.timeout = timeout
        self.validation_waits = validation_waits
        self.http = session or requests.Session()
        self.http.auth = (key_id, key_secret)
        self.http.headers.update({"Content-Type": "application/json", "User-Agent": "inaam-payouts/1"})

    @classmethod
    def from_config(cls, config: Any) -> RazorpayX:
        return cls(
            base_url=config["RAZORPAYX_API_BASE_URL"], key_id=config["RAZORPAYX_KEY_ID"],
            key_secret=config["RAZORPAYX_KEY_SECRET"], account_number=config["RAZORPAYX_ACCOUNT_NUMBER"],
            timeout=float(config.get("RAZORPAYX_TIMEOUT_SECONDS", 10)),
            validation_waits=_waits(config.get("RAZORPAYX_VALIDATION_WAITS")),
        )

    # -- HTTP ---------------------------------------------------------------------------------

    def _call(self, method: str, path: str, *, json: Any = None, params: Any = None,
              headers: dict[str, str] | None = None) -> dict[str, Any]:
        url = self.base_url + path
        try:
            resp = self.http.request(method, url, json=json, params=params, headers=headers, timeout=self.timeout)
        except requests.Timeout as exc:
            raise ProviderUnavailable(f"{method} {path}: timed out", reason="timeout") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"{method} {path}: {exc.__class__.__name__}", reason="connection") from exc
        if 200 <= resp.status_code < 300:
            try:
                return resp.json() if resp.content else {}
            except ValueError as exc:
                raise ProviderUnavailable(f"{method} {path}: answer is not JSON", reason="bad_response") from exc
        try:
            error = (resp.json() or {}).get("error") or {}
        except ValueError:
            error = {}
        description = str(error.get("description") or resp.reason or "")[:200]
        reason = str(error.get("reason") or error.get("code") or "")
        logger.warning("RazorpayX %s %s: HTTP %s %s (%s)", method, path.split("?")[0], resp.status_code,
                       error.get("code", ""), reason)
        if resp.status_code in TRANSIENT_STATUSES or resp.status_code >= 500:
            raise ProviderUnavailable(f"{method} {path}: HTTP {resp.status_code} {description}", reason=reason,
                                      status=resp.status_code)
        raise ProviderRejected(f"{method} {path}: HTTP {resp.status_code} {description}", reason=reason,
                               status=resp.status_code)

    # -- API ----------------------------------------------------------------------------------

    def validate_vpa(self, beneficiary: Beneficiary) -> Validation:
        body = {
            "source_account_number": self.account_number,
            "validation_type": "pennydrop",
            "reference_id": beneficiary.reference[:40],
            "fund_account": {
                "account_type": "vpa",
                "vpa": {"address": beneficiary.vpa},
                "contact": {"name": contact_name(beneficiary.name), "contact": beneficiary.phone[-10:],
                            "type": "customer", "reference_id": beneficiary.reference[:40]},
            },
        }
        result = self._call("POST", "/v1/fund_accounts/validations", json=body)
        for wait in self.validation_waits:  # still running at the bank: look again a little later
            if result.get("status") != "created":
                break
            time.sleep(wait)
            result = self._call("GET", f"/v1/fund_accounts/validations/{result['id']}")
        details = result.get("validation_results") or {}
        if result.get("status") != "completed":
            reason = (result.get("status_details") or {}).get("reason") or result.get("status")
            raise ProviderUnavailable("validation not completed", reason=str(reason))
        valid = details.get("account_status") == "active"
        return Validation(valid=valid, registered_name=details.get("registered_name") if valid else None,
                          reason=None if valid else (details.get("details") or "invalid"))

    def fund_account(self, beneficiary: Beneficiary) -> tuple[str, str]:
        contact = self._call("POST", "/v1/contacts", json={
            "name": contact_name(beneficiary.name), "contact": beneficiary.phone[-10:], "type": "customer",
            "reference_id": beneficiary.reference[:40],
        })
        account = self._call("POST", "/v1/fund_accounts", json={
            "account_type": "vpa", "contact_id": contact["id"], "vpa": {"address": beneficiary.vpa},
        })
        return str(contact["id"]), str(account["id"])

    def create_payout(self, *, fund_account_id: str, amount_paise: int, idempotency_key: str,
                      reference_id: str, narration: str) -> Payout:
        body = {
            "account_number": self.account_number, "fund_account_id": fund_account_id, "amount": amount_paise,
            "currency": "INR", "mode": "UPI", "purpose": "cashback", "queue_if_low_balance": True,
            "reference_id": reference_id[:40], "narration": _narr(narration),
            "notes": {"source": "inaam", "reference": reference_id[:40]},
        }
        return _payout(self._call("POST", "/v1/payouts", json=body,
                                  headers={"X-Payout-Idempotency": idempotency_key}))

    def fetch_payout(self, payout_id: str) -> Payout:
        return _payout(self._call("GET", f"/v1/payouts/{payout_id}"))

    def find_payout(self, reference_id: str) -> Payout | None:
        result = self._call("GET", "/v1/payouts", params={"account_number": self.account_number,
                                                         "reference_id": reference_id[:40], "count": 10})
        items = [i for i in result.get("items", []) if i.get("reference_id") == reference_id[:40]]
        return _payout(items[0]) if items else None


def _narr(text: str) -> str:
    return narration(text) or "Inaam reward"
