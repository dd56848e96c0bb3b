"""Redemption: points to UPI cash and vouchers, exactly once, with KYC and TDS (194R).

``rules`` (program-file sections), ``offers`` (what a member may redeem now), ``service`` (the
hold → payout → post/void state machine), ``provider``/``razorpayx``/``manual`` (payout providers),
``webhooks`` (``POST /webhooks/razorpayx``), ``jobs`` and ``schedule`` (payout job, reconcile sweeper),
``tax`` and ``report`` (194R, KYC checks), ``vouchers``, ``summary`` (balance/statement lines),
``cli`` (operator commands), ``models`` (tables, migration 0004).
"""
