"""Campaigns: list, create (audience filters and content), preview, send now or at an IST time,
pause/resume/cancel, and the delivery report (funnel chart, statuses, Twilio error codes, CSV).

Every operation goes through ``campaigns.service`` / ``campaigns.report`` — the code behind
`inaam campaign …` — so the console, the CLI and the API do the same thing.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from flask import Response, current_app, flash, g, redirect, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from admin import audit
from admin.auth import requires
from admin.web import Column, actor, bp, db, ip, render, table
from bot.i18n import IST, LANGUAGES
from campaigns.audience import Filters
from campaigns.cities import CITY_PIN_PREFIXES
from campaigns.report import campaign_report, export_csv, funnel_svg
from campaigns.service import (
    MEMBER_VARIABLES,
    CampaignError,
    cancel_campaign,
    create_campaign,
    get_campaign,
    pause_campaign,
    preview_campaign,
    resume_campaign,
    send_campaign,
)
from storage.admin_models import AdminUser, AuditEntry
from storage.claim_models import CouponBatch
from storage.messaging_models import Campaign, CampaignRecipient, CampaignStatus
from storage.models import OutboundMessage, Rep, Role

logger = logging.getLogger(__name__)

COLUMNS = [Column("id", "Campaign", "num"), Column("name", "Name"), Column("status", "Status", "badge"),
           Column("content", "Content"), Column("audience", "Audience", "num"), Column("sent", "Sent", "num"),
           Column("delivered", "Delivered", "num"), Column("read", "Read", "num"),
           Column("failed", "Failed", "num"), Column("when", "Sent / scheduled", "time"),
           Column("created_at", "Created", "time")]

LANGUAGE_NAMES = {"en": "English", "hi": "Hindi", "ur": "Urdu", "hi_Latn": "Roman Hindi"}
TWILIO_ERRORS = {
    "63016": "outside the 24-hour window (free-form message refused)",
    "63024": "invalid recipient (not on WhatsApp)",
    "63014": "the member blocked the business",
    "63049": "Meta held back a marketing message to this member",
    "63018": "the sender's rate limit was exceeded",
    "63003": "the number is not reachable",
    "63032": "the member opted out of marketing messages",
    "30008": "unknown delivery error",
}
SKIP_REASONS = {"outside_window": "outside the 24-hour window (free text, no template)",
                "campaign_cancelled": "campaign cancelled before sending", "opted_out": "member opted out"}
FAILED = ("failed", "undelivered")
SENT = ("queued", "accepted", "sending", "sent", "delivered", "read", "undelivered")
MAX_NUMBER = 10**9


def _counts(campaign_id: int) -> dict[str, int]:
    rows = db().execute(
        select(OutboundMessage.status, func.count()).select_from(CampaignRecipient)
        .join(OutboundMessage, OutboundMessage.id == CampaignRecipient.outbound_id)
        .where(CampaignRecipient.campaign_id == campaign_id).group_by(OutboundMessage.status)).all()
    return {str(s): int(n) for s, n in rows}


def _row(r: Any) -> dict[str, Any]:
    c: Campaign = r[0]
    counts = _counts(c.id) if c.status not in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value) else {}
    return {"id": c.id, "name": c.name, "status": c.status,
            "content": ("text" + (f" + {c.template}" if c.template else "")) if c.text else c.template,
            "audience": c.audience_count if c.started_at else None,
            "sent": sum(n for s, n in counts.items() if s in SENT),
            "delivered": counts.get("delivered", 0) + counts.get("read", 0), "read": counts.get("read", 0),
            "failed": sum(n for s, n in counts.items() if s in FAILED), "when": c.started_at or c.scheduled_at,
            "created_by": c.created_by or "—", "created_at": c.created_at,
            "_href": url_for("admin.campaign", campaign_id=c.id)}


@bp.route("/campaigns")
@requires("campaigns")
def campaigns() -> Response | str:
    status = request.args.get("status", "")
    stmt = select(Campaign).order_by(Campaign.id.desc())
    if status in {s.value for s in CampaignStatus}:
        stmt = stmt.where(Campaign.status == status)
    result = table(db(), stmt, _row, COLUMNS, "campaigns.csv")
    if isinstance(result, Response):
        return result
    return render("admin/campaigns.html", title="Campaigns", active="campaigns", page=result, columns=COLUMNS,
                  status=status, statuses=[s.value for s in CampaignStatus])


# ------------------------------------------------------------------------------------ create


def _choices() -> dict[str, Any]:
    """What the create form offers: roles, tiers, languages, cities, reps, SKUs, templates."""
    program = current_app.config["PROGRAM"]
    templates = current_app.config["TEMPLATES"]
    extra: dict[str, list[str]] = {}
    for name, spec in sorted(templates.items()):
        for var in spec.variables:
            if var not in MEMBER_VARIABLES:
                extra.setdefault(var, []).append(name)
    reps = db().execute(select(Rep.code, Rep.name).order_by(Rep.name).limit(500)).all()
    skus = db().scalars(select(CouponBatch.sku).distinct().order_by(CouponBatch.sku).limit(500)).all()
    return {"roles": [r.value for r in Role], "tiers": [t.name for t in program.tiers],
            "languages": [(code, LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
            "cities": sorted({c.title() for c in CITY_PIN_PREFIXES}), "reps": reps, "skus": skus,
            "templates": sorted(templates.values(), key=lambda t: t.name), "template_vars": extra,
            "member_variables": MEMBER_VARIABLES}


class FormError(ValueError):
    """A form field the admin has to correct (message shown as is)."""


def _int(form: MultiDict[str, str], name: str, label: str, *, default: int | None = None) -> int | None:
    raw = (form.get(name) or "").replace(",", "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise FormError(f"{label} must be a whole number") from None
    if not 0 <= value <= MAX_NUMBER:
        raise FormError(f"{label} must be between 0 and {MAX_NUMBER:,}")
    return value


def _words(form: MultiDict[str, str], name: str) -> list[str]:
    return [w.strip() for w in (form.get(name) or "").replace(";", ",").split(",") if w.strip()][:50]


def filters_from(form: MultiDict[str, str]) -> Filters:
    """The audience filters the create form describes."""
    return Filters(
        roles=[r for r in form.getlist("roles") if r][:20], tier=(form.get("tier") or "").strip() or None,
        langs=[x for x in form.getlist("langs") if x][:10], pin_prefixes=_words(form, "pin_prefixes"),
        cities=_words(form, "cities"), rep=(form.get("rep") or "").strip()[:20] or None,
        active_days=_int(form, "active_days", "Active in the last … days"),
        inactive_days=_int(form, "inactive_days", "Silent for … days"),
        balance_above=_int(form, "balance_above", "Balance above"),
        balance_below=_int(form, "balance_below", "Balance below"),
        claimed_sku=(form.get("claimed_sku") or "").strip()[:40] or None,
        not_claimed_sku=(form.get("not_claimed_sku") or "").strip()[:40] or None,
    )


def _create_from(form: MultiDict[str, str]) -> Campaign:
    kind = form.get("content", "template")
    template = (form.get("template") or "").strip() or None
    text = (form.get("text") or "").strip() or None
    outside = form.get("outside_window", "template")
    if kind == "template":
        text = None
        if not template:
            raise FormError("choose a template")
    else:
        if not text:
            raise FormError("write the message text")
        if outside == "skip":
            template = None
        elif not template:
            raise FormError("choose the template members outside their 24-hour window get, or choose to skip them")
    spec = current_app.config["TEMPLATES"].get(template) if template else None
    variables = {}
    if spec is not None:
        for var in spec.variables:
            value = (form.get(f"var_{var}") or "").strip()
            if var in MEMBER_VARIABLES:
                continue
            if not value:
                raise FormError(f"give the value for “{var}” (template {spec.name} uses it)")
            variables[var] = value[:500]
    bonus_points = _int(form, "bonus_points", "Bonus points", default=0) or 0
    bonus_days = _int(form, "bonus_days", "Bonus window (days)", default=7) or 0
    rate = _int(form, "rate", "Messages per second")
    return create_campaign(
        db(), name=(form.get("name") or "")[:120], filters=filters_from(form), program=current_app.config["PROGRAM"],
        templates=current_app.config["TEMPLATES"], template=template, text=text, outside_window=outside,
        variables=variables, bonus_points=bonus_points, bonus_days=bonus_days, rate_per_second=rate or None,
        created_by=actor()[:80])


@bp.route("/campaigns/new", methods=["GET", "POST"])
@requires("campaigns", write=True)
def campaign_new() -> Response | tuple[str, int] | str:
    """A new draft; ``?from=ID`` starts from another campaign's settings, and ``?edit=ID`` (a draft or
    scheduled one) replaces it: the new draft is saved and the old one cancelled in one transaction."""
    replaces = _replaceable(request.values.get("edit"))
    if request.method == "GET":
        source = replaces or _campaign_or_none(request.args.get("from"))
        form = form_from(source, copy=replaces is None) if source else MultiDict()
        return _form_page(form, uuid.uuid4().hex, replaces)
    form = request.form
    session = db()
    nonce = (form.get("nonce") or "").strip()[:64]
    # One create at a time per console user, so a double-submitted form's twin sees the first's record.
    session.execute(select(AdminUser.id).where(AdminUser.id == g.admin_user.id).with_for_update())
    made = _created_with(nonce) if nonce else None
    if made is not None:  # the same form submitted twice: one campaign
        return redirect(url_for("admin.campaign", campaign_id=made))
    try:
        campaign = _create_from(form)
        if replaces is not None:
            before = replaces.status
            cancel_campaign(session, replaces.id)
            audit.record(session, actor=actor(), action="campaign.cancel", target_type="campaign",
                         target_id=replaces.id, before={"status": before}, after={"status": "cancelled"},
                         note=f"edited: replaced by campaign {campaign.id}", ip=ip())
    except (FormError, CampaignError) as exc:
        session.rollback()
        flash(f"Not saved: {exc}.", "error")
        return _form_page(form, nonce or uuid.uuid4().hex, replaces), 400
    audit.record(session, actor=actor(), action="campaign.create", target_type="campaign",
                 target_id=campaign.id, after={**_summary(campaign), "nonce": nonce or None,
                                               "replaces": replaces.id if replaces else None}, ip=ip())
    session.commit()
    edited = f" It replaces campaign {replaces.id}, now cancelled." if replaces else ""
    flash(f"Campaign {campaign.id} saved as a draft.{edited} Check the audience below, then send or schedule it.",
          "ok")
    return redirect(url_for("admin.campaign", campaign_id=campaign.id))


def _form_page(form: MultiDict[str, str], nonce: str, replaces: Campaign | None) -> str:
    title = f"Edit campaign {replaces.id}" if replaces else "New campaign"
    return render("admin/campaign_new.html", title=title, active="campaigns", form=form, nonce=nonce,
                  replaces=replaces, **_choices())


def _campaign_or_none(value: str | None) -> Campaign | None:
    if not value or not value.isdigit() or len(value) > 15:
        return None
    return db().get(Campaign, int(value))


def _replaceable(value: str | None) -> Campaign | None:
    """The campaign an edit replaces: only one not yet sending (a draft or scheduled)."""
    found = _campaign_or_none(value)
    if found is not None and found.status not in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
        return None
    return found


def form_from(c: Campaign, *, copy: bool) -> MultiDict[str, str]:
    """The create form filled with ``c``'s settings (to edit a draft or start from an old campaign)."""
    f = c.filters or {}
    items: list[tuple[str, str]] = [("name", f"{c.name} (copy)"[:120] if copy else c.name)]
    items += [("roles", r) for r in f.get("roles", [])] + [("langs", x) for x in f.get("langs", [])]
    for key in ("pin_prefixes", "cities"):
        items.append((key, ", ".join(f.get(key, []))))
    for key in ("tier", "rep", "active_days", "inactive_days", "balance_above", "balance_below", "claimed_sku",
                "not_claimed_sku"):
        if f.get(key) is not None:
            items.append((key, str(f[key])))
    items += [("content", "text" if c.text else "template"), ("template", c.template or ""),
              ("text", c.text or ""), ("outside_window", c.outside_window if c.text else "template"),
              ("bonus_points", str(c.bonus_points)), ("bonus_days", str(c.bonus_days)),
              ("rate", str(c.rate_per_second or ""))]
    items += [(f"var_{k}", str(v)) for k, v in (c.variables or {}).items()]
    return MultiDict(items)


def _created_with(nonce: str) -> int | None:
    """The campaign a create form with this nonce already made (a double submit), if any."""
    rows = db().execute(select(AuditEntry.target_id, AuditEntry.after).where(
        AuditEntry.action == "campaign.create", AuditEntry.actor == actor())
        .order_by(AuditEntry.id.desc()).limit(50)).all()
    return next((int(target) for target, after in rows if (after or {}).get("nonce") == nonce and target), None)


def _summary(c: Campaign) -> dict[str, Any]:
    return {"name": c.name, "status": c.status, "filters": c.filters, "template": c.template,
            "text": c.text, "outside_window": c.outside_window, "variables": c.variables,
            "bonus_points": c.bonus_points, "bonus_days": c.bonus_days, "rate_per_second": c.rate_per_second}


# ------------------------------------------------------------------------------------ one campaign


def describe_filters(filters: dict[str, Any]) -> list[str]:
    """The audience in words, one line per filter."""
    labels = {"roles": "Trade", "tier": "Tier", "langs": "Language", "pin_prefixes": "PIN starts with",
              "cities": "City", "rep": "Enrolled by rep", "active_days": "Wrote to us within (days)",
              "inactive_days": "Silent for at least (days)", "balance_above": "Balance above (points)",
              "balance_below": "Balance below (points)", "claimed_sku": "Claimed SKU",
              "not_claimed_sku": "Never claimed SKU"}
    lines = []
    for key, label in labels.items():
        value = filters.get(key)
        if value in (None, [], ""):
            continue
        if key == "langs":
            value = [LANGUAGE_NAMES.get(v, v) for v in value]
        lines.append(f"{label}: {', '.join(map(str, value)) if isinstance(value, list) else value}")
    return lines or ["Every member we can reach (opted-out and blocked members are never included)"]


def _sample_message(c: Campaign, lang: str) -> str | None:
    """The message as a member in ``lang`` would read it (member values filled with examples)."""
    from campaigns.sending import _fill

    example = {"name": "Ramesh", "points": "1,250", "balance": "1,250", "rupees": "₹125", "tier": "Silver"}
    values = {**example, **(c.variables or {})}
    if c.text:
        return _fill(c.text, values)
    spec = current_app.config["TEMPLATES"].get(c.template or "")
    if spec is None:
        return None
    try:
        return str(spec.render(lang, values))
    except ValueError:
        return None


@bp.route("/campaigns/<int:campaign_id>")
@requires("campaigns")
def campaign(campaign_id: int) -> Response | str:
    session = db()
    try:
        c = get_campaign(session, campaign_id)
    except CampaignError:
        from flask import abort

        abort(404)
    program = current_app.config["PROGRAM"]
    preview = None
    if c.status in (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value):
        preview = preview_campaign(session, c.id, program, sample=10)
    report = campaign_report(session, c.id) if c.started_at else None
    outside_template = None
    if c.template:
        spec = current_app.config["TEMPLATES"].get(c.template)
        outside_template = _sample_message_template(spec, c)
    return render("admin/campaign.html", title=c.name, active="campaigns", c=c, preview=preview, report=report,
                  funnel=Markup(funnel_svg(report)) if report else None, filters=describe_filters(c.filters),
                  message_en=_sample_message(c, "en"), message_hi=_sample_message(c, "hi"),
                  outside_template=outside_template, language_names=LANGUAGE_NAMES, twilio_errors=TWILIO_ERRORS,
                  skip_reasons=SKIP_REASONS, default_at=_default_at())


def _sample_message_template(spec: Any, c: Campaign) -> str | None:
    if spec is None or not c.text:
        return None
    values = {"name": "Ramesh", "points": "1,250", "balance": "1,250", "rupees": "₹125", "tier": "Silver",
              **(c.variables or {})}
    try:
        return str(spec.render("en", values))
    except ValueError:
        return None


def _default_at() -> str:
    """Tomorrow 10:00 IST, the form's suggestion for a scheduled send."""
    tomorrow = dt.datetime.now(IST).date() + dt.timedelta(days=1)
    return f"{tomorrow.isoformat()}T10:00"


@bp.route("/campaigns/<int:campaign_id>/report.csv")
@requires("campaigns")
def campaign_csv(campaign_id: int) -> Response:
    session = db()
    try:
        data = export_csv(session, campaign_id)
    except CampaignError:
        from flask import abort

        abort(404)
    audit.record(session, actor=actor(), action="export.csv", target_type="campaign", target_id=campaign_id,
                 note="campaign report (one line per recipient)", ip=ip())
    session.commit()
    return Response("\ufeff" + data, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}.csv"'})


@bp.route("/campaigns/<int:campaign_id>/funnel.svg")
@requires("campaigns")
def campaign_svg(campaign_id: int) -> Response:
    try:
        report = campaign_report(db(), campaign_id)
    except CampaignError:
        from flask import abort

        abort(404)
    return Response(funnel_svg(report), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}-funnel.svg"'})


def parse_ist(value: str) -> dt.datetime:
    """``YYYY-MM-DDTHH:MM`` typed as IST → an aware UTC time."""
    try:
        naive = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise FormError("give the time as date and time, e.g. 2026-12-03 10:00") from None
    if naive.tzinfo is None:
        naive = naive.replace(tzinfo=IST)
    return naive.astimezone(dt.UTC)


def _kick(campaign_id: int) -> None:
    """Start the send jobs; if the queue is down, the campaigns tick restarts stalled lanes."""
    from campaigns.sending import kick

    try:
        kick(current_app, campaign_id)
    except Exception as exc:  # the campaign is 'sending'; the tick restarts it within a minute
        logger.warning("Queue unavailable (%s); campaign %s left to the tick", exc.__class__.__name__, campaign_id)


@bp.route("/campaigns/<int:campaign_id>/send", methods=["POST"])
@requires("campaigns", write=True)
def campaign_send(campaign_id: int) -> Response:
    _exists(campaign_id)
    session = db()
    back = redirect(url_for("admin.campaign", campaign_id=campaign_id))
    at = None
    try:
        if request.form.get("when") == "later":
            at = parse_ist(request.form.get("at") or "")
            if at <= dt.datetime.now(dt.UTC):
                raise FormError("the scheduled time has passed; choose a later one or send now")
        c = send_campaign(session, campaign_id, current_app.config["PROGRAM"], at=at)
    except (FormError, CampaignError) as exc:
        session.rollback()
        flash(f"Not sent: {exc}.", "error")
        return back
    audit.record(session, actor=actor(), action="campaign.schedule" if at else "campaign.send",
                 target_type="campaign", target_id=c.id, before={"status": "draft"},
                 after={"status": c.status, "audience": c.audience_count,
                        "scheduled_at": c.scheduled_at.isoformat() if c.scheduled_at else None}, ip=ip())
    session.commit()
    if c.status == CampaignStatus.SENDING.value:
        _kick(c.id)
        flash(f"Sending to {c.audience_count:,} members at the paced rate.", "ok")
    else:
        flash(f"Scheduled for {c.scheduled_at.astimezone(IST):%d %b %Y, %I:%M %p} IST." if c.scheduled_at
              else "Scheduled.", "ok")
    return back


def _exists(campaign_id: int) -> None:
    if db().get(Campaign, campaign_id) is None:
        from flask import abort

        abort(404)


def _state(campaign_id: int, name: str, operation: Any, message: str) -> Response:
    _exists(campaign_id)
    session = db()
    back = redirect(url_for("admin.campaign", campaign_id=campaign_id))
    try:
        before = get_campaign(session, campaign_id).status
        c = operation(session, campaign_id)
    except CampaignError as exc:
        session.rollback()
        flash(f"Not done: {exc}.", "error")
        return back
    audit.record(session, actor=actor(), action=f"campaign.{name}", target_type="campaign", target_id=c.id,
                 before={"status": before}, after={"status": c.status}, ip=ip())
    session.commit()
    if name == "resume":
        _kick(c.id)
    flash(message, "ok")
    return back


@bp.route("/campaigns/<int:campaign_id>/pause", methods=["POST"])
@requires("campaigns", write=True)
def campaign_pause(campaign_id: int) -> Response:
    return _state(campaign_id, "pause", pause_campaign, "Paused: no new messages go out; resume when ready.")


@bp.route("/campaigns/<int:campaign_id>/resume", methods=["POST"])
@requires("campaigns", write=True)
def campaign_resume(campaign_id: int) -> Response:
    return _state(campaign_id, "resume", resume_campaign, "Resumed where it stopped.")


@bp.route("/campaigns/<int:campaign_id>/cancel", methods=["POST"])
@requires("campaigns", write=True)
def campaign_cancel(campaign_id: int) -> Response:
    return _state(campaign_id, "cancel", cancel_campaign, "Cancelled: nobody else gets this campaign.")
