"""Menu entries that explain how to claim: coupon photos/codes, and invoices."""

from __future__ import annotations

from flows import match
from flows.claims import invoice_help, scan_help
from flows.engine import Flow, on
from flows.intents import define

_HOW = ["scan", "karna", "karne", "karu", "karun", "bhejna", "bhejne", "bhejun", "bhejoon", "bheju", "send", "upload",
        "dalna", "daalna", "dalne", "enter", "claim", "jama", "kaise", "how", "add", "lagana", "photo", "pic",
        "picture", "image", "pdf", "kahan", "where", "submit", "points", "point", "lena", "lene", "paana",
        "milenge", "earn",
        "कैसे", "भेजना", "भेजने", "भेजूं", "डालना", "डालने", "करना", "करने", "भेजें", "जमा", "फ़ोटो", "फोटो", "कहाँ",
        "पॉइंट्स", "लेने", "کیسے", "بھیجنا", "بھیجنے", "بھیجوں", "ڈالنا", "کرنا", "کرنے", "جمع", "تصویر", "فوٹو",
        "کہاں", "پوائنٹس", "لینے"]
define("claim_coupon", label="menu.scan", needs_cue=True,
       words=["coupon", "coupons", "cupon", "kupon", "qr", "scan", "scanner", "code", "token", "barcode", "टोकन",
              "ٹوکن", "कूपन", "क्यूआर", "स्कैन", "कोड",
              "کوپن", "کیوآر", "اسکین", "سکین", "کوڈ"],
       phrases=["qr code", "coupon code", "coupon scan", "scan karna hai", "code dalna hai", "cement bag coupon",
                "bori ka coupon", "dibbe ka coupon", "coupon ke points", "कूपन स्कैन", "कूपन के पॉइंट्स", "क्यूआर कोड",
                "کوپن اسکین", "کوپن کے پوائنٹس", "کیو آر کوڈ", "scan kaise kare"],
       cues=_HOW)
define("claim_invoice", label="menu.invoice", needs_cue=True,
       words=["invoice", "invoices", "bill", "bills", "gst", "challan", "parchi", "receipt", "rasid", "raseed",
              "पर्ची", "रसीद", "پرچی", "رسید", "बिल", "इनवॉइस", "इनवाइस", "जीएसटी", "चालान",
              "بل", "انوائس", "جی ایس ٹی", "چالان"],
       phrases=["gst bill", "gst invoice", "bill bhejna hai", "invoice upload", "bill ki photo", "bill kaise bheje",
                "purchase bill", "बिल भेजना है", "बिल की फ़ोटो", "जीएसटी बिल", "بل بھیجنا ہے", "بل کی تصویر",
                "جی ایس ٹی بل", "distributor bill", "invoice claim"],
       cues=_HOW)

FLOWS = [
    Flow(name="claim_coupon", entry=[on(match.intent("claim_coupon"), scan_help)], menu_label="menu.scan",
         menu_order=30, start=scan_help, priority=40),
    Flow(name="claim_invoice", entry=[on(match.intent("claim_invoice"), invoice_help)], menu_label="menu.invoice",
         menu_order=40, start=invoice_help, priority=40),
]
