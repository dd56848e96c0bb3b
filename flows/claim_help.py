"""Menu entries that explain how to claim: coupon photos/codes, and invoices."""

from __future__ import annotations

from flows.claims import invoice_help, scan_help
from flows.engine import Flow

FLOWS = [
    Flow(name="claim_coupon", entry=[], menu_label="menu.scan", menu_order=30, start=scan_help),
    Flow(name="claim_invoice", entry=[], menu_label="menu.invoice", menu_order=40, start=invoice_help),
]
