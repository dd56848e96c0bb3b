"""Label patterns (English and Hindi) that locate each invoice field on the page."""

from __future__ import annotations

import re

TOTAL_STRONG = re.compile(
    r"grand\s*total|total\s*amount|invoice\s*(?:total|value|amount)|net\s*amount|net\s*payable|"
    r"amount\s*payable|total\s*payable|amount\s*due|bill\s*amount|total\s*\(?\s*(?:inr|rs|₹)|"
    r"क[ुू]ल\s*रा?श[िी]|कुल\s*योग|देय\s*राशि|कुल\s*देय|कुल\s*रकम|शुद्ध\s*राशि",
    re.IGNORECASE,
)
TOTAL_WEAK = re.compile(r"\btotal\b|कुल", re.IGNORECASE)
TOTAL_EXCLUDE = re.compile(
    r"sub\s*-?\s*total|total\s*tax|tax\s*amount|taxable|total\s*qty|quantity|items|amount\s*paid|"
    r"in\s*words|savings|discount|कर\s*योग्य|उप\s*योग|शब्दों",
    re.IGNORECASE,
)
NUMBER_LABEL = re.compile(
    r"(?:tax\s*)?(?:invoice|inv|bill|voucher|memo|receipt|doc(?:ument)?)\s*\.?\s*(?:no|number|num|#)[.,]?|"
    r"invoice\s*#|(?<![A-Za-z.])No\s*[.:]|"
    r"(?:चालान|बिल|बीजक|इनवॉइस|इन्वॉइस|रसीद|मेमो)\s*(?:संख्या|सं\.?|नं\.?|न०|क्रमांक)|"
    # "चालान संख्या" with its first letters garbled ("बालान", "पघातान"); "बिल नं.:" with "नं." garbled ("बिल 4.:")
    r"\S{1,4}ान\s*संख्या|बिल\s*\S{0,3}\s*:",
    re.IGNORECASE,
)
NUMBER_LABEL_EXCLUDE = re.compile(
    r"e-?\s*way|eway|ack|order|delivery|dispatch|challan\s*no|vehicle|account|po\b|mob|ph\b|phone|tel|contact|"
    r"gstin|\bpan\b|\bs\.?\s*no|\bsr\b|\bsl\b|hsn|\bpin\b|\bcin\b|fssai|licen|\breg|item|\blr\b|\bgr\b|\bref|"
    r"वाहन|खाता|दुकान|मकान|स्थान|मोबाइल|फ़ोन|फोन|आदेश|ई-?वे",
    re.IGNORECASE,
)
DATE_GOOD = re.compile(r"invoice\s*date|inv\.?\s*date|bill\s*date|\bdated?\b|\bdt\b|दिनांक|तारीख|तिथि", re.IGNORECASE)
DATE_BAD = re.compile(r"due|order|delivery|ack|\bpo\b|dispatch|irn|supply|valid|expiry|note", re.IGNORECASE)
BUYER_LABEL = re.compile(
    r"bill(?:ed)?\s*to|ship(?:ped)?\s*to|buyer|consignee|customer|recipient|receiver|\bparty\b|sold\s*to|"
    r"क्रेता|प्राप्तकर्ता|खरीदार|ग्राहक",
    re.IGNORECASE,
)
SELLER_LABEL = re.compile(r"seller|supplier|billed\s*by|sold\s*by|vendor|विक्रेता|आपूर्तिकर्ता", re.IGNORECASE)
INVOICE_WORDS = re.compile(
    r"invoice|gstin|tax|cgst|sgst|igst|hsn|bill\s*no|total|बीजक|चालान|जीएसटी|राशि|कुल", re.IGNORECASE
)

TITLE_RE = re.compile(r"tax\s*invoice|invoice\s*no|bill\s*no|bill\s*of\s*supply|कर\s*बीजक|चालान\s*संख्या", re.IGNORECASE)
"""Where the document proper starts: a GSTIN printed above it belongs to the letterhead (seller)."""
