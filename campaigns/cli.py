"""`inaam campaign create|preview|send|pause|resume|cancel|report|list` (every command has --json).

Why: campaigns run from a terminal (scripts, cron) as well as from the console's Campaigns pages;
the commands are thin wrappers over ``campaigns.service``/``campaigns.report``, as the console is.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from bot.cli import build_app


def register(main: click.Group) -> None:
    main.add_command(campaign)


def _app() -> Any:
    from storage.migrate import upgrade

    app = build_app(EMBEDDED_WORKER=False)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        upgrade(app.config["DATABASE_URL"])
    return app


def _out(data: Any, as_json: bool, text: str) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


def _run(fn: Any) -> Any:
    from campaigns.service import CampaignError

    try:
        return fn()
    except CampaignError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def campaign() -> None:
    """Broadcast campaigns to members (WhatsApp templates, paced sending, delivery reports)."""


def _parse_vars(pairs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{pair!r}: use NAME=VALUE", param_hint="--var")
        out[key.strip()] = value
    return out


@campaign.command("create")
@click.option("--name", required=True, help="What admins call it.")
@click.option("--role", "roles", multiple=True, help="Member role (repeatable): contractor, mason, electrician…")
@click.option("--tier", default=None, help="Tier name from the program file (Silver, Gold…).")
@click.option("--lang", "langs", multiple=True, help="Reply language (repeatable): en, hi, ur.")
@click.option("--pin-prefix", "pin_prefixes", multiple=True, help="PIN-code prefix (repeatable), e.g. 226.")
@click.option("--city", "cities", multiple=True, help="City (repeatable), e.g. Lucknow (its PIN prefixes).")
@click.option("--rep", default=None, help="Only members enrolled by this rep code.")
@click.option("--active-days", type=click.IntRange(min=0), default=None, help="Wrote to us in the last N days.")
@click.option("--inactive-days", type=click.IntRange(min=0), default=None, help="Silent for N days or more.")
@click.option("--balance-above", type=int, default=None, help="Balance above N points.")
@click.option("--balance-below", type=int, default=None, help="Balance below N points.")
@click.option("--claimed-sku", default=None, help="Claimed a coupon of this SKU.")
@click.option("--not-claimed-sku", default=None, help="Never claimed a coupon of this SKU.")
@click.option("--template", default=None, help="Template name (bot/templates.toml).")
@click.option("--text", default=None, help="Free text ({name}, {points} filled in); only inside the 24-hour window.")
@click.option("--outside-window", type=click.Choice(["template", "skip"]), default="template", show_default=True,
              help="With --text: members outside their window get --template, or are skipped.")
@click.option("--var", "variables", multiple=True, help="Template variable NAME=VALUE for everyone (e.g. offer=…).")
@click.option("--bonus-points", type=click.IntRange(min=0), default=0, help="Bonus to members who claim after it.")
@click.option("--bonus-days", type=click.IntRange(min=1), default=7, show_default=True, help="Days to earn the bonus.")
@click.option("--rate", type=click.IntRange(min=1), default=None, help="Messages per second (at most the sender's).")
@click.option("--by", "created_by", default=None, help="Admin name for the record.")
@click.option("--json", "as_json", is_flag=True)
def campaign_create(name: str, roles: tuple[str, ...], tier: str | None, langs: tuple[str, ...],
                    pin_prefixes: tuple[str, ...], cities: tuple[str, ...], rep: str | None,
                    active_days: int | None, inactive_days: int | None, balance_above: int | None,
                    balance_below: int | None, claimed_sku: str | None, not_claimed_sku: str | None,
                    template: str | None, text: str | None, outside_window: str, variables: tuple[str, ...],
                    bonus_points: int, bonus_days: int, rate: int | None, created_by: str | None,
                    as_json: bool) -> None:
    """Create a draft campaign from audience filters and content; prints its id and audience size."""
    from campaigns.audience import Filters
    from campaigns.service import campaign_dict, create_campaign, preview_campaign
    from storage.db import sessions

    app = _app()
    filters = Filters(roles=list(roles), tier=tier, langs=list(langs), pin_prefixes=list(pin_prefixes),
                      cities=list(cities), rep=rep, active_days=active_days, inactive_days=inactive_days,
                      balance_above=balance_above, balance_below=balance_below, claimed_sku=claimed_sku,
                      not_claimed_sku=not_claimed_sku)

    def create() -> dict[str, Any]:
        with sessions(app).begin() as session:
            made = create_campaign(
                session, name=name, filters=filters, program=app.config["PROGRAM"], templates=app.config["TEMPLATES"],
                template=template, text=text, outside_window=outside_window, variables=_parse_vars(variables),
                bonus_points=bonus_points, bonus_days=bonus_days, rate_per_second=rate, created_by=created_by)
            data = campaign_dict(made)
            data["preview"] = preview_campaign(session, made.id, app.config["PROGRAM"], sample=3)
            return data

    data = _run(create)
    _out(data, as_json, f"{data['id']}")
    if not as_json:
        click.echo(f"Campaign {data['id']} ({data['name']}): {data['preview']['count']} members now match.", err=True)


@campaign.command("preview")
@click.argument("campaign_id", type=int)
@click.option("--sample", type=click.IntRange(min=0, max=100), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def campaign_preview(campaign_id: int, sample: int, as_json: bool) -> None:
    """How many members the campaign reaches now, by language, with a sample."""
    from campaigns.service import preview_campaign
    from storage.db import sessions

    app = _app()

    def run() -> dict[str, Any]:
        with sessions(app)() as session:
            return preview_campaign(session, campaign_id, app.config["PROGRAM"], sample=sample)

    data = _run(run)
    lines = [f"{data['count']} members; by language: {data['by_lang']}"]
    lines += [f"  {m['member_id']:>7} {m['name']:<24} {m['phone']:<16} {m['role']:<12} {m['lang']} "
              f"{m['pin_code']} {m['balance']} pts" for m in data["sample"]]
    _out(data, as_json, "\n".join(lines))


def _drive(app: Any, campaign_id: int) -> None:
    """Without Redis there is no separate worker: run the lanes in this process until done or paused."""
    from rq import SimpleWorker

    from workers import runtime
    from workers.queue import get_queue

    runtime.set_app(app)
    queue = get_queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=True, logging_level="WARNING")


@campaign.command("send")
@click.argument("campaign_id", type=int)
@click.option("--at", "at", default=None, help="Send later: ISO time, e.g. 2026-12-03T10:00+05:30.")
@click.option("--json", "as_json", is_flag=True)
def campaign_send(campaign_id: int, at: str | None, as_json: bool) -> None:
    """Build the audience and start sending now, or schedule it."""
    from campaigns.sending import kick
    from campaigns.service import campaign_dict, send_campaign
    from storage.db import sessions

    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except ValueError:
            raise click.BadParameter("use an ISO time such as 2026-12-03T10:00+05:30", param_hint="--at") from None
        if when.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. +05:30", param_hint="--at")
        when = when.astimezone(dt.UTC)
    app = _app()

    def run() -> dict[str, Any]:
        with sessions(app).begin() as session:
            return campaign_dict(send_campaign(session, campaign_id, app.config["PROGRAM"], at=when))

    data = _run(run)
    if data["status"] == "sending":
        kick(app, campaign_id)
        if not app.config.get("REDIS_URL"):
            _drive(app, campaign_id)
    text = (f"Campaign {campaign_id}: scheduled for {data['scheduled_at']}" if data["status"] == "scheduled"
            else f"Campaign {campaign_id}: sending to {data['audience_count']} members")
    _out(data, as_json, text)


def _state_command(name: str, doc: str) -> None:
    @campaign.command(name, help=doc)
    @click.argument("campaign_id", type=int)
    @click.option("--json", "as_json", is_flag=True)
    def command(campaign_id: int, as_json: bool) -> None:
        from campaigns import service
        from campaigns.sending import kick
        from storage.db import sessions

        app = _app()
        operation = getattr(service, f"{name}_campaign")

        def run() -> dict[str, Any]:
            with sessions(app).begin() as session:
                return service.campaign_dict(operation(session, campaign_id))

        data = _run(run)
        if name == "resume":
            kick(app, campaign_id)
            if not app.config.get("REDIS_URL"):
                _drive(app, campaign_id)
        _out(data, as_json, f"Campaign {campaign_id}: {data['status']}")


_state_command("pause", "Stop claiming recipients (messages already with Twilio go on).")
_state_command("resume", "Continue a paused campaign.")
_state_command("cancel", "Stop for good: nobody else gets it.")


@campaign.command("report")
@click.argument("campaign_id", type=int)
@click.option("--days", type=click.IntRange(min=1), default=7, show_default=True,
              help="Replies and claims within this many days count.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write one line per recipient to this CSV file.")
@click.option("--svg", "svg_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the funnel chart to this SVG file.")
@click.option("--json", "as_json", is_flag=True)
def campaign_report(campaign_id: int, days: int, csv_path: Path | None, svg_path: Path | None,
                    as_json: bool) -> None:
    """Delivery report: statuses, Twilio error codes, skips, replies, claims, bonuses; CSV and SVG."""
    from campaigns.report import campaign_report as build
    from campaigns.report import export_csv, funnel_svg
    from storage.db import sessions

    app = _app()

    def run() -> dict[str, Any]:
        with sessions(app)() as session:
            data = build(session, campaign_id, days=days)
            if csv_path:
                csv_path.write_text(export_csv(session, campaign_id, days=days), encoding="utf-8")
            return data

    data = _run(run)
    if svg_path:
        svg_path.write_text(funnel_svg(data), encoding="utf-8")
    lines = [f"Campaign {campaign_id} ({data['campaign']['name']}): {data['campaign']['status']}"]
    lines += [f"  {s['stage']:<10} {s['count']}" for s in data["funnel"]]
    lines.append(f"  statuses: {data['statuses']}  errors: {data['errors']}  skipped: {data['skipped']}")
    lines.append(f"  bonus: {data['bonus']['members']} members, {data['bonus']['points']} points; "
                 f"redeemed after it: {data['redeemed']} members")
    _out(data, as_json, "\n".join(lines))


@campaign.command("list")
@click.option("--json", "as_json", is_flag=True)
def campaign_list(as_json: bool) -> None:
    """The latest campaigns."""
    from campaigns.service import campaign_dict, list_campaigns
    from storage.db import sessions

    app = _app()
    with sessions(app)() as session:
        data = [campaign_dict(c) for c in list_campaigns(session)]
    _out(data, as_json, "\n".join(f"{c['id']:>5} {c['status']:<10} {c['audience_count']:>8} {c['name']}"
                                  for c in data) or "No campaigns yet.")
