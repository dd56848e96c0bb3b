"""JSON errors for the API: every failure is ``{"error": {"code", "message"}}`` with a fitting status."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str) -> tuple[Response, int]:
    resp = jsonify({"error": {"code": code, "message": message}})
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="inaam"'
    return resp, status


def register_errors(bp: Blueprint) -> None:
    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> tuple[Response, int]:
        return error_response(exc.status, exc.code, exc.message)

    @bp.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[Response, int]:
        status = exc.code or 500
        return error_response(status, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")
