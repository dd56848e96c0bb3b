"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``; schemathesis tests it)."""

from __future__ import annotations

from typing import Any

from claims.review import REJECTION_REASONS

_NULL_STR = {"type": ["string", "null"]}
_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}

SCHEMAS: dict[str, Any] = {
    "Error": _ERROR,
    "Member": {"type": "object", "required": ["id", "role", "lang", "status", "balance", "created_at"], "properties": {
        "id": {"type": "integer"}, "name": _NULL_STR, "phone": _NULL_STR, "role": {"type": "string"},
        "pin_code": _NULL_STR, "lang": {"type": "string"}, "rep_code": _NULL_STR, "upi_id_masked": _NULL_STR,
        "status": {"enum": ["active", "blocked", "erased"]}, "balance": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"}}},
    "Balance": {"type": "object", "required": ["member_id", "points", "value_paise"], "properties": {
        "member_id": {"type": "integer"}, "points": {"type": "integer"}, "value_paise": {"type": "integer"}}},
    "StatementLine": {"type": "object", "required": ["transfer_id", "at", "points", "balance_after", "reason"],
                      "properties": {"transfer_id": {"type": "integer"}, "at": {"type": "string"},
                                     "points": {"type": "integer"}, "balance_after": {"type": "integer"},
                                     "reason": {"type": "string"}, "reference": _NULL_STR, "memo": _NULL_STR}},
    "Claim": {"type": "object", "required": ["ref", "kind", "status", "member_id", "points", "created_at", "reasons"],
              "properties": {"ref": {"type": "string"}, "kind": {"enum": ["invoice", "coupon"]},
                             "status": {"enum": ["review", "credited", "rejected"]},
                             "member_id": {"type": "integer"}, "points": {"type": "integer"},
                             "created_at": {"type": "string"}, "decided_by": _NULL_STR, "decided_at": _NULL_STR,
                             "reasons": {"type": "array", "items": {"type": "string"}},
                             "supplier_gstin": _NULL_STR, "invoice_number": _NULL_STR, "invoice_date": _NULL_STR,
                             "total_paise": {"type": ["integer", "null"]}, "code": {"type": "string"},
                             "batch_id": {"type": "integer"}}},
    "Batch": {"type": "object", "required": ["id", "name", "sku", "points", "count", "regions", "scanned"],
              "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "sku": {"type": "string"},
                             "points": {"type": "integer"}, "count": {"type": "integer"},
                             "regions": {"type": "array", "items": {"type": "string"}},
                             "scanned": {"type": "integer"}, "voided_at": _NULL_STR, "void_reason": _NULL_STR,
                             "created_at": {"type": "string"}}},
    "BlockState": {"type": "object", "required": ["member_id", "status", "blocked_at", "block_reason"],
                   "properties": {"member_id": {"type": "integer"}, "status": {"enum": ["active", "blocked"]},
                                  "blocked_at": {"type": ["string", "null"], "format": "date-time"},
                                  "block_reason": _NULL_STR}},
    "Erasure": {"type": "object", "required": ["member_id", "status", "erased_at", "removed"], "properties": {
        "member_id": {"type": "integer"}, "status": {"const": "erased"},
        "erased_at": {"type": "string", "format": "date-time"},
        "removed": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "how many messages, media items and outbound messages were scrubbed"}}},
    "Adjustment": {"type": "object", "required": ["transfer_id", "member_id", "points", "balance"], "properties": {
        "transfer_id": {"type": "integer"}, "member_id": {"type": "integer"}, "points": {"type": "integer"},
        "balance": {"type": "integer"}}},
}


def _page_of(ref: str) -> dict[str, Any]:
    return {"type": "object", "required": ["items", "page", "per_page", "total"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        "page": {"type": "integer"}, "per_page": {"type": "integer"}, "total": {"type": "integer"}}}


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


_ERR = {code: _json(_ref("Error"), text) for code, text in (
    ("400", "Bad request"), ("401", "Missing or invalid token"), ("403", "Token lacks the scope"),
    ("404", "Not found"), ("409", "Conflict"), ("422", "Invalid field"))}
_PAGING = [{"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
           {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}]
_MEMBER_ID = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_BATCH_ID = {"name": "batch_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
_REF = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[ICic][0-9]{1,15}$"}}
_IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
                "schema": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[!-~]+$"},
                "description": "Unique per intended write; a retry with the same key and body is answered from the "
                               "stored response and acts no second time (the same key with another body: 409)."}


def _op(summary: str, responses: dict[str, Any], *, params: list[dict[str, Any]] | None = None,
        body: dict[str, Any] | None = None, scope: str = "read", errors: tuple[str, ...] = ("401", "404")
        ) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "parameters": params or [], "responses": {
        **responses, **{c: _ERR[c] for c in ("400", "401", "403", *errors) if c in _ERR}},
        "security": [{"bearer": [scope]}]}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


def document(server: str = "") -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    from api import openapi_messaging

    text = {"type": "string", "minLength": 1, "maxLength": 255}
    messaging = openapi_messaging.paths(_op, _json, _ref, _page_of, _PAGING, _IDEMPOTENCY)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Inaam loyalty API", "version": "1.0.0",
                 "description": "Members, balances, statements, claims, coupon batches, adjustments, block/unblock, "
                                "DPDP erasure, broadcast campaigns (create, preview, send or schedule, pause, "
                                "resume, cancel, delivery report) and the handoff inbox (conversations handed to "
                                "a person: read, reply inside the 24-hour window, invite outside it, close). "
                                "Authenticate with 'Authorization: Bearer <token>' (tokens are created by an admin "
                                "in the console; scopes read and write)."},
        "servers": [{"url": (server or "") + "/api/v1"}],
        "components": {"schemas": {**SCHEMAS, **openapi_messaging.SCHEMAS},
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/members": {"get": _op("Search members", {"200": _json(_page_of("Member"))}, params=[
                {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 100},
                 "description": "phone digits, name, PIN prefix or member id"},
                {"name": "rep", "in": "query", "schema": {"type": "string", "maxLength": 16}}, *_PAGING])},
            "/members/{member_id}": {"get": _op("A member", {"200": _json(_ref("Member"))}, params=[_MEMBER_ID])},
            "/members/{member_id}/balance": {"get": _op("A member's balance", {"200": _json(_ref("Balance"))},
                                                        params=[_MEMBER_ID])},
            "/members/{member_id}/statement": {"get": _op("A member's ledger entries, newest first",
                                                          {"200": _json(_page_of("StatementLine"))},
                                                          params=[_MEMBER_ID, *_PAGING])},
            "/members/{member_id}/adjustments": {"post": _op(
                "Credit or debit points (a ledger transfer with a reason)", {"201": _json(_ref("Adjustment"))},
                params=[_MEMBER_ID, _IDEMPOTENCY], scope="write", errors=("401", "404", "409", "422"),
                body={"type": "object", "required": ["points", "reason"], "properties": {
                    "points": {"type": "integer", "minimum": -10_000_000, "maximum": 10_000_000, "not": {"const": 0}},
                    "reason": text}})},
            "/members/{member_id}/block": {"post": _op(
                "Block a member: claims and redemptions in chat are refused (the console's Block)",
                {"200": _json(_ref("BlockState"))}, params=[_MEMBER_ID, _IDEMPOTENCY], scope="write",
                errors=("401", "404", "409", "422"),
                body={"type": "object", "required": ["reason"], "properties": {
                    "reason": {**text, "pattern": "\\S"}}})},
            "/members/{member_id}/unblock": {"post": {**_op(
                "Unblock a member", {"200": _json(_ref("BlockState"))}, params=[_MEMBER_ID, _IDEMPOTENCY],
                scope="write", errors=("401", "404", "409", "422")),
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"reason": {"type": "string", "maxLength": 255}}}}}}}},
            "/members/{member_id}/erase": {"post": _op(
                "Erase the member's personal data (DPDP): name, phone, UPI, PAN, PIN, GSTIN, firm, message "
                "bodies and media; the ledger stays under a pseudonymous account. Cannot be undone.",
                {"200": _json(_ref("Erasure"))}, params=[_MEMBER_ID, _IDEMPOTENCY], scope="write",
                errors=("401", "404", "409", "422"),
                body={"type": "object", "required": ["confirm"], "properties": {"confirm": {"const": "ERASE"}}})},
            "/claims": {"get": _op("Claims by status", {"200": _json(_page_of("Claim"))}, params=[
                {"name": "status", "in": "query", "schema": {"enum": ["review", "credited", "rejected"]}},
                {"name": "kind", "in": "query", "schema": {"enum": ["invoice", "coupon"]}}, *_PAGING])},
            "/claims/{ref}": {"get": _op("A claim (I12 invoice, C34 coupon)", {"200": _json(_ref("Claim"))},
                                         params=[_REF])},
            "/claims/{ref}/decision": {"post": _op(
                "Approve (credits the points) or reject a claim waiting for review; the member is notified",
                {"200": _json(_ref("Claim"))}, params=[_REF, _IDEMPOTENCY], scope="write",
                errors=("401", "404", "409", "422"),
                body={"type": "object", "required": ["decision"], "properties": {
                    "decision": {"enum": ["approve", "reject"]},
                    "reason_code": {"enum": list(REJECTION_REASONS)},
                    "note": {"type": "string", "maxLength": 500}}})},
            "/batches": {
                "get": _op("Coupon batches, newest first", {"200": _json(_page_of("Batch"))}, params=_PAGING),
                "post": _op("Issue a coupon batch", {"201": _json(_ref("Batch"))}, scope="write",
                            errors=("401", "422"),
                            body={"type": "object", "required": ["sku", "points", "count"], "properties": {
                                "sku": {"type": "string", "minLength": 1, "maxLength": 40},
                                "name": {"type": "string", "maxLength": 80},
                                "points": {"type": "integer", "minimum": 1, "maximum": 100000},
                                "count": {"type": "integer", "minimum": 1, "maximum": 200000},
                                "regions": {"type": "array", "items": {"type": "string", "pattern": "^[0-9]{1,6}$"}}}}),
            },
            "/batches/{batch_id}": {"get": _op("A coupon batch", {"200": _json(_ref("Batch"))}, params=[_BATCH_ID])},
            "/batches/{batch_id}/void": {"post": _op(
                "Void a batch (unclaimed codes stop earning)", {"200": _json(_ref("Batch"))}, params=[_BATCH_ID],
                scope="write", errors=("401", "404", "422"),
                body={"type": "object", "required": ["reason"], "properties": {"reason": text}})},
            **messaging,
        },
    }
