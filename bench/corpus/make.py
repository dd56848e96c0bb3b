"""`inaam bench corpus make DIR --count N --seed S`: photographed GST invoices with exact truth.

Why: the development set has six layouts; reading invoices in general needs a wider, ever-new
set. Each file is drawn from its own random stream (seed, index), so a seed range is a
reproducible split: tune on one range, report on another that is never looked at. Families
rotate so every family gets its share; `truth.jsonl` follows ../shared/samples/README.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
from pathlib import Path

import jwt
import segno
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from PIL import Image, ImageDraw

from bench.corpus.blocks import Style
from bench.corpus.draw import Fonts, Page
from bench.corpus.families import FAMILIES
from bench.corpus.model import Invoice, make_invoice
from bench.corpus.photo import photograph

KEY_NAME = "einvoice-test-public.pem"
KEY_PRIVATE = ".einvoice-test-private.pem"


def _key(directory: Path) -> rsa.RSAPrivateKey:
    """The corpus's e-invoice signing key (a test key, made once per folder); its public half beside it."""
    private = directory / KEY_PRIVATE
    if private.exists():
        key = serialization.load_pem_private_key(private.read_bytes(), password=None)
        assert isinstance(key, rsa.RSAPrivateKey)
        return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / KEY_NAME).write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return key


def _einvoice(page: Image.Image, inv: Invoice, key: rsa.RSAPrivateKey, rng: random.Random) -> dict:
    """Add the IRP's signed QR (top right) and the printed IRN / Ack lines; returns the truth's einvoice part."""
    irn = hashlib.sha256(f"{inv.seller.gstin}{inv.number}{inv.day}".encode()).hexdigest()
    data = {
        "SellerGstin": inv.seller.gstin,
        "BuyerGstin": inv.buyer.gstin or "URP",
        "DocNo": inv.number,
        "DocTyp": "INV",
        "DocDt": inv.day.strftime("%d/%m/%Y"),
        "TotInvVal": inv.total / 100,
        "ItemCnt": len(inv.items),
        "MainHsnCode": inv.items[0].hsn,
        "Irn": irn,
        "IrnDt": f"{inv.day.isoformat()} {rng.randint(9, 19):02d}:{rng.randint(0, 59):02d}:00",
    }
    token = jwt.encode({"data": json.dumps(data), "iss": "NIC Sandbox"}, key, algorithm="RS256")
    qr = segno.make(token, error="m")
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=4, border=2)
    img = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    side = rng.randint(230, 300)
    img = img.resize((side, side), Image.NEAREST)
    page.paste(img, (page.width - side - 70, 70))
    ack = str(rng.randint(10**14, 10**15 - 1))
    return {
        "irn": irn,
        "signed_qr": True,
        "signature_valid": True,
        "ack_no": ack,
        "qr_payload": token,
        "signed_data": data,
        "iss": "NIC Sandbox",
    }


def _print_irn(p: Page, einv: dict, y: float) -> None:
    p.text(70, y, f"IRN: {einv['irn']}", size=int(p.fonts.size * 0.8))
    p.text(70, y + p.fonts.size * 1.2, f"Ack No.: {einv['ack_no']}", size=int(p.fonts.size * 0.8))


def make_one(directory: Path, seed: int, index: int, family: str, key: rsa.RSAPrivateKey | None) -> dict:
    rng = random.Random(f"{seed}:{index}")
    render, lang = FAMILIES[family]
    inv = make_invoice(rng, hindi=lang == "hi", items=(3, 9) if family == "multipage" else (1, 6))
    fonts = Fonts.pick(rng)
    st = Style.pick(rng, inv, lang)
    pages = render(inv, rng, fonts, st)
    einv = None
    if family == "einvoice" and key is not None:
        einv = _einvoice(pages[0], inv, key, rng)
        page = Page(pages[0].width, pages[0].height, fonts)
        page.image, page.draw = pages[0], ImageDraw.Draw(pages[0])
        _print_irn(page, einv, pages[0].height - 70)
    shots = [photograph(page, rng) for page in pages]
    name = f"{index:05d}"
    if len(shots) == 1:
        filename = f"{name}.jpg"
        (directory / filename).write_bytes(shots[0][0])
        variant = "photo"
    else:
        filename = f"{name}.pdf"
        images = [Image.open(io.BytesIO(data)) for data, _ in shots]
        images[0].save(directory / filename, "PDF", save_all=True, append_images=images[1:], resolution=200)
        variant = "pdf_photo"
    return {
        "filename": filename,
        "kind": "invoice",
        "variant": variant,
        "expected": "extract",
        "layout": family,
        "language": st.lang,
        "supplier_gstin": inv.seller.gstin,
        "buyer_gstin": inv.buyer.gstin,
        "invoice_number": inv.number,
        "invoice_date": inv.day.isoformat(),
        "invoice_date_text": st.date_text,
        "grand_total_paise": inv.total,
        "grand_total_text": st.total_text,
        "currency": "INR",
        "tax_type": "IGST" if inv.igst else "CGST+SGST",
        "taxable_paise": inv.taxable,
        "tax_paise": inv.tax,
        "round_off_paise": inv.round_off,
        "line_items": len(inv.items),
        "supplier_name": inv.seller.name,
        "buyer_name": inv.buyer.name,
        "blurry": False,
        "stamped": st.stamp,
        "labels": {"number": st.number_label, "date": st.date_label, "total": st.total_label},
        "seed": seed,
        "index": index,
        "einvoice": einv,
        "photo": shots[0][1] if len(shots) == 1 else [s[1] for s in shots],
    }


def make(directory: Path, count: int, seed: int, *, families: list[str] | None = None, echo=print) -> int:
    """Write ``count`` photographed invoices and truth.jsonl into ``directory``; returns the count."""
    directory.mkdir(parents=True, exist_ok=True)
    names = families or list(FAMILIES)
    order = names[:]
    random.Random(seed).shuffle(order)
    key = _key(directory) if "einvoice" in names else None
    with (directory / "truth.jsonl").open("w", encoding="utf-8") as out:
        for index in range(count):
            family = order[index % len(order)]
            row = make_one(directory, seed, index, family, key)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            if (index + 1) % 25 == 0:
                echo(f"{index + 1}/{count}")
    return count
