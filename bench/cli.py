"""The ``inaam bench`` command group: ``core`` here; other benchmarks add their own subcommands.

Why: operators and CI run every benchmark through the one ``inaam`` entry point; each
benchmark module keeps its own command and this group only collects them.
"""

from __future__ import annotations

import click


@click.group()
def bench() -> None:
    """Benchmarks against real PostgreSQL and Redis on this machine."""


@bench.command("core")
@click.option("--seconds", type=click.FloatRange(1, 120), default=10.0, show_default=True,
              help="Measuring time of each load; the reply-latency part sends for twice this.")
@click.option("--clients", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Load-generator threads, ledger threads and pgbench clients.")
@click.option("--rate", type=click.FloatRange(0.1, 100), default=None,
              help="Messages per second in the inbound→reply part (default 2).")
@click.option("--json", "as_json", is_flag=True, help="Also print the raw figures as JSON.")
def core_command(seconds: float, clients: int, rate: float | None, as_json: bool) -> None:
    """Webhook ack vs a bare app, ledger vs pgbench, inbound→reply latency and RSS, in one run.

    Uses a scratch database inaam_bench on 127.0.0.1:5432 and Redis db 14 (both emptied), and
    stops everything it starts, also on Ctrl-C.
    """
    import json
    import logging

    from bench import core, report

    root = logging.getLogger()
    root.setLevel(max(root.level, logging.WARNING))  # the scratch data set-up logs every posting
    try:
        results = core.run(seconds, clients, rate=rate or core.DEFAULT_RATE, echo=click.echo)
    except (RuntimeError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    report.render(results)
    if as_json:
        click.echo(json.dumps(results, indent=2, default=str))


def register(main: click.Group) -> None:
    """Add the ``bench`` group (with ``core``, and ``claims`` once bench/claims.py exists) to ``main``."""
    import importlib

    try:
        claims = importlib.import_module("bench.claims")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.claims":
            raise
    else:
        command = getattr(claims, "claims_command", None)
        if command is not None and "claims" not in bench.commands:
            bench.add_command(command, "claims")
    main.add_command(bench)
