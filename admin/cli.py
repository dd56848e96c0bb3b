"""`inaam admin create-user|screenshots|api-token`: console users from the terminal, and pictures of the console."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli import build_app


def register(main: click.Group) -> None:
    main.add_command(admin)


@click.group()
def admin() -> None:
    """The admin console under /admin."""


def _upgrade(app: object) -> None:
    from storage.migrate import upgrade

    if app.config["DATABASE_URL"].startswith("sqlite"):  # type: ignore[attr-defined]
        upgrade(app.config["DATABASE_URL"])  # type: ignore[attr-defined]


@admin.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "reviewer", "rep"]), default="admin", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--rep-code", default=None, help="For --role rep: the rep's code (from `inaam rep add`).")
def create_user_cmd(email: str, role: str, name: str, rep_code: str | None) -> None:
    """Create a console user; the password is read from standard input (one line)."""
    from sqlalchemy import select

    from admin import audit
    from admin.auth import UserError, create_user
    from storage.db import sessions
    from storage.models import Rep

    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    app = build_app(EMBEDDED_WORKER=False)
    _upgrade(app)
    try:
        with sessions(app).begin() as session:
            rep_id = None
            if rep_code:
                rep_id = session.scalar(select(Rep.id).where(Rep.code == rep_code.strip().upper()))
                if rep_id is None:
                    raise UserError(f"no rep with code {rep_code}")
            user = create_user(session, email, password, role, name=name, rep_id=rep_id)
            audit.record(session, actor="cli", actor_kind="cli", action="user.create", target_type="user",
                         target_id=user.id, after={"email": user.email, "role": role})
            email = user.email
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{email} can sign in at /admin/login as {role}.")


@admin.command("screenshots")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--width", default=1440, show_default=True)
def screenshots_cmd(out_dir: Path, width: int) -> None:
    """Write PNG screenshots of the console's main pages (a demo database, headless Chromium)."""
    from admin.screenshots import take_screenshots

    paths = take_screenshots(out_dir, width=width)
    for path in paths:
        click.echo(str(path))
