"""Broadcast campaigns: audience filters, content per language, paced sending, delivery reports.

Modules: ``audience`` (filters → members, preview), ``service`` (create, send, pause, resume,
cancel — plain functions the CLI and the admin API call), ``sending`` (RQ jobs: paced batches,
the periodic tick), ``pacing`` (messages per second per sender, shared by all workers through
Redis), ``bonus`` (rewards for members who act, through the ledger), ``report`` (funnel, CSV, SVG).
"""
