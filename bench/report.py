"""Render the core benchmark's figures: a rich table, then a plain summary that pastes anywhere.

Why: the table is for the person at the terminal; the plain lines are what goes into a pull
request or a chat message unchanged.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        value = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value}{unit}"


def table(r: dict[str, Any]) -> Table:
    """One row per figure: ours, the floor it is compared with, and the ratio."""
    t = Table(title=f"Inaam core benchmark ({r['cpus']} CPUs, gunicorn {r['gunicorn']}, {r['clients']} clients)")
    for name in ("figure", "ours", "floor", "ours / floor"):
        t.add_column(name, justify="left" if name == "figure" else "right")
    w = r.get("webhook", {})
    if w:
        ours, bare = w["ours"], w["bare"]
        t.add_row("webhook ack p50 (ms)", _fmt(ours["p50_ms"]), _fmt(bare["p50_ms"]) + " bare", _fmt(w["ratio_p50"]))
        t.add_row("webhook ack p99 (ms)", _fmt(ours["p99_ms"]), _fmt(bare["p99_ms"]) + " bare", _fmt(w["ratio_p99"]))
        t.add_row("webhook requests/s", _fmt(ours["rps"]), _fmt(bare["rps"]) + " bare", _fmt(w["ratio_rps"]))
    led = r.get("ledger", {})
    if led:
        t.add_row("ledger postings/s", _fmt(led["ledger"]["postings_per_s"]),
                  _fmt(led["pgbench_tps"]) + " pgbench tps", _fmt(led["ratio"]))
    rt = r.get("roundtrip", {})
    if rt:
        t.add_row("inbound → reply median (ms)", _fmt(rt["p50_ms"]), "", "")
        t.add_row("inbound → reply p95 (ms)", _fmt(rt["p95_ms"]), "", "")
    rss = r.get("rss_mb", {})
    if rss:
        t.add_row("RSS web worker (MB)", _fmt(max(x or 0 for x in rss["web_workers"])), "", "")
        t.add_row("RSS inaam worker (MB)", _fmt(max(x or 0 for x in rss["inaam_workers"])), "", "")
    return t


def summary(r: dict[str, Any]) -> list[str]:
    """Plain-text lines with every figure and the conditions it was measured under."""
    lines = [f"inaam bench core: {r['seconds']:g}s per load, {r['clients']} clients, {r['cpus']} CPUs, "
             f"gunicorn {r['gunicorn']}, total {r.get('total_s', '?')}s"]
    w = r.get("webhook")
    if w:
        for key in ("ours", "bare"):
            x = w[key]
            lines.append(
                f"webhook {key}: p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms, {x['rps']} req/s "
                f"({x['requests']} requests, statuses {x['statuses']}, errors {x['errors'] or 'none'}, "
                f"server CPU {x['server_cpu_cores']} cores, load generator CPU {x['client_cpu_cores']} cores)"
            )
            for sample in x["sample_error"]:
                lines.append(f"  non-200 sample: {sample}")
        lines.append(f"webhook ratio ours/bare: p50 {w['ratio_p50']}, p99 {w['ratio_p99']}, req/s {w['ratio_rps']}; "
                     f"jobs left queued (workers stopped): {w['queued_after']}")
    led = r.get("ledger")
    if led:
        x = led["ledger"]
        lines.append(f"ledger: {x['postings_per_s']} postings/s ({x['postings']} in {x['seconds']}s, "
                     f"p50 {x['p50_ms']} ms, p99 {x['p99_ms']} ms, refused {x['refused']}, errors "
                     f"{x['errors'] or 'none'}, verify problems {x['verify_problems']}); pgbench simple-update "
                     f"{led['pgbench_tps']} tps; ratio {led['ratio']}")
    rt = r.get("roundtrip")
    if rt:
        lines.append(f"inbound → reply ({rt['workers']} workers, {rt['rate']:g} msg/s, {rt['members']} members): "
                     f"median {rt['p50_ms']} ms, p95 {rt['p95_ms']} ms, p99 {rt['p99_ms']} ms, max {rt['max_ms']} ms; "
                     f"sent {rt['sent']}, replied {rt['replied']}, lost {rt['lost']}, skipped {rt['skipped']}, "
                     f"extra replies {rt['extra_replies']}, webhook statuses {rt['statuses']}")
    rss = r.get("rss_mb")
    if rss:
        lines.append(f"RSS MB: gunicorn workers {rss['web_workers']} (master {rss['web_master']}), "
                     f"inaam workers {rss['inaam_workers']}")
    q = r.get("queue")
    if q:
        lines.append(f"RQ failed jobs: {q['failed_jobs']}")
        if q["first_failure"]:
            lines.append("first failed job:\n" + q["first_failure"])
    scan = r.get("logs_scan", {})
    lines.append(f"server logs ({r['logs']}): {scan.get('tracebacks', 0)} tracebacks, "
                 f"{scan.get('error_lines', 0)} error lines")
    if scan.get("first_traceback"):
        lines.append("first traceback:\n" + scan["first_traceback"])
    return lines


def render(r: dict[str, Any], console: Console | None = None) -> None:
    """Print the table, then the plain summary."""
    console = console or Console()
    console.print(table(r))
    for line in summary(r):
        console.print(line, markup=False, highlight=False, soft_wrap=True)
