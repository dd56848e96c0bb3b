"""Loyalty rules over the ledger: tiers with earning multipliers (``tiers``, ``hooks``), FIFO points
expiry (``expiry``), reminders as WhatsApp templates (``reminders``) and the nightly job (``jobs``)."""
