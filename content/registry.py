"""Content resources in the database: templates with their approval state, and session contents.

Why: the sender must know, without asking Twilio on every message, which ``ContentSid`` is the
approved template for a name and language. ``sync_templates`` creates what is missing through the
Content API and submits it for WhatsApp approval; ``refresh_approvals`` reads the state back
(approved, rejected with a reason, paused…). Interactive in-session contents (quick replies, list
pickers) need no approval; they are created once per shape and reused.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from twilio.rest import Client

from bot.i18n import DEFAULT_LANGUAGE, whatsapp_language
from content import api
from content.templates import Template
from storage.base import utcnow
from storage.messaging_models import ApprovalStatus, ContentTemplate

logger = logging.getLogger(__name__)

_session_sids: dict[tuple[str, str, str, str], str] = {}
_lock = threading.Lock()


def template_types(template: Template, lang: str) -> dict[str, Any]:
    return {"twilio/text": {"body": template.bodies[lang]}}


def sync_templates(session: Session, client: Client, templates: dict[str, Template], *,
                   submit: bool = True) -> list[ContentTemplate]:
    """Make sure every template exists in Twilio for each of its languages (and is submitted).

    A SID given in the templates file is adopted as is. Returns the rows, created or not.
    """
    rows: list[ContentTemplate] = []
    for template in templates.values():
        for lang in template.bodies:
            row = session.scalar(
                select(ContentTemplate).where(ContentTemplate.name == template.name, ContentTemplate.lang == lang)
            )
            if row is None:
                row = ContentTemplate(name=template.name, lang=lang, kind="template", variables=[], types={},
                                      approval_status=ApprovalStatus.UNSUBMITTED.value)
                session.add(row)
            row.category = template.category
            row.variables = list(template.variables)
            row.types = template_types(template, lang)
            given = template.sids.get(lang)
            if given and row.content_sid != given:
                row.content_sid = given
                row.approval_status = ApprovalStatus.UNSUBMITTED.value
            if row.content_sid is None:
                samples = {str(i): f"{{{name}}}" for i, name in enumerate(template.variables, start=1)}
                row.content_sid = api.create_content(
                    client, friendly_name=f"{template.name}_{lang.lower()}", language=whatsapp_language(lang),
                    types=row.types,
                    variables=samples,
                )
                logger.info("Template %s/%s created as %s", template.name, lang, row.content_sid)
            if submit and row.approval_status == ApprovalStatus.UNSUBMITTED.value:
                current = api.fetch_approval(client, row.content_sid)
                if current.status == ApprovalStatus.UNSUBMITTED.value:
                    api.request_approval(
                        client, row.content_sid, name=f"{template.name}_{lang.lower()}", category=template.category
                    )
                    current = api.fetch_approval(client, row.content_sid)
                row.approval_status, row.rejection_reason = current.status, current.rejection_reason
                row.checked_at = utcnow()
            row.updated_at = utcnow()
            session.flush()
            rows.append(row)
    return rows


def refresh_approvals(session: Session, client: Client) -> list[ContentTemplate]:
    """Read the WhatsApp approval state of every template not in a final state yet."""
    rows = session.scalars(
        select(ContentTemplate).where(ContentTemplate.kind == "template", ContentTemplate.content_sid.is_not(None))
        .order_by(ContentTemplate.name, ContentTemplate.lang)
    ).all()
    for row in rows:
        assert row.content_sid is not None
        current = api.fetch_approval(client, row.content_sid)
        if (current.status, current.rejection_reason) != (row.approval_status, row.rejection_reason):
            logger.info("Template %s/%s: %s -> %s", row.name, row.lang, row.approval_status, current.status)
        row.approval_status, row.rejection_reason = current.status, current.rejection_reason
        row.checked_at = row.updated_at = utcnow()
    session.flush()
    return list(rows)


def approved_template(session: Session, name: str, lang: str | None) -> ContentTemplate | None:
    """The approved content of template ``name`` in ``lang``, else in the default language."""
    for candidate in dict.fromkeys([lang or DEFAULT_LANGUAGE, DEFAULT_LANGUAGE]):
        row = session.scalar(
            select(ContentTemplate).where(
                ContentTemplate.name == name,
                ContentTemplate.lang == candidate,
                ContentTemplate.kind == "template",
                ContentTemplate.approval_status == ApprovalStatus.APPROVED.value,
                ContentTemplate.content_sid.is_not(None),
            )
        )
        if row is not None:
            return row
    return None


def session_content_sid(session: Session, client: Client, lang: str, types: dict[str, Any]) -> str:
    """The SID of an in-session content with exactly ``types``, created on first use."""
    digest = hashlib.sha256(json.dumps(types, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]
    name = f"s_{digest}"
    key = (str(client.content.base_url), str(client.account_sid), name, lang)
    with _lock:
        cached = _session_sids.get(key)
    if cached:
        return cached
    row = session.scalar(select(ContentTemplate).where(ContentTemplate.name == name, ContentTemplate.lang == lang))
    if row is None or row.content_sid is None:
        sid = api.create_content(client, friendly_name=name, language=whatsapp_language(lang), types=types,
                                 variables={"1": "text"})
        try:
            with session.begin_nested():
                session.add(ContentTemplate(name=name, lang=lang, kind="session", content_sid=sid, variables=["1"],
                                            types=types, approval_status=ApprovalStatus.UNSUBMITTED.value))
        except IntegrityError:
            row = session.scalar(
                select(ContentTemplate).where(ContentTemplate.name == name, ContentTemplate.lang == lang)
            )
            assert row is not None and row.content_sid is not None
            sid = row.content_sid
    else:
        sid = row.content_sid
    with _lock:
        _session_sids[key] = sid
    return sid


def forget_session_content(session: Session, sid: str) -> None:
    """Drop an in-session content Twilio no longer has (deleted in its console): the next message
    of that shape creates it again."""
    from sqlalchemy import delete

    with _lock:
        for key in [k for k, v in _session_sids.items() if v == sid]:
            del _session_sids[key]
    session.execute(delete(ContentTemplate).where(ContentTemplate.content_sid == sid,
                                                  ContentTemplate.kind == "session"))


def register_with_standin(app: Any) -> int:
    """Embedded mode: the stand-in starts empty, so stored Content SIDs are void; register afresh."""
    from sqlalchemy import delete

    from storage.db import sessions

    forget_cached()
    try:
        with sessions(app).begin() as session:
            session.execute(delete(ContentTemplate))
            rows = sync_templates(session, api.content_client(app.config), app.config["TEMPLATES"])
    except Exception:  # the bot runs without templates; messages outside the window are then skipped
        logger.exception("Stand-in: templates could not be registered")
        return 0
    logger.info("Stand-in: %s templates registered and approved", len(rows))
    return len(rows)


def forget_cached() -> None:
    """Drop the process cache of session contents and the Content API back-off (tests)."""
    from content import window

    with _lock:
        _session_sids.clear()
    window._content_down_until = 0.0
