"""Claim commands: `inaam qr issue|decode|void`, `inaam invoices read`, `inaam claims review`.

Why: the brand prints coupon batches and admins work the review queue from a terminal; the
decode/read commands run the very code path the bot uses, for support and for tuning.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from bot.cli import build_app


def register(main: click.Group) -> None:
    main.add_command(qr)
    main.add_command(invoices)
    main.add_command(claims)


@click.group()
def qr() -> None:
    """Coupon QR codes."""


@qr.command("issue")
@click.option("--sku", required=True, help="Product SKU printed on the label.")
@click.option("--points", type=click.IntRange(min=1), required=True, help="Points each coupon earns.")
@click.option("--count", type=click.IntRange(min=1, max=1_000_000), required=True, help="Number of coupons.")
@click.option("--batch", "name", default=None, help="Batch name (default: the SKU).")
@click.option("--region", "regions", default="", help="Comma-separated PIN prefixes where the batch is valid.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Directory for the PDF sheet and the CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the batch and its codes as JSON.")
def qr_issue(sku: str, points: int, count: int, name: str | None, regions: str, out_dir: Path, as_json: bool) -> None:
    """Create a batch of single-use signed coupon codes: printable PDF labels, a CSV, optional JSON."""
    from rich.progress import Progress

    from claims.codes import printed
    from claims.coupons import batch_codes, create_batch, parse_regions
    from claims.sheets import Label, write_csv, write_sheet_pdf
    from storage.db import sessions

    try:
        prefixes = parse_regions(regions)
    except ValueError:
        raise click.ClickException("--region takes PIN prefixes of 1-6 digits, e.g. 226,2270") from None
    app = build_app(EMBEDDED_WORKER=False)
    _upgrade_if_embedded(app)
    secret = app.config["COUPON_SECRET"]
    with sessions(app).begin() as session:
        batch = create_batch(session, sku=sku, points=points, count=count, name=name, regions=prefixes)
        batch_id = batch.id
        session.expunge(batch)
    out_dir.mkdir(parents=True, exist_ok=True)
    pdf, csv = out_dir / f"batch-{batch_id}.pdf", out_dir / f"batch-{batch_id}.csv"
    labels = [Label(code.text, sku, points) for code in batch_codes(secret, batch)]
    write_csv(csv, labels)
    with Progress(transient=True, disable=as_json) as progress:
        task = progress.add_task(f"Writing {count:,} labels", total=count)
        write_sheet_pdf(pdf, labels, program_name=app.config["PROGRAM"].name, program_names=app.config["PROGRAM"].names,
                        progress=lambda n: progress.update(task, completed=n))
    if as_json:
        click.echo(json.dumps({"batch": batch_id, "sku": sku, "points": points, "count": count, "regions": prefixes,
                               "pdf": str(pdf), "csv": str(csv),
                               "codes": [printed(label.code_text) for label in labels]}, ensure_ascii=False))
        return
    click.echo(f"Batch {batch_id}: {count:,} coupons of {points} points for {sku}"
               + (f", valid in PIN prefixes {', '.join(prefixes)}" if prefixes else ""))
    click.echo(f"Labels: {pdf}\nCSV: {csv}")


@qr.command("void")
@click.argument("batch_id", type=int)
@click.option("--reason", required=True, help="Why the batch is withdrawn (kept with the batch).")
def qr_void(batch_id: int, reason: str) -> None:
    """Void a batch: its unclaimed codes stop earning points."""
    from claims.coupons import void_batch
    from storage.db import sessions

    app = build_app(EMBEDDED_WORKER=False)
    try:
        with sessions(app).begin() as session:
            void_batch(session, batch_id, reason)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Batch {batch_id} voided.")


@qr.command("decode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def qr_decode(file: Path, as_json: bool) -> None:
    """Find every QR code in FILE (the bot's decoder) and check coupon codes' signatures."""
    from claims.codes import CodeError, parse_code, printed
    from claims.vision import imaging
    from claims.vision.exceptions import MediaError
    from claims.vision.qr import decode_image

    app = build_app(EMBEDDED_WORKER=False)
    try:
        pages = imaging.load_pages(file.read_bytes(), max_pixels=int(app.config["MEDIA_MAX_PIXELS"]))
    except MediaError as exc:
        raise click.ClickException(f"{file}: {exc.__class__.__name__}: {exc}") from None
    found = []
    for page_no, page in enumerate(pages, start=1):
        for hit in decode_image(page):
            entry: dict[str, object] = {"page": page_no, "text": hit.text, "quad": hit.quad}
            try:
                code = parse_code(app.config["COUPON_SECRET"], hit.text)
                entry.update(coupon=printed(code.text), batch=code.batch, serial=code.serial, valid=True)
            except CodeError as exc:
                entry.update(valid=False, reason=exc.reason)
            found.append(entry)
    if as_json:
        click.echo(json.dumps({"file": str(file), "codes": found}, ensure_ascii=False))
        return
    for entry in found:
        status = (f"batch {entry['batch']} serial {entry['serial']}" if entry["valid"]
                  else f"not ours ({entry['reason']})")
        click.echo(f"{entry['text']}  {status}")
    click.echo(f"{len(found)} QR code(s) found.")


@click.group()
def invoices() -> None:
    """GST invoices."""


@invoices.command("read")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON with per-field confidence.")
def invoices_read(file: Path, as_json: bool) -> None:
    """Read an invoice photo or PDF exactly as the bot does and print the fields."""
    from bot.i18n import IST
    from claims.invoice_read import read_invoice
    from storage.base import utcnow

    app = build_app(EMBEDDED_WORKER=False)
    program = app.config["PROGRAM"]
    reading = read_invoice(file.read_bytes(), einvoice_public_key=program.invoice.einvoice_public_key,
                           max_pixels=int(app.config["MEDIA_MAX_PIXELS"]), today=utcnow().astimezone(IST).date())
    data = reading.to_json()
    if as_json:
        data.pop("text", None)
        click.echo(json.dumps({"file": str(file), **data}, ensure_ascii=False))
        return
    click.echo(f"{file}: {data['outcome']} ({'certain' if data['certain'] else 'needs review'}, {data['seconds']} s)")
    for name in ("supplier_gstin", "buyer_gstin", "invoice_number", "invoice_date", "total_paise"):
        field = data[name]
        click.echo(f"  {name:15} {field['value']!s:24} confidence {field['confidence']:.2f} ({field['source']})")
    if data["doubts"]:
        click.echo(f"  doubts: {', '.join(data['doubts'])}")


@click.group()
def claims() -> None:
    """Claims waiting for review."""


@claims.command("review")
@click.option("--approve", "approve_ref", default=None, metavar="REF", help="Approve claim REF (e.g. I12, C34).")
@click.option("--reject", "reject_ref", default=None, metavar="REF", help="Reject claim REF.")
@click.option("--reason", default=None, help="Why (required to reject; sent to the member).")
@click.option("--admin", default=lambda: getpass.getuser(), show_default="your login", help="Who decides.")
def claims_review(approve_ref: str | None, reject_ref: str | None, reason: str | None, admin: str) -> None:
    """List claims waiting for review, or approve / reject one (the member is notified either way)."""
    from claims.exceptions import ClaimError
    from claims.review import decide, pending
    from storage.db import sessions

    app = build_app(EMBEDDED_WORKER=False)
    if approve_ref and reject_ref:
        raise click.UsageError("use --approve or --reject, not both")
    if reject_ref and not reason:
        raise click.UsageError("--reject needs --reason (the member is told why)")
    ref = approve_ref or reject_ref
    if ref is None:
        with sessions(app)() as session:
            items = pending(session)
        for item in items:
            click.echo(f"{item.ref:6} {item.created_at:%Y-%m-%d %H:%M} UTC  {item.member} ({item.phone})  "
                       f"{item.summary}  [{', '.join(item.reasons)}]")
        click.echo(f"{len(items)} claim(s) waiting for review.")
        return
    try:
        with sessions(app).begin() as session:
            row = decide(session, ref, approve=bool(approve_ref), admin=admin, note=reason,
                         support_phone=app.config["PROGRAM"].support_phone)
            contact_id = row.contact_id if row else None
    except ClaimError as exc:
        raise click.ClickException(str(exc) or exc.__class__.__name__) from None
    if contact_id is not None:
        _send_now(app, contact_id)
    click.echo(f"{ref} {'approved' if approve_ref else 'rejected'}; the member has been notified.")


def _send_now(app: object, contact_id: int) -> None:
    """Hand the notice to the queue; with no queue reachable the sweeper sends it later."""
    from workers.jobs import schedule_send

    try:
        if app.config.get("REDIS_URL"):  # type: ignore[attr-defined]
            schedule_send(app, contact_id)
    except Exception as exc:  # the stored outbound row is picked up by the sweeper
        click.echo(f"(queue unavailable: {exc.__class__.__name__}; the notice goes out with the next sweep)")


def _upgrade_if_embedded(app: object) -> None:
    from storage.migrate import upgrade

    if app.config["DATABASE_URL"].startswith("sqlite"):  # type: ignore[attr-defined]
        upgrade(app.config["DATABASE_URL"])  # type: ignore[attr-defined]
