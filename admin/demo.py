"""A demo programme for screenshots and browser tests: members across India, reps, coupon batches
with scans over 30 days, invoices and coupons waiting for review — all made through the real code
paths (enrollment, coupon claims, invoice rules, ledger)."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy.orm import Session

from admin import audit
from admin.auth import create_user
from bot.i18n import IST
from bot.program import Program
from claims.codes import make_code
from claims.coupons import claim_codes, create_batch
from claims.invoices import claim_invoice
from storage.base import utcnow
from storage.members import Enrollment, enroll
from storage.models import Contact, InboundMessage, Media
from storage.reps import add_rep

PEOPLE = [
    ("Ramesh Kumar", "mason", "226010", "hi"), ("Mohd. Irfan", "electrician", "226003", "ur"),
    ("Suresh Yadav", "contractor", "208001", "hi"), ("Sunita Devi", "retailer", "800001", "hi"),
    ("Anil Sharma", "plumber", "302001", "en"), ("Farhan Qureshi", "electrician", "500001", "ur"),
    ("Prakash Patil", "contractor", "411001", "en"), ("Deepak Verma", "painter", "462001", "hi"),
    ("Imran Ansari", "mason", "221001", "ur"), ("Gurpreet Singh", "distributor", "141001", "en"),
    ("Rajesh Gupta", "retailer", "110092", "en"), ("Manoj Tiwari", "plumber", "273001", "hi"),
    ("Shabana Khatoon", "retailer", "226018", "ur"), ("Vijay Chauhan", "mason", "282001", "hi"),
    ("Arvind Mishra", "electrician", "211001", "hi"), ("Naveen Reddy", "contractor", "530001", "en"),
    ("Kamlesh Prajapati", "mason", "380001", "hi"), ("Sanjay Nishad", "painter", "226028", "hi"),
    ("Abdul Rehman", "plumber", "250001", "ur"), ("Pooja Saxena", "retailer", "243001", "en"),
    ("Harish Pandey", "contractor", "226016", "hi"), ("Mukesh Rawat", "electrician", "248001", "hi"),
    ("Salim Shaikh", "mason", "400070", "ur"), ("Dinesh Kushwaha", "plumber", "482001", "hi"),
    ("Ravi Shankar", "painter", "600040", "en"), ("Bhupendra Singh", "distributor", "226001", "hi"),
]
REPS = [("Alok Srivastava", "+919415000101"), ("Nadeem Akhtar", "+919415000102"), ("Kavita Joshi", "+919415000103")]
SELLERS = [("Shree Ganesh Building Materials", "09AAKFS4521M1ZR"), ("Awadh Cement Agency", "09ABCPA1234Q1ZQ"),
           ("Noor Electricals", "09AAGFN7788K1ZD")]


@dataclass(frozen=True)
class DemoLogins:
    admin: str
    reviewer: str
    rep: str
    password: str


def seed(db: Session, program: Program, secret: bytes, *, password: str, seed_value: int = 7) -> DemoLogins:
    """Fill an empty database with the demo programme; returns the console logins."""
    rng = random.Random(seed_value)
    now = utcnow()
    reps = [add_rep(db, name, phone) for name, phone in REPS]
    members = []
    for i, (name, role, pin, lang) in enumerate(PEOPLE):
        phone = f"+9198{rng.randrange(10**7, 10**8)}"
        joined = now - dt.timedelta(days=rng.randrange(0, 30), hours=rng.randrange(0, 20))
        contact = Contact(phone=phone, lang=lang, profile_name=name.split()[0], last_inbound_at=now - dt.timedelta(
            days=rng.randrange(0, 40)), slots={})
        db.add(contact)
        db.flush()
        upi = f"{name.split()[0].lower().rstrip('.')}{rng.randrange(10, 99)}@okaxis" if i % 3 else None
        with ledger_clock(joined):
            member = enroll(db, contact, Enrollment(name, role, pin, upi, lang, reps[i % 3].code if i % 4 else None),
                            welcome_bonus=program.welcome_bonus)
        member.created_at = joined
        members.append(member)
    cement = create_batch(db, sku="CEM-OPC53-50KG", points=20, count=5000, name="OPC 53 cement, Nov run")
    cable = create_batch(db, sku="CBL-2.5MM-90M", points=50, count=2000, name="FR cable 2.5 mm", regions=["22", "20"])
    create_batch(db, sku="PIPE-CPVC-1IN", points=15, count=3000, name="CPVC pipe 1 inch")
    serial = {cement.id: 0, cable.id: 0}
    for day in range(30, -1, -1):
        when = now - dt.timedelta(days=day, hours=rng.randrange(0, 6))
        for member in rng.sample(members, k=rng.randrange(2, 9)):
            north = member.pin_code.startswith("2")
            batch = cable if (north and rng.random() < 0.4) or (not north and rng.random() < 0.02) else cement
            codes = []
            for _ in range(rng.randrange(1, 3)):
                codes.append(make_code(secret, batch.id, serial[batch.id]).text)
                serial[batch.id] += 1
            at = when + dt.timedelta(minutes=rng.randrange(0, 300))
            with ledger_clock(min(at, now)):
                claim_codes(db, secret=secret, member=member, texts=codes, program=program, now=at)
    for k, member in enumerate(members[:4]):
        _invoice(db, member, program, k, now - dt.timedelta(hours=3 * k + 1))
    _payouts(db, program, [m for m in members if m.upi_id])
    admin_user = create_user(db, "admin@inaam.demo", password, "admin", name="Neha Kapoor (Loyalty manager)")
    create_user(db, "reviewer@inaam.demo", password, "reviewer", name="Asif Khan (Claims)")
    create_user(db, "rep@inaam.demo", password, "rep", name=REPS[0][0], rep_id=reps[0].id)
    audit.record(db, actor=admin_user.email, action="batch.issue", target_type="batch", target_id=cement.id,
                 after={"sku": cement.sku, "count": cement.count, "points": cement.points}, ip="10.0.4.21")
    return DemoLogins("admin@inaam.demo", "reviewer@inaam.demo", "rep@inaam.demo", password)


@contextmanager
def ledger_clock(when: dt.datetime) -> Iterator[None]:
    """Post ledger transfers as of ``when`` (the demo's 30 days of history; the hash chain covers the
    time, so ``inaam ledger verify`` still passes). Only for seeding a demo database, never while serving."""
    from storage import ledger_core

    real = ledger_core.utcnow
    ledger_core.utcnow = lambda: when
    try:
        yield
    finally:
        ledger_core.utcnow = real


def invoice_image(seller: str, gstin: str, number: str, day: dt.date, total_paise: int) -> bytes:
    """A plain photographed-looking GST invoice (PNG)."""
    img = Image.new("RGB", (900, 1200), (250, 248, 240))
    draw = ImageDraw.Draw(img)
    big, font, small = (ImageFont.load_default(size=s) for s in (34, 22, 18))
    draw.text((60, 50), seller, fill=(20, 20, 60), font=big)
    draw.text((60, 100), f"GSTIN: {gstin}", fill="black", font=font)
    draw.text((60, 130), "Aminabad Road, Lucknow, Uttar Pradesh 226018", fill=(60, 60, 60), font=small)
    draw.text((620, 60), "TAX INVOICE", fill=(150, 20, 20), font=font)
    draw.text((60, 190), f"Invoice No: {number}", fill="black", font=font)
    draw.text((560, 190), f"Date: {day:%d/%m/%Y}", fill="black", font=font)
    draw.line((60, 240, 840, 240), fill="black", width=2)
    rows = [("OPC 53 Grade Cement 50 kg", 40, 38500), ("FR Cable 2.5 sq mm 90 m", 2, 215000)]
    y = 260
    for name, qty, rate in rows:
        draw.text((60, y), name, fill="black", font=small)
        draw.text((560, y), str(qty), fill="black", font=small)
        draw.text((680, y), f"{rate / 100:,.2f}", fill="black", font=small)
        y += 40
    draw.line((60, y + 10, 840, y + 10), fill="black", width=1)
    draw.text((480, y + 30), "CGST 9%   SGST 9%", fill="black", font=small)
    draw.text((480, y + 80), f"Grand Total: Rs {total_paise / 100:,.2f}", fill="black", font=font)
    img = img.rotate(1.5, expand=False, fillcolor=(120, 110, 100))
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def _invoice(db: Session, member: object, program: Program, k: int, when: dt.datetime) -> None:
    from claims.gstin import check_char

    seller, gstin = SELLERS[k % len(SELLERS)]
    if hasattr(member, "gstin"):  # invoices pay firms (retailers, distributors) whose GSTIN is the buyer
        base = f"09AAB{'CDEFG'[k]}K{1234 + k}L1Z"
        member.role, member.gstin, member.firm_name = "retailer", base + check_char(base), f"{member.name} Traders"  # type: ignore[attr-defined]
        db.flush()
    number, total = f"SGB/24-25/{1180 + k * 37}", [2_970_000, 1_845_050, 4_410_000, 987_500][k % 4]
    day = (when - dt.timedelta(days=2)).date()
    data = invoice_image(seller, gstin, number, day, total)
    contact = db.query(Contact).filter(Contact.member_id == member.id).one()  # type: ignore[attr-defined]
    inbound = InboundMessage(message_sid=f"SMdemo{member.id:06d}{k}", contact_id=contact.id, params={}, num_media=1,  # type: ignore[attr-defined]
                             received_at=when)
    db.add(inbound)
    db.flush()
    media = Media(inbound_id=inbound.id, idx=0, url="", declared_type="image/png", content_type="image/png",
                  size=len(data), data=data, sha256=None, status="stored")
    db.add(media)
    db.flush()
    doubts = [["total_paise_unsure"], ["invoice_number_unsure"], ["invoice_date_unsure", "total_unconfirmed"],
              ["supplier_gstin_unsure"]][k % 4]
    conf = {name: (0.52 if f"{name}_unsure" in doubts else 0.97) for name in
            ("supplier_gstin", "invoice_number", "invoice_date", "total_paise")}
    reading = {"outcome": "ok", "certain": False, "doubts": doubts,
               "supplier_gstin": {"value": gstin, "confidence": conf["supplier_gstin"], "source": "ocr"},
               "buyer_gstin": {"value": None, "confidence": 0.0, "source": "none"},
               "invoice_number": {"value": number, "confidence": conf["invoice_number"], "source": "ocr"},
               "invoice_date": {"value": day.isoformat(), "confidence": conf["invoice_date"], "source": "ocr"},
               "total_paise": {"value": total, "confidence": conf["total_paise"], "source": "ocr"}}
    claim_invoice(db, member=member, media_id=media.id, reading=reading, program=program, now=when,  # type: ignore[arg-type]
                  inbound_id=inbound.id)


def _payouts(db: Session, program: Program, members: list[object]) -> None:
    """A few UPI payouts through the manual provider: paid, failed, and in flight (when payouts exist)."""
    try:
        from payouts import service
    except ImportError:
        return
    outcomes = [("processed", "612345678901"), ("failed", None), ("processing", None), ("processed", "612345679230"),
                ("processing", None)]
    from storage import ledger

    rich = [m for m in members if ledger.balance(db, m.account_id) >= 200]  # type: ignore[attr-defined]
    for member, (status, utr) in zip(rich, outcomes, strict=False):
        points = ledger.balance(db, member.account_id) // 200 * 100  # type: ignore[attr-defined]
        paise = program.paise_for(points)
        row = service.start_redemption(db, member, service.NewRedemption(  # type: ignore[arg-type]
            kind="upi", reward_code="upi", points=points, gross_paise=paise, tds_paise=0, net_paise=paise,
            tds_mode="none", fy="2026-27", provider="manual", vpa=member.upi_id,  # type: ignore[attr-defined]
            holder_name=member.name.upper()))  # type: ignore[attr-defined]
        service.apply_status(db, row, "processing")
        if status != "processing":
            service.apply_status(db, row, status, utr=utr, reason="Beneficiary bank declined (NPCI U30)")


def seed_messaging(app: Any, *, seed_value: int = 11) -> None:
    """Campaigns (sent with delivery statuses, a draft, a scheduled one) and handoffs (open, a disputed
    claim, closed) for the demo, through the campaign and handoff services; Twilio's status callbacks
    are played back as ``storage.outbox.advance_status`` would record them."""
    from sqlalchemy import select

    from bot.i18n import translate
    from campaigns.audience import Filters
    from campaigns.sending import claim, finish_if_done
    from campaigns.service import create_campaign, send_campaign
    from handoff.service import close, latest_claim_ref, open_handoff
    from storage.db import sessions
    from storage.models import Member, OutboundMessage
    from storage.outbox import advance_status, queue_reply

    rng = random.Random(seed_value)
    factory = sessions(app)
    program, templates = app.config["PROGRAM"], app.config["TEMPLATES"]
    now = utcnow()
    started = now - dt.timedelta(days=3, hours=2)
    with factory.begin() as db:
        sent = create_campaign(db, name="Diwali double points — masons and contractors", filters=Filters(
            roles=["mason", "contractor", "plumber", "electrician"]), program=program, templates=templates,
            template="campaign_offer",
            variables={"offer": "Double points on every OPC 53 bag till 15 Nov."}, bonus_points=50,
            created_by="admin@inaam.demo")
        send_campaign(db, sent.id, program, now=started)
        sent.created_at = started - dt.timedelta(hours=1)
        sent_id = sent.id
    claim(factory, sent_id, 1000, app.config)
    with factory.begin() as db:
        rows = db.scalars(select(OutboundMessage).where(OutboundMessage.msgid == f"campaign.{sent_id}")
                          .order_by(OutboundMessage.id)).all()
        for i, row in enumerate(rows):
            row.twilio_sid, row.sent_at = f"SMdemo{sent_id:04d}{i:06d}", started + dt.timedelta(seconds=2 * i)
            row.created_at = row.sent_at
            outcome = rng.choices(["read", "delivered", "sent", "undelivered", "failed"], [6, 3, 1, 1, 1])[0]
            path = {"read": ["queued", "sent", "delivered", "read"], "delivered": ["queued", "sent", "delivered"],
                    "sent": ["queued", "sent"], "undelivered": ["queued", "sent"], "failed": ["queued"]}[outcome]
            for status in path:
                advance_status(row, status)
            if outcome in ("undelivered", "failed"):
                advance_status(row, outcome, rng.choice([63024, 63049, 63003]))
            if outcome == "read" and rng.random() < 0.5:
                db.add(InboundMessage(message_sid=f"SMreply{sent_id:04d}{i:06d}", contact_id=row.contact_id,
                                      body=rng.choice(["balance", "kitne points hain?", "MENU", "thank you"]),
                                      params={}, received_at=row.sent_at + dt.timedelta(hours=rng.randrange(1, 30)),
                                      status="done"))
    finish_if_done(factory, sent_id)
    with factory.begin() as db:
        from campaigns.bonus import award_bonuses
        from storage.messaging_models import Campaign

        done = db.get(Campaign, sent_id)
        assert done is not None
        award_bonuses(db, done, now)
    with factory.begin() as db:
        create_campaign(db, name="Electricians and plumbers — north India", filters=Filters(
            roles=["electrician", "plumber"], pin_prefixes=["2"]), program=program, templates=templates,
            template="campaign_offer", text="Namaste {name} ji! Naye FR cable par har scan pe 50 points. "
            "Aapke paas abhi {points} points hain.", variables={"offer": "50 points on every FR cable scan."},
            created_by="admin@inaam.demo")
        later = create_campaign(db, name="Points expiry reminder — December", filters=Filters(balance_above=500),
                                program=program, templates=templates, template="points_expiry",
                                variables={"date": "31 Dec 2026"}, created_by="admin@inaam.demo")
        tomorrow = (now + dt.timedelta(days=1)).astimezone(IST).replace(hour=10, minute=0, second=0, microsecond=0)
        send_campaign(db, later.id, program, at=tomorrow.astimezone(dt.UTC), now=now)
    with factory.begin() as db:
        members = db.scalars(select(Member).order_by(Member.id).limit(10)).all()
        talks = [  # members without demo invoices, so their last message is the one shown here
            (members[5], "asked", ["mujhe kisi se baat karni hai", "mera UPI badal gaya hai, naya kaise doon?"], 0.7),
            (members[7], "dispute", ["ye claim galat hai, points kam aaye", "bag pe 50 likha tha, 20 mile"], 30),
            (members[4], "asked", ["talk to a person", "When will my payout arrive?"], 2),
        ]
        for k, (member, reason, texts, hours_ago) in enumerate(talks):
            contact = db.scalar(select(Contact).where(Contact.member_id == member.id))
            assert contact is not None
            at = now - dt.timedelta(hours=hours_ago)
            first = InboundMessage(message_sid=f"SMhandoff{k}a", contact_id=contact.id, body=texts[0], params={},
                                   received_at=at, status="done")
            db.add(first)
            db.flush()
            handoff = open_handoff(db, contact, reason=reason, note=texts[0],
                                   claim_ref=latest_claim_ref(db, member.id) if reason == "dispute" else None)
            handoff.opened_at = handoff.last_activity_at = at
            msgid = "handoff.dispute_opened" if reason == "dispute" else "handoff.opened"
            params = {"ref": handoff.claim_ref} if reason == "dispute" else {}
            for row in queue_reply(db, contact, [(msgid, translate(contact.lang or "en", msgid, **params))],
                                   inbound_id=first.id):
                row.created_at = at + dt.timedelta(seconds=2)
                advance_status(row, "read")
            db.add(InboundMessage(message_sid=f"SMhandoff{k}b", contact_id=contact.id, body=texts[1], params={},
                                  received_at=at + dt.timedelta(minutes=1), status="done"))
            contact.last_inbound_at = at + dt.timedelta(minutes=1)
            if k == 2:
                db.flush()
                agent = queue_reply(db, contact, [("handoff.agent", "It was sent yesterday; the bank shows it "
                                                   "within 24 hours. UTR 612345679230.")], agent="Asif Khan")
                agent[0].created_at = at + dt.timedelta(minutes=9)
                advance_status(agent[0], "read")
                close(db, handoff.id, by="Asif Khan")
