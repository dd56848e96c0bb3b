"""The console's blueprint and what every page shares: the request's database session and user,
CSRF, paging on the server, CSV export of any table, IST times and Indian number grouping.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, request
from flask import render_template as _render
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from admin import csrf
from admin.auth import can, client_ip, load_user
from bot.i18n import IST, format_number, format_rupees
from storage.db import sessions

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
               static_url_path="/static")

PER_PAGE = 25


MAX_ID = 2**53


@bp.before_request
def _before() -> None:
    from flask import abort

    # Input no database column can hold is refused up front (never a 500): NUL characters, ids out of range.
    if any("\x00" in v for v in (*request.args.values(), *request.form.values())):
        abort(400, "The request contains a NUL character.")
    if any(isinstance(v, int) and not 0 <= v < MAX_ID for v in (request.view_args or {}).values()):
        abort(404)
    g.db = sessions()()
    g.admin_user = load_user(g.db)
    if request.method == "POST":
        csrf.protect()


@bp.teardown_request
def _teardown(_exc: BaseException | None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@bp.after_request
def _headers(resp: Response) -> Response:
    if "db" in g:
        # End the request's read transaction before the session is saved (SQLite has one writer);
        # views commit what they change themselves.
        g.db.rollback()
    resp.headers.setdefault("X-Frame-Options", "DENY")
    resp.headers.setdefault("X-Content-Type-Options", "nosniff")
    resp.headers.setdefault("Referrer-Policy", "same-origin")
    resp.headers.setdefault("Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                            "frame-ancestors 'none'; form-action 'self'")
    if request.endpoint != "admin.static":
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def db() -> Session:
    return g.db


def actor() -> str:
    return g.admin_user.email


def ip() -> str:
    return client_ip()


def render(template: str, **context: Any) -> str:
    user = g.get("admin_user")
    return _render(template, user=user, can=lambda area, write=False: bool(user) and can(user.role, area, write),
                   **context)


# ------------------------------------------------------------------------------------ formatting


def ist(when: dt.datetime | None, fmt: str = "%d %b %Y, %I:%M %p") -> str:
    if when is None:
        return "—"
    return when.astimezone(IST).strftime(fmt).replace("AM", "am").replace("PM", "pm")


def num(n: int | None) -> str:
    return "—" if n is None else format_number(int(n))


def rupees(paise: int | None) -> str:
    return "—" if paise is None else format_rupees(int(paise))


def mask_upi(upi: str | None) -> str:
    if not upi:
        return "—"
    name, _, bank = upi.partition("@")
    return (name[:2] + "•" * max(len(name) - 2, 3)) + ("@" + bank if bank else "")


def mask_phone(phone: str | None) -> str:
    if not phone or not phone.startswith("+"):
        return phone or "—"
    return phone[:3] + " " + "•" * (len(phone) - 7) + phone[-4:]


def age(when: dt.datetime | None, now: dt.datetime | None = None) -> str:
    if when is None:
        return "—"
    seconds = int(((now or dt.datetime.now(dt.UTC)) - when).total_seconds())
    if seconds < 3600:
        return f"{max(seconds // 60, 0)} min"
    if seconds < 86400 * 2:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


@bp.app_template_filter("ist")
def _ist_filter(when: dt.datetime | None) -> str:
    return ist(when)


@bp.app_template_filter("istday")
def _ist_day_filter(when: dt.datetime | None) -> str:
    return ist(when, "%d %b %Y")


@bp.app_template_filter("num")
def _num_filter(n: int | None) -> str:
    return num(n)


@bp.app_template_filter("rupees")
def _rupees_filter(paise: int | None) -> str:
    return rupees(paise)


@bp.app_template_filter("age")
def _age_filter(when: dt.datetime | None) -> str:
    return age(when)


@bp.app_template_filter("maskphone")
def _mask_phone_filter(phone: str | None) -> str:
    return mask_phone(phone)


# ------------------------------------------------------------------------------------ tables


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text | num | time | rupees | link
    link: Callable[[dict[str, Any]], str] | None = None


@dataclass
class Page:
    rows: list[dict[str, Any]]
    page: int
    pages: int
    total: int
    per_page: int

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)


def page_number() -> int:
    try:
        return min(max(1, int(request.args.get("page", "1"))), 1_000_000)
    except ValueError:
        return 1


def paginate(db: Session, stmt: Select[Any], to_row: Callable[[Any], dict[str, Any]], *,
             per_page: int = PER_PAGE) -> Page:
    """One page of ``stmt`` (LIMIT/OFFSET on the server) with the total count."""
    total = db.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(page_number(), pages)
    result = db.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    rows = [to_row(r) for r in result]
    return Page(rows, page, pages, total, per_page)


def wants_csv() -> bool:
    return request.args.get("format") == "csv"


def csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "time" and isinstance(value, dt.datetime):
        return value.astimezone(IST).strftime("%Y-%m-%d %H:%M:%S IST")
    if kind == "rupees" and isinstance(value, int):
        return f"{value / 100:.2f}"
    return str(value)


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> Response:
    """Every row as CSV (UTF-8 with BOM so spreadsheet programs read Hindi/Urdu names).

    Built while the request's database session is open (rows are read in chunks of 1,000).
    """
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.writer(buf)
    writer.writerow([c.label for c in columns])
    for row in rows:
        writer.writerow([_csv_safe(csv_value(row.get(c.key), c.kind)) for c in columns])
    return Response(buf.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def _csv_safe(text: str) -> str:
    """Neutralise spreadsheet formulas in user-supplied text (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def all_rows(db: Session, stmt: Select[Any], to_row: Callable[[Any], dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """Every row of ``stmt``, fetched in chunks (for CSV export)."""
    offset = 0
    while True:
        chunk = db.execute(stmt.limit(1000).offset(offset)).all()
        if not chunk:
            return
        yield from (to_row(r) for r in chunk)
        offset += len(chunk)


def table(db: Session, stmt: Select[Any], to_row: Callable[[Any], dict[str, Any]], columns: Sequence[Column],
          filename: str) -> Page | Response:
    """A page of rows, or the whole table as CSV when ``?format=csv`` (exports are audited: they carry
    personal data out of the console)."""
    if wants_csv():
        response = csv_response(filename, columns, all_rows(db, stmt, to_row))
        user = g.get("admin_user")
        if user is not None:
            from admin import audit

            audit.record(db, actor=user.email, action="export.csv", target_type="table", target_id=filename[:60],
                         note=request.full_path[:500], ip=client_ip())
            db.commit()
        return response
    return paginate(db, stmt, to_row)


@bp.app_context_processor
def _context() -> dict[str, Any]:
    from flask import current_app

    def query_with(**changes: Any) -> str:
        from urllib.parse import urlencode

        args = {k: v for k, v in request.args.items()}
        for key, value in changes.items():
            if value is None:
                args.pop(key, None)
            else:
                args[key] = str(value)
        return urlencode(args)

    backlog = handoffs = 0
    if request.blueprint == "admin" and g.get("admin_user") is not None and "db" in g:
        from admin.queries import backlog_count, open_handoff_count

        backlog = backlog_count(g.db)
        if can(g.admin_user.role, "handoffs"):
            handoffs = open_handoff_count(g.db)
    return {"program_name": current_app.config["PROGRAM"].name, "query_with": query_with,
            "view_endpoints": set(current_app.view_functions), "backlog_count": backlog, "handoff_count": handoffs}


def send_soon(contact_id: int) -> None:
    """Hand a stored notice to the queue; if the queue is down, the sweeper sends it later."""
    import logging

    from flask import current_app

    from workers.jobs import schedule_send

    try:
        schedule_send(current_app, contact_id)
    except Exception as exc:  # the outbound row is stored; the sweeper picks it up
        logging.getLogger(__name__).warning("Queue unavailable (%s); notice left to the sweeper",
                                            exc.__class__.__name__)
