"""Payouts (when the redemption capability, ``payouts``, is installed): pending, failed, reversed;
the manual provider's bank export and recording its outcome; KYC shown masked on member profiles;
and the erasure of payout personal data (PAN, UPI holder) for DPDP requests.

Everything here calls the payouts capability's own functions, so the console and the CLI move
money the same way (holds posted or voided exactly once, the member told once).
"""

from __future__ import annotations

import importlib.util
import io
from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from admin import audit
from admin.auth import requires
from admin.web import Column, actor, bp, db, ip, mask_upi, render, table
from storage import privacy
from storage.models import Member

AVAILABLE = importlib.util.find_spec("payouts") is not None and importlib.util.find_spec("payouts.models") is not None
STATUSES = ("review", "pending", "submitting", "processing", "processed", "failed", "reversed")
COLUMNS = [Column("ref", "Payout"), Column("member", "Member"), Column("kind", "Kind"),
           Column("points", "Points", "num"), Column("net_paise", "Amount", "rupees"),
           Column("tds_paise", "TDS", "rupees"), Column("vpa", "Paid to"), Column("provider", "Provider"),
           Column("status", "Status", "badge"), Column("utr", "UTR"), Column("failure_reason", "Why it failed"),
           Column("created_at", "Asked", "time"), Column("settled_at", "Settled", "time")]


def mask_pan(pan: str | None) -> str:
    if not pan:
        return "—"
    return pan[:3] + "•" * max(len(pan) - 4, 3) + pan[-1:]


def kyc_summary(session: Session, member_id: int) -> str | None:
    """'verified · PAN ABC••••••F · UPI holder R. Kumar' for a member profile, or None."""
    if not AVAILABLE:
        return None
    from payouts.models import PayoutProfile

    profile = session.scalar(select(PayoutProfile).where(PayoutProfile.member_id == member_id))
    if profile is None:
        return None
    parts = [f"KYC {profile.kyc_status}"]
    if profile.pan:
        parts.append(f"PAN {mask_pan(profile.pan)}")
    if profile.upi_holder_name:
        parts.append(f"UPI holder {profile.upi_holder_name}")
    return " · ".join(parts)


def redemptions_of(session: Session, member_id: int) -> list[dict[str, Any]] | None:
    if not AVAILABLE:
        return None
    from payouts.models import Redemption

    rows = session.scalars(select(Redemption).where(Redemption.member_id == member_id)
                           .order_by(Redemption.id.desc()).limit(20)).all()
    return [{"when": r.created_at, "points": r.points, "reference": f"rdm-{r.id} · {r.kind} · {r.status}",
             "reason": r.status} for r in rows]


def _erase_payout_data(session: Session, member: Member) -> None:
    from payouts.models import PayoutProfile, Redemption

    session.execute(update(PayoutProfile).where(PayoutProfile.member_id == member.id)
                    .values(pan=None, pan_name=None, upi_holder_name=None))
    session.execute(update(Redemption).where(Redemption.member_id == member.id).values(vpa=None, holder_name=None))


if AVAILABLE:
    from payouts.models import Redemption

    if _erase_payout_data not in privacy.EXTRA_ERASERS:
        privacy.EXTRA_ERASERS.append(_erase_payout_data)

    def _row(r: Any) -> dict[str, Any]:
        red, member = r
        return {"ref": f"rdm-{red.id}", "member": member.name or f"member #{member.id}", "kind": red.kind,
                "points": red.points, "net_paise": red.net_paise, "tds_paise": red.tds_paise,
                "vpa": mask_upi(red.vpa), "provider": red.provider, "status": red.status, "utr": red.utr or "",
                "failure_reason": red.failure_reason or "", "created_at": red.created_at,
                "settled_at": red.settled_at, "_href": url_for("admin.member", member_id=member.id)}

    @bp.route("/payouts")
    @requires("payouts")
    def payouts() -> Response | str:
        status = request.args.get("status", "pending")
        stmt = select(Redemption, Member).join(Member, Member.id == Redemption.member_id)
        if status == "pending":
            stmt = stmt.where(Redemption.status.in_(["review", "pending", "submitting", "processing"]))
        elif status in STATUSES:
            stmt = stmt.where(Redemption.status == status)
        else:
            status = "all"
        result = table(db(), stmt.order_by(Redemption.id.desc()), _row, COLUMNS, f"payouts-{status}.csv")
        if isinstance(result, Response):
            return result
        from payouts.manual import pending as manual_pending

        waiting = [(red.id, f"rdm-{red.id} · {member.name or member.id} · ₹{red.net_paise / 100:,.2f}")
                   for red, member in manual_pending(db())]
        return render("admin/payouts.html", title="Payouts", active="payouts", page=result, columns=COLUMNS,
                      status=status, manual_waiting=len(waiting), manual_rows=waiting)

    @bp.route("/payouts/manual-export.csv")
    @requires("payouts", write=True)
    def payouts_export() -> Response:
        from payouts.manual import pending as manual_pending
        from payouts.manual import write_bulk_csv

        out = io.StringIO()
        count = write_bulk_csv(manual_pending(db()), out)
        audit.record(db(), actor=actor(), action="payouts.export", after={"rows": count}, ip=ip())
        db().commit()
        return Response(out.getvalue(), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="manual-payouts.csv"'})

    @bp.route("/payouts/outcome", methods=["POST"])
    @requires("payouts", write=True)
    def payout_outcome() -> Response:
        from payouts import service
        from payouts.jobs import queue_notices, send_soon

        raw_id = request.form.get("redemption", "")
        if not raw_id.isdigit() or len(raw_id) > 15:
            abort(400, "Choose a payout.")
        redemption_id = int(raw_id)
        utr = (request.form.get("utr") or "").strip()
        failure = (request.form.get("failed") or "").strip()
        if bool(utr) == bool(failure) or (utr and not (6 <= len(utr) <= 40 and utr.isalnum())):
            flash("Give the bank's UTR (6–40 letters and digits) or a failure reason.", "error")
            return redirect(url_for("admin.payouts"))
        session = db()
        row = service.lock_redemption(session, redemption_id)
        if row is None or row.provider != "manual":
            abort(404)
        before = row.status
        notice = service.apply_status(session, row, "processed" if utr else "failed", utr=utr or None,
                                      reason=failure or None)
        audit.record(session, actor=actor(), action="payout.mark", target_type="payout", target_id=f"rdm-{row.id}",
                     before={"status": before}, after={"status": row.status, "utr": utr or None,
                                                       "reason": failure or None}, ip=ip())
        contacts = queue_notices(session, [notice]) if notice else set()  # with the change, exactly once
        session.commit()
        send_soon(current_app, contacts)
        flash(f"rdm-{redemption_id}: {before} → {row.status}.", "ok")
        return redirect(url_for("admin.payouts"))
