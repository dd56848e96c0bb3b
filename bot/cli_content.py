"""Template commands: `inaam templates sync|list` (WhatsApp templates through Twilio's Content API).

Why: an operator registers the program's templates once per language and must see which are
approved before a campaign or reminder relies on them outside the 24-hour window.
"""

from __future__ import annotations

import json
from typing import Any

import click

from bot.cli import build_app


def register(main: click.Group) -> None:
    main.add_command(templates)


def _rows_json(rows: list[Any]) -> list[dict[str, Any]]:
    return [
        {"name": r.name, "lang": r.lang, "category": r.category, "content_sid": r.content_sid,
         "variables": list(r.variables or []), "status": r.approval_status, "rejection_reason": r.rejection_reason}
        for r in rows
    ]


def _print(rows: list[Any], as_json: bool) -> None:
    data = _rows_json(rows)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for item in data:
        reason = f" ({item['rejection_reason']})" if item["rejection_reason"] else ""
        click.echo(f"{item['name']:<22} {item['lang']:<4} {item['content_sid'] or '-':<36} {item['status']}{reason}")


@click.group()
def templates() -> None:
    """WhatsApp message templates (Twilio Content API)."""


def _migrated_app() -> Any:
    from storage.migrate import upgrade

    app = build_app(EMBEDDED_WORKER=False)
    if app.config["DATABASE_URL"].startswith("sqlite"):
        upgrade(app.config["DATABASE_URL"])
    return app


@templates.command("sync")
@click.option("--submit/--no-submit", default=True, show_default=True, help="Submit new ones for WhatsApp approval.")
@click.option("--json", "as_json", is_flag=True, help="Print the templates as JSON.")
def templates_sync(submit: bool, as_json: bool) -> None:
    """Create the configured templates in Twilio (each language) and submit them for approval."""
    from twilio.base.exceptions import TwilioException

    from content.api import content_client
    from content.registry import sync_templates
    from storage.db import sessions

    app = _migrated_app()
    try:
        with sessions(app).begin() as session:
            rows = sync_templates(session, content_client(app.config), app.config["TEMPLATES"], submit=submit)
            _print(rows, as_json)
    except TwilioException as exc:
        raise click.ClickException(f"Twilio Content API: {exc}") from None


@templates.command("list")
@click.option("--refresh", is_flag=True, help="Read the approval state from Twilio first.")
@click.option("--json", "as_json", is_flag=True, help="Print the templates as JSON.")
def templates_list(refresh: bool, as_json: bool) -> None:
    """The registered templates with their Content SID and WhatsApp approval state."""
    from sqlalchemy import select
    from twilio.base.exceptions import TwilioException

    from content.api import content_client
    from content.registry import refresh_approvals
    from storage.db import sessions
    from storage.messaging_models import ContentTemplate

    app = _migrated_app()
    try:
        with sessions(app).begin() as session:
            if refresh:
                refresh_approvals(session, content_client(app.config))
            rows = session.scalars(
                select(ContentTemplate).where(ContentTemplate.kind == "template")
                .order_by(ContentTemplate.name, ContentTemplate.lang)
            ).all()
            _print(list(rows), as_json)
    except TwilioException as exc:
        raise click.ClickException(f"Twilio Content API: {exc}") from None
