"""Operator commands: ``inaam payouts …`` (manual provider, KYC review, reconcile), ``inaam tds report``,
``inaam vouchers load/stock``."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from bot.i18n import IST, format_rupees


def _app() -> Any:
    from bot.cli import build_app

    return build_app(EMBEDDED_WORKER=False)


def _parse_ref(ref: str) -> int:
    text = ref.strip().lower().removeprefix("rdm-")
    if not text.isdigit():
        raise click.ClickException(f"{ref!r} is not a redemption reference (rdm-123)")
    return int(text)


@click.group()
def payouts() -> None:
    """UPI payouts: manual bank uploads, KYC review, reconcile."""


@payouts.command("pending")
def payouts_pending() -> None:
    """List manual payouts waiting for the bank."""
    from payouts.manual import pending
    from storage.crypto import mask_upi
    from storage.db import sessions

    app = _app()
    with sessions(app)() as session:
        rows = pending(session)
        for red, member in rows:
            click.echo(f"rdm-{red.id}\t{format_rupees(red.net_paise)}\t{mask_upi(red.vpa)}\t{member.name}\t"
                       f"{red.created_at.astimezone(IST):%Y-%m-%d %H:%M} IST")
    click.echo(f"{len(rows)} payout(s) pending.")


@payouts.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def payouts_export(out: Path) -> None:
    """Write the bank bulk-upload CSV of pending manual payouts (contains UPI IDs: keep it safe)."""
    from payouts.manual import pending, write_bulk_csv
    from storage.db import sessions

    app = _app()
    with sessions(app)() as session, out.open("w", newline="", encoding="utf-8") as fh:
        count = write_bulk_csv(pending(session), fh)
    out.chmod(0o600)
    click.echo(f"{count} payout(s) written to {out}.")


@payouts.command("mark-paid")
@click.argument("ref")
@click.option("--utr", default=None, help="The bank's UTR/RRN of the transfer.")
@click.option("--failed", "failure", default=None, help="Mark as failed with this reason (points go back).")
def payouts_mark_paid(ref: str, utr: str | None, failure: str | None) -> None:
    """Record the outcome of a manual payout: paid with its UTR, or failed."""
    from payouts import service
    from payouts.jobs import queue_notices, send_soon
    from storage.db import sessions

    if bool(utr) == bool(failure):
        raise click.ClickException("give exactly one of --utr or --failed")
    if utr and not (6 <= len(utr.strip()) <= 40 and utr.strip().isalnum()):
        raise click.ClickException("--utr must be the bank's reference (6-40 letters and digits)")
    app = _app()
    rid = _parse_ref(ref)
    with sessions(app).begin() as session:
        row = service.lock_redemption(session, rid)
        if row is None or row.provider != "manual":
            raise click.ClickException(f"no manual payout rdm-{rid}")
        before = row.status
        notice = service.apply_status(session, row, "processed" if utr else "failed",
                                      utr=utr.strip() if utr else None, reason=failure)
        after = row.status
        contacts = queue_notices(session, [notice]) if notice else set()  # with the change, exactly once
    send_soon(app, contacts)
    click.echo(f"rdm-{rid}: {before} -> {after}")


@payouts.command("review")
@click.option("--approve", "approve", default=None, metavar="REF", help="KYC checked: send the payout.")
@click.option("--reject", "reject", default=None, metavar="REF", help="KYC refused: return the points.")
@click.option("--note", default="", help="Why (kept with the member's KYC).")
def payouts_review(approve: str | None, reject: str | None, note: str) -> None:
    """Redemptions waiting for a KYC check (PAN name vs UPI holder name)."""
    from payouts import service
    from payouts.jobs import enqueue_submit, queue_notices, send_soon
    from payouts.models import PayoutProfile, Redemption, RedemptionStatus
    from storage.base import utcnow
    from storage.crypto import mask_pan, mask_upi
    from storage.db import sessions
    from storage.models import Member

    app = _app()
    if approve or reject:
        rid = _parse_ref(approve or reject or "")
        with sessions(app).begin() as session:
            row = service.lock_redemption(session, rid)
            if row is None or row.status != RedemptionStatus.REVIEW.value:
                raise click.ClickException(f"rdm-{rid} is not waiting for review")
            profile = service.profile_of(session, row.member_id)
            profile.kyc_status = "verified" if approve else "rejected"
            profile.kyc_note, profile.kyc_at = (note or "operator decision")[:255], utcnow()
            contacts: set[int] = set()
            if approve:
                row.status, row.updated_at = RedemptionStatus.PENDING.value, utcnow()
            else:
                notice = service.apply_status(session, row, "failed", reason="kyc_rejected")
                contacts = queue_notices(session, [notice]) if notice else set()  # with the change, once
        if approve:
            enqueue_submit(app, rid)
        send_soon(app, contacts)
        click.echo(f"rdm-{rid}: {'approved, payout queued' if approve else 'rejected, points returned'}")
        return
    with sessions(app)() as session:
        rows = session.execute(select(Redemption, Member, PayoutProfile)
                               .join(Member, Member.id == Redemption.member_id)
                               .join(PayoutProfile, PayoutProfile.member_id == Member.id)
                               .where(Redemption.status == RedemptionStatus.REVIEW.value)
                               .order_by(Redemption.id)).all()
        for red, member, prof in rows:
            click.echo(f"rdm-{red.id}\t{member.name}\t{format_rupees(red.net_paise)}\tPAN {mask_pan(prof.pan)} "
                       f"'{prof.pan_name}'\tUPI holder '{red.holder_name}' ({mask_upi(red.vpa)})\t{prof.kyc_note}")
    click.echo(f"{len(rows)} redemption(s) waiting for review.")


@payouts.command("reconcile")
def payouts_reconcile() -> None:
    """Check every payout stuck in flight with the provider now (what the scheduler does every 30 s)."""
    from payouts.jobs import reconcile_payouts
    from workers import runtime

    runtime.set_app(_app())
    click.echo(reconcile_payouts())


@click.group()
def tds() -> None:
    """Section 194R TDS."""


@tds.command("report")
@click.option("--quarter", required=True, help="Financial-year quarter, e.g. 2026Q3 (Oct-Dec 2026).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="CSV file (default: tds-194R-<quarter>.csv).")
def tds_report(quarter: str, out: Path | None) -> None:
    """The CSV a brand's accountant files 194R TDS from: member, PAN, benefit value, TDS, dates."""
    from payouts.report import write_tds_report
    from payouts.tax import quarter_bounds
    from storage.db import sessions

    try:
        start, end = quarter_bounds(quarter)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    out = out or Path(f"tds-194R-{quarter.upper()}.csv")
    app = _app()
    with sessions(app)() as session, out.open("w", newline="", encoding="utf-8") as fh:
        totals = write_tds_report(session, fh, start, end)
    out.chmod(0o600)
    click.echo(f"{totals.rows} benefit(s) from {start} to {end - dt.timedelta(days=1)}, "
               f"TDS {format_rupees(totals.tds_paise)} on a taxed value of {format_rupees(totals.taxed_paise)} "
               f"(brand bore {format_rupees(totals.brand_paise)}): {out}")
    if totals.reversed_rows:
        click.echo(f"  {totals.reversed_rows} payout(s) reversed after payment: listed, not in the totals")
    for rate, (tds_paise, taxed_paise) in totals.by_rate.items():
        click.echo(f"  {rate}%: TDS {format_rupees(tds_paise)} on {format_rupees(taxed_paise)}")


@click.group()
def vouchers() -> None:
    """Voucher stock."""


@vouchers.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def vouchers_load(file: Path) -> None:
    """Load codes from a CSV with columns brand,value,code,pin,expiry (duplicates refused)."""
    from payouts.vouchers import VoucherFileError, load_csv
    from storage.db import sessions

    app = _app()
    try:
        with sessions(app).begin() as session, file.open(newline="", encoding="utf-8-sig") as fh:
            result = load_csv(session, fh, source=file.name)
    except VoucherFileError as exc:
        raise click.ClickException(f"{file}: {exc}; nothing loaded") from None
    click.echo(f"Loaded {result.loaded} code(s).")
    if result.duplicates:
        click.echo(f"Refused {len(result.duplicates)} duplicate(s): {', '.join(result.duplicates[:20])}", err=True)


@vouchers.command("stock")
def vouchers_stock() -> None:
    """Codes left per brand and value."""
    from payouts.vouchers import stock
    from storage.db import sessions

    app = _app()
    with sessions(app)() as session:
        rows = stock(session)
    writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
    writer.writerow(["brand", "value", "left", "given"])
    for brand, value, left, given in rows:
        writer.writerow([brand, format_rupees(value), left, given])


def register(main: click.Group) -> None:
    main.add_command(payouts)
    main.add_command(tds)
    main.add_command(vouchers)
