"""The dashboard: membership, claims, points and liability at a glance, with charts."""

from __future__ import annotations

from flask import current_app

from admin import charts
from admin.auth import requires
from admin.queries import dashboard as dashboard_figures
from admin.web import bp, db, render


@bp.route("/dashboard")
@requires("dashboard")
def dashboard() -> str:
    figures = dashboard_figures(db())
    program = current_app.config["PROGRAM"]
    return render(
        "admin/dashboard.html", title="Dashboard", active="dashboard", f=figures,
        liability_paise=program.paise_for(figures.liability_points), point_value=program.point_value_paise,
        enroll_chart=charts.bars(figures.enrollments, label="Enrollments per day (IST), last 30 days"),
        claims_chart=charts.bars(figures.claims, label="Claims per day (coupons and invoices)", color="#0ea5e9"),
        issued_chart=charts.bars(figures.issued_30d, label="Points issued per day", color="#f59e0b"),
        role_chart=charts.hbars([(r.capitalize(), n) for r, n in figures.by_role], label="Members by trade"),
        payouts=payouts_in_flight(db()),
    )


def payouts_in_flight(session: object) -> dict[str, int] | None:
    """Open payouts (count, net rupees in paise) and failed/reversed in 30 days, when payouts are installed."""
    from admin.views_payouts import AVAILABLE

    if not AVAILABLE:
        return None
    import datetime as dt

    from sqlalchemy import func, select

    from payouts.models import OPEN_STATUSES, Redemption
    from storage.base import utcnow

    count, paise = session.execute(  # type: ignore[attr-defined]
        select(func.count(), func.coalesce(func.sum(Redemption.net_paise), 0))
        .where(Redemption.status.in_(OPEN_STATUSES))).one()
    failed = session.scalar(  # type: ignore[attr-defined]
        select(func.count()).where(Redemption.status.in_(["failed", "reversed"]),
                                   Redemption.created_at >= utcnow() - dt.timedelta(days=30)))
    return {"count": int(count), "paise": int(paise), "failed": int(failed or 0)}
