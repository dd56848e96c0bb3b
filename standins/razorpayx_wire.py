"""RazorpayX wire-format pieces shared by the stand-in: ids, error bodies, status details, names."""

from __future__ import annotations

import json
import secrets
from typing import Any

from werkzeug.wrappers import Response

VPA_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
STATUS_REASONS = {
    "processing": ("payout_bank_processing", "Payout is being processed by our partner bank.", "gateway"),
    "processed": ("payout_processed", "Payout is processed and the money has been credited into the "
                  "beneficiary account.", "beneficiary_bank"),
    "failed": ("beneficiary_vpa_invalid", "UPI validation failed. Please check the UPI ID and retry.", "business"),
    "reversed": ("beneficiary_bank_rejected", "Payout was reversed by the beneficiary bank.", "beneficiary_bank"),
}


def rid(prefix: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "_" + "".join(secrets.choice(alphabet) for _ in range(14))


def error_body(status: int, description: str, *, field: str | None = None, reason: str = "input_validation_failed",
               code: str | None = None) -> Response:
    code = code or ("SERVER_ERROR" if status >= 500 else "BAD_REQUEST_ERROR")
    source = "internal" if status >= 500 else "business"
    body = {"error": {"code": code, "description": description, "source": source, "step": "NA", "reason": reason,
                      "metadata": {}, "field": field}}
    return Response(json.dumps(body), status=status, mimetype="application/json")


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def holder_name_for(vpa: str) -> str:
    """A plausible registered name for a VPA: 'ramesh.kumar@okaxis' -> 'RAMESH KUMAR'."""
    user = vpa.split("@", 1)[0]
    words = [w for w in user.replace("-", ".").replace("_", ".").split(".") if w.isalpha()]
    return " ".join(words).upper() or "UPI CUSTOMER"
