"""`inaam handoff list|show|reply|close`: the agents' inbox from a terminal (the console's Handoff
inbox does the same through ``handoff.service``)."""

from __future__ import annotations

import json
from typing import Any

import click

from bot.cli import build_app


def register(main: click.Group) -> None:
    main.add_command(handoff)


def _app() -> Any:
    from storage.migrate import upgrade

    app = build_app(EMBEDDED_WORKER=False)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        upgrade(app.config["DATABASE_URL"])
    return app


def _send_now(app: Any, contact_id: int) -> None:
    """Hand the message to the outbox: a queued job with Redis, else sent from this process."""
    from workers import jobs, runtime

    if app.config.get("REDIS_URL"):
        jobs.schedule_send(app, contact_id)
    else:
        runtime.set_app(app)
        jobs.send_outbox(contact_id)


def _out(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


@click.group()
def handoff() -> None:
    """Conversations handed to a person."""


@handoff.command("list")
@click.option("--all", "show_all", is_flag=True, help="Closed ones too.")
@click.option("--json", "as_json", is_flag=True)
def handoff_list(show_all: bool, as_json: bool) -> None:
    """Open handoffs, oldest first."""
    from handoff.service import list_handoffs
    from storage.db import sessions

    app = _app()
    with sessions(app)() as session:
        data = list_handoffs(session, status=None if show_all else "open")
    lines = [f"{h['id']:>5} {h['status']:<6} {h['reason']:<8} {h['claim'] or '-':<7} {h['name'] or '?':<22} "
             f"{h['phone']:<16} {'window open' if h['in_window'] else 'window closed'}  since {h['opened_at']}"
             for h in data]
    _out(data, as_json, "\n".join(lines) or "No open handoffs.")


@handoff.command("show")
@click.argument("handoff_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def handoff_show(handoff_id: int, as_json: bool) -> None:
    """The conversation, the member's profile and recent claims."""
    from handoff.service import HandoffError, show_handoff
    from storage.db import sessions

    app = _app()
    try:
        with sessions(app)() as session:
            data = show_handoff(session, handoff_id)
    except HandoffError as exc:
        raise click.ClickException(str(exc)) from None
    lines = [f"Handoff {data['id']} ({data['status']}, {data['reason']}"
             + (f", claim {data['claim']}" if data["claim"] else "") + ")"]
    member = data["member"]
    if member:
        lines.append(f"Member: {member['name']} {member['phone']} {member['role']} PIN {member['pin_code']} "
                     f"lang {member['lang']} balance {member['balance']}")
    window = data["contact"]
    lines.append(f"Window: {'open until ' + str(window['window_ends']) if window['window_open'] else 'closed'}")
    for claim in data["claims"]:
        lines.append(f"  claim {claim['ref']:<7} {claim['kind']:<8} {claim['status']:<9} {claim['points']} pts "
                     f"{claim.get('reason') or ''}")
    lines.append("Conversation:")
    lines += [f"  {m['at']}  {m['from']:<14} {m['text']}" for m in data["messages"]]
    _out(data, as_json, "\n".join(lines))


@handoff.command("reply")
@click.argument("handoff_id", type=int)
@click.argument("text")
@click.option("--agent", required=True, help="Your name (shown in the history).")
@click.option("--json", "as_json", is_flag=True)
def handoff_reply(handoff_id: int, text: str, agent: str, as_json: bool) -> None:
    """Send TEXT to the member (inside their 24-hour window)."""
    from handoff.service import HandoffError, reply
    from storage.db import sessions

    app = _app()
    try:
        with sessions(app).begin() as session:
            row = reply(session, handoff_id, text, agent=agent)
            data = {"handoff": handoff_id, "outbound_id": row.id, "contact_id": row.contact_id}
    except HandoffError as exc:
        raise click.ClickException(str(exc)) from None
    _send_now(app, data["contact_id"])
    _out(data, as_json, f"Reply queued to handoff {handoff_id}.")


@handoff.command("close")
@click.argument("handoff_id", type=int)
@click.option("--agent", required=True, help="Your name.")
@click.option("--json", "as_json", is_flag=True)
def handoff_close(handoff_id: int, agent: str, as_json: bool) -> None:
    """Give the conversation back to the bot (the member is told)."""
    from handoff.service import HandoffError, close
    from storage.db import sessions

    app = _app()
    try:
        with sessions(app).begin() as session:
            closed = close(session, handoff_id, by=agent)
            data = {"handoff": closed.id, "status": closed.status, "contact_id": closed.contact_id}
    except HandoffError as exc:
        raise click.ClickException(str(exc)) from None
    _send_now(app, data["contact_id"])
    _out(data, as_json, f"Handoff {handoff_id} closed; the bot answers again.")
