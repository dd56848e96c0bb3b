"""The ``inaam`` command: serve, worker, scheduler, db, chat, rep, ledger (and claims tools).

Why: one entry point for operators; each command builds its app from the environment, and a
bad setting stops it with one clear line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from bot.config import ConfigError


def build_app(**overrides: Any) -> Any:
    """The app from the environment; a ConfigError becomes a one-line ClickException."""
    from bot.app import create_app

    try:
        return create_app(overrides or None)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.option("--log-level", default=lambda: os.environ.get("INAAM_LOG_LEVEL", "INFO"), show_default="INFO")
@click.option("--pretty-logs/--json-logs", default=False, help="Human-readable logs instead of JSON lines.")
def main(log_level: str, pretty_logs: bool) -> None:
    """Inaam: the WhatsApp loyalty bot for the building-materials trade."""
    from bot.logs import configure

    configure(log_level.upper(), json=not pretty_logs)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="Default: $PORT or 5000.")
def serve(host: str, port: int | None) -> None:
    """Run the web app (embedded defaults: SQLite, in-process queue and a local Twilio stand-in)."""
    from werkzeug.serving import make_server

    from storage.migrate import upgrade

    app = build_app(EMBEDDED_WORKER=False)
    upgrade(app.config["DATABASE_URL"])
    standin = None
    if app.config["TWILIO_STANDIN"]:
        from urllib.parse import urlparse

        from standins.twilio import TwilioStandIn

        standin = TwilioStandIn(
            app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"],
            port=urlparse(app.config["TWILIO_API_BASE_URL"]).port or 80,
        )
        standin.start()
        import threading

        from content.registry import register_with_standin

        # A fresh stand-in knows no templates: create and approve them again (in the background).
        threading.Thread(target=register_with_standin, args=(app,), name="inaam-templates", daemon=True).start()
    port = port or app.config["PORT"]
    payout_standin = None
    if app.config["RAZORPAYX_STANDIN"]:
        from payouts.standin import start_payout_standin

        payout_standin = start_payout_standin(app, port)
    if not app.config.get("REDIS_URL"):
        from workers.queue import start_embedded_worker

        start_embedded_worker(app)
    server = make_server(host, port, app, threaded=True)
    click.echo(f"Inaam is listening on http://{host}:{port} (database: {_safe_url(app.config['DATABASE_URL'])})")
    click.echo(f"Admin console: http://{host}:{port}/admin (first user: inaam admin create-user EMAIL --role admin)")
    if standin is not None:
        click.echo(f"Local Twilio stand-in on {standin.url}. Chat with the bot in another terminal:")
        click.echo("    .venv/bin/inaam chat --phone +919812345678")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if standin is not None:
            standin.stop()
        if payout_standin is not None:
            payout_standin.stop()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command()
@click.option("--burst", is_flag=True, help="Exit when the queue is empty.")
@click.option("--fork/--no-fork", default=False, show_default=True,
              help="Run each job in a forked child (isolation) instead of in this process (latency).")
def worker(burst: bool, fork: bool) -> None:
    """Run an RQ worker (needs REDIS_URL); any number of them may run on any machines.

    It survives Redis and PostgreSQL outages: it waits with backoff and carries on when they return.
    """
    from bot.logs import capture_stderr
    from workers import runtime
    from workers.supervise import run_worker

    capture_stderr()
    app = build_app(EMBEDDED_WORKER=False)
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: `inaam serve` runs the embedded worker itself")
    runtime.set_app(app)
    _warm_up()
    run_worker(app, burst=burst, fork=fork)


def _warm_up() -> None:
    """Import and compile what every job needs once, not per job (a forked child inherits it)."""
    import workers.jobs  # noqa: F401  (the job functions and everything they import)
    from bot.i18n import LANGUAGES, catalog
    from flows.engine import registered_flows

    registered_flows()
    for lang in LANGUAGES:
        catalog(lang)


@main.command()
def scheduler() -> None:
    """Run periodic jobs (the sweepers) with RQ's cron scheduler (needs REDIS_URL); survives Redis outages."""
    from bot.logs import capture_stderr
    from campaigns.sending import tick as campaigns_tick
    from workers import jobs
    from workers.queue import DEFAULT_QUEUE, DEFAULT_SWEEP_EVERY_SECONDS, OUTBOX_SWEEP_EVERY_SECONDS
    from workers.supervise import run_scheduler

    capture_stderr()
    app = build_app(EMBEDDED_WORKER=False)
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: `inaam serve` runs the sweeper itself")

    def register(cron: Any) -> None:
        from payouts.schedule import register_periodic

        every = int(os.environ.get("INAAM_SWEEP_EVERY_SECONDS") or DEFAULT_SWEEP_EVERY_SECONDS)
        cron.register(jobs.sweep, DEFAULT_QUEUE, interval=every)
        cron.register(jobs.sweep_outbox, DEFAULT_QUEUE, interval=OUTBOX_SWEEP_EVERY_SECONDS)
        cron.register(campaigns_tick, DEFAULT_QUEUE, interval=DEFAULT_SWEEP_EVERY_SECONDS)
        register_periodic(cron, DEFAULT_QUEUE)

    run_scheduler(app, register)


@main.group()
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (the first revision creates the schema)."""
    from storage.migrate import upgrade

    app = build_app(EMBEDDED_WORKER=False)
    upgrade(app.config["DATABASE_URL"], revision)
    click.echo(f"Database at {_safe_url(app.config['DATABASE_URL'])} is at {revision}.")


@main.command()
@click.option("--phone", required=True, help="Your number in E.164, e.g. +919812345678.")
@click.option("--app-url", default=None, help="Where the app listens (default: PUBLIC_BASE_URL).")
def chat(phone: str, app_url: str | None) -> None:
    """Chat with the running bot from the terminal, through the real webhook path."""
    from bot.chat import run_chat
    from bot.phones import normalize_phone

    app = build_app(EMBEDDED_WORKER=False)
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not app.config["TWILIO_STANDIN"] and "TWILIO_API_BASE_URL" not in os.environ:
        raise click.ClickException("chat needs the local Twilio stand-in (unset TWILIO_ACCOUNT_SID) ")
    run_chat(
        app_url=app_url or app.config["PUBLIC_BASE_URL"],
        public_base_url=app.config["PUBLIC_BASE_URL"],
        phone=phone,
        account_sid=app.config["TWILIO_ACCOUNT_SID"],
        auth_token=app.config["TWILIO_AUTH_TOKEN"],
        whatsapp_from=app.config["TWILIO_WHATSAPP_FROM"],
        standin_url=app.config["TWILIO_API_BASE_URL"],
    )


@main.group()
def rep() -> None:
    """Field reps."""


@rep.command("add")
@click.argument("name")
@click.option("--phone", required=True, help="The rep's mobile number.")
@click.option("--poster", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the QR poster PNG (default: rep-<CODE>.png).")
def rep_add(name: str, phone: str, poster: Path | None) -> None:
    """Create a field rep: prints the rep code and enrollment link, writes a QR poster."""
    from bot.phones import normalize_phone
    from bot.poster import enrollment_link, write_poster
    from storage.db import sessions
    from storage.migrate import upgrade
    from storage.reps import RepExists, add_rep

    app = build_app(EMBEDDED_WORKER=False)
    try:
        phone = normalize_phone(phone)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if app.config["DATABASE_URL"].startswith("sqlite"):
        upgrade(app.config["DATABASE_URL"])
    try:
        with sessions(app).begin() as session:
            new = add_rep(session, name.strip(), phone)
            code = new.code
    except RepExists:
        raise click.ClickException(f"a rep with phone {phone} already exists") from None
    link = enrollment_link(app.config["TWILIO_WHATSAPP_FROM"], code)
    program = app.config["PROGRAM"]
    path = write_poster(poster or Path(f"rep-{code}.png"), link=link, program_name=program.name,
                        rep_name=name.strip(), rep_code=code, program_names=program.names)
    click.echo(f"Rep code: {code}")
    click.echo(f"Enrollment link: {link}")
    click.echo(f"Poster: {path}")


@main.group()
def ledger() -> None:
    """The points ledger."""


@ledger.command("verify")
def ledger_verify() -> None:
    """Prove balances equal the sum of entries, the books balance and every hash chain is intact."""
    from storage import ledger as points_ledger
    from storage.db import sessions

    app = build_app(EMBEDDED_WORKER=False)
    with sessions(app)() as session:
        problems = points_ledger.verify(session)
    if problems:
        for problem in problems:
            click.echo(f"PROBLEM: {problem}", err=True)
        click.echo(f"Ledger verification FAILED: {len(problems)} problem(s).", err=True)
        sys.exit(1)
    click.echo("Ledger verified: balances match entries, books balance, hash chains intact.")


# Commands of the claims capability and the benchmarks live in their own modules.
from admin.cli import register as _register_admin  # noqa: E402
from bench.cli import register as _register_bench  # noqa: E402
from bot.cli_claims import register as _register_claims  # noqa: E402
from bot.cli_content import register as _register_content  # noqa: E402
from campaigns.cli import register as _register_campaigns  # noqa: E402
from handoff.cli import register as _register_handoff  # noqa: E402

_register_claims(main)
_register_admin(main)
_register_content(main)
_register_campaigns(main)
_register_handoff(main)
_register_bench(main)
from payouts.cli import register as _register_payouts  # noqa: E402

_register_payouts(main)
