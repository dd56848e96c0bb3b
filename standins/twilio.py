"""A local server that speaks Twilio's Messages wire format, for tests, the benchmark and `inaam chat`.

Why: Twilio is out of reach offline, yet the bot's sending, retry, media and status-callback
code must be exercised through the real twilio-python client and `requests`. This stand-in
answers like api.twilio.com (201 message JSON, error JSON, Basic auth, 307 media redirect to a
separate "CDN" host:port, signed status callbacks) and adds a small `/_standin/...` inspection
API. Everything lives in memory behind one `threading.Condition`.

Usage::

    with TwilioStandIn(sid, token) as standin:
        client = Client(sid, token)
        client.api.base_url = standin.url
        client.messages.create(from_="whatsapp:+14155238886", to="whatsapp:+919812345678", body="hi")
        standin.wait_for(lambda msgs: len(msgs) == 1, timeout=5)
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from bot.logs import mask_phone
from bot.twilio_signing import new_sid, sign
from standins import twilio_list
from standins.twilio_window import WindowRules
from standins.twilio_wire import ADDRESS_RE as ADDRESS_RE
from standins.twilio_wire import (
    API_VERSION,
    ERROR_MESSAGES,
    ERROR_TEXT,
    account_uri,
    bare,
    basic_auth,
    callback_params,
    error_response,
    media_page,
    media_resource,
    message_resource,
    not_found,
    now,
    rfc2822,
    unauthorized,
    validate,
)
from standins.twilio_wire import MAX_BODY_CHARS as MAX_BODY_CHARS
from standins.twilio_wire import MAX_MEDIA_URLS as MAX_MEDIA_URLS

logger = logging.getLogger(__name__)

MAX_LONG_POLL_SECONDS = 30.0
"""Upper bound for `GET /_standin/messages?wait=` so a poller cannot pin a thread forever."""

Predicate = Callable[[list[dict[str, Any]]], bool]


class _QuietHandler(WSGIRequestHandler):
    """Send werkzeug's per-request access log to debug level instead of stderr."""

    def log(self, type: str, message: str, *args: Any) -> None:
        logger.debug("standin %s: " + message, type, *args)


class TwilioStandIn:
    """Twilio-compatible Messages API on 127.0.0.1, plus a media "CDN" on a second port.

    Args:
        account_sid: the ``AC…`` SID clients must authenticate with (and use in paths).
        auth_token: the token for Basic auth and for signing status callbacks.
        host: interface to bind both servers on.
        port: API port (0 picks a free one; read `.url` after `start()`).
        cdn_port: media CDN port (0 picks a free one).
        status_callbacks: POST signed `sent`/`delivered` callbacks when StatusCallback is given.
        enforce_window: fail free-form messages outside the 24-hour window with 63016, as WhatsApp
            does (the window opens with an inbound message: `record_inbound` / `POST /_standin/inbound`).
        approval_delay: seconds before a submitted template is approved or rejected.
        read_receipts: after `delivered`, the member reads it: a `read` callback follows.
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        cdn_port: int = 0,
        status_callbacks: bool = True,
        enforce_window: bool = True,
        approval_delay: float = 0.0,
        read_receipts: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.status_callbacks = status_callbacks
        self.read_receipts = read_receipts
        self.channel_install_sid = new_sid("XE")
        self._port, self._cdn_port = port, cdn_port
        self._cond = threading.Condition(threading.RLock())
        self._messages: dict[str, dict[str, Any]] = {}
        self._order: list[str] = []
        self._index = 0
        self._media: dict[str, dict[str, Any]] = {}
        self._cdn_paths: dict[str, str] = {}
        self._cdn_requests: list[dict[str, Any]] = []
        self._callbacks: list[dict[str, Any]] = []
        self._fail: list[tuple[int, int]] = []
        self._lose_answers = 0
        self._delays: list[float] = []
        self._undeliverable: dict[str, int] = {}
        self._dead_urls: set[str] = set()
        self._closed = False
        self._api: BaseWSGIServer | None = None
        self._cdn: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._pool: ThreadPoolExecutor | None = None
        self.window = WindowRules(account_sid, lambda: self.url, enforce_window, approval_delay)
        self.content = self.window.content
        base = f"/{API_VERSION}/Accounts/<account>"
        self._routes = Map(
            [
                Rule(f"{base}/Messages.json", methods=["POST"], endpoint="create"),
                Rule(f"{base}/Messages.json", methods=["GET"], endpoint="message_list"),
                Rule(f"{base}/Messages/<sid>.json", methods=["GET"], endpoint="fetch"),
                Rule(f"{base}/Messages/<parent>/Media.json", methods=["GET"], endpoint="media_list"),
                Rule(f"{base}/Messages/<parent>/Media/<media>", methods=["GET"], endpoint="media"),
                Rule("/_standin/messages", methods=["GET"], endpoint="list"),
                Rule("/_standin/messages", methods=["DELETE"], endpoint="reset"),
                Rule("/_standin/media", methods=["POST"], endpoint="upload"),
                Rule("/_standin/health", methods=["GET"], endpoint="health"),
                Rule("/_standin/inbound", methods=["POST"], endpoint="inbound"),
                Rule("/v1/Content", methods=["POST"], endpoint="content_create"),
                Rule("/v1/Content", methods=["GET"], endpoint="content_list"),
                Rule("/v1/Content/<sid>", methods=["GET"], endpoint="content_fetch"),
                Rule("/v1/Content/<sid>", methods=["DELETE"], endpoint="content_delete"),
                Rule("/v1/Content/<sid>/ApprovalRequests/whatsapp", methods=["POST"], endpoint="approval_create"),
                Rule("/v1/Content/<sid>/ApprovalRequests", methods=["GET"], endpoint="approval_fetch"),
            ]
        )

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> TwilioStandIn:
        """Bind both servers and serve them from daemon threads; returns self."""
        if self._api is not None:
            return self
        self._closed = False
        self._api = make_server(
            self.host, self._port, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        try:
            self._cdn = make_server(
                self.host, self._cdn_port, self._cdn_wsgi, threaded=True, request_handler=_QuietHandler
            )
        except BaseException:
            self._api.server_close()
            self._api = None
            raise
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="standin-callback")
        for name, server in (("api", self._api), ("cdn", self._cdn)):
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"standin-{name}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        logger.info(
            "Twilio stand-in %s: API at %s, media CDN at %s", self.account_sid, self.url, self.cdn_url
        )
        return self

    def stop(self) -> None:
        """Shut both servers down, wake long-pollers and drop pending callbacks."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for server in (self._api, self._cdn):
            if server is not None:
                server.shutdown()
                server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._api = self._cdn = self._pool = None
        self._threads = []

    def serve_forever(self) -> None:
        """Run until Ctrl-C (for a CLI process such as `inaam standin`)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    def __enter__(self) -> TwilioStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL to give twilio-python (``client.api.base_url = standin.url``)."""
        if self._api is None:
            raise RuntimeError("TwilioStandIn is not started")
        return f"http://{self.host}:{self._api.server_port}"

    @property
    def cdn_url(self) -> str:
        """Base URL of the media CDN (a different host:port, so clients drop Basic auth)."""
        if self._cdn is None:
            raise RuntimeError("TwilioStandIn is not started")
        return f"http://{self.host}:{self._cdn.server_port}"

    # -- fault injection -------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 429, code: int = 20429) -> None:
        """Make the next ``count`` creates fail with ``status``/``code``; nothing is stored."""
        with self._cond:
            self._fail.extend([(status, code)] * count)

    def lose_next_answers(self, count: int = 1) -> None:
        """Store the next ``count`` creates but answer 500, as if the 201 was lost on the way back."""
        with self._cond:
            self._lose_answers += count

    def delay_next(self, seconds: float, count: int = 1) -> None:
        """Make the next ``count`` creates answer only after ``seconds`` (to exercise client timeouts)."""
        with self._cond:
            self._delays.extend([seconds] * count)

    def fail_delivery(self, to_number: str, error_code: int = 63016) -> None:
        """Messages to ``to_number`` end `undelivered` with ``error_code`` instead of `delivered`."""
        with self._cond:
            self._undeliverable[bare(to_number)] = error_code

    def clear_faults(self) -> None:
        """Forget every pending failure, delay and undeliverable number."""
        with self._cond:
            self._fail.clear()
            self._delays.clear()
            self._undeliverable.clear()
            self._lose_answers = 0

    # -- inspection ------------------------------------------------------------------------

    def messages(self, to: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """Stored outbound messages, oldest first: the resource JSON plus stand-in fields.

        Extra keys: ``index`` (increasing, survives `reset`), ``media_url`` (list),
        ``content_sid``, ``content_variables``, ``status_callback``.
        """
        with self._cond:
            return self._select(to, after)

    def wait_for(
        self, predicate: Predicate, timeout: float = 5.0, to: str | None = None
    ) -> list[dict[str, Any]]:
        """Block until ``predicate(messages(to))`` is true and return that list.

        Raises:
            TimeoutError: the predicate stayed false for ``timeout`` seconds.
        """
        with self._cond:
            ok = self._cond.wait_for(lambda: predicate(self._select(to, 0)), timeout=timeout)
            selected = self._select(to, 0)
        if not ok:
            raise TimeoutError(f"stand-in: condition not met within {timeout}s ({len(selected)} messages)")
        return selected

    def callbacks(self) -> list[dict[str, Any]]:
        """Status callbacks attempted so far: url, params, HTTP status (None on connection error)."""
        with self._cond:
            return [dict(item) for item in self._callbacks]

    def cdn_requests(self) -> list[dict[str, Any]]:
        """Requests the media CDN received (path and headers), to check auth was not forwarded."""
        with self._cond:
            return [dict(item) for item in self._cdn_requests]

    def reset(self) -> None:
        """Drop stored messages, media, callbacks and faults; the index keeps increasing."""
        with self._cond:
            self._messages.clear()
            self._order.clear()
            self._media.clear()
            self._cdn_paths.clear()
            self._cdn_requests.clear()
            self._callbacks.clear()
            self._fail.clear()
            self._delays.clear()
            self._undeliverable.clear()
            self._dead_urls.clear()
            self._cond.notify_all()
        self.window.reset()

    def add_media(self, data: bytes, content_type: str) -> str:
        """Store bytes like an inbound WhatsApp attachment and return its Twilio media URL."""
        parent, media_sid = new_sid("MM"), new_sid("ME")
        cdn_path = secrets.token_urlsafe(24)
        stamp = rfc2822(now())
        with self._cond:
            self._media[media_sid] = {
                "data": data,
                "cdn_path": cdn_path,
                "meta": media_resource(self.account_sid, parent, media_sid, content_type, stamp),
            }
            self._cdn_paths[cdn_path] = media_sid
        return f"{self.url}{account_uri(self.account_sid)}/Messages/{parent}/Media/{media_sid}"

    # -- internals -------------------------------------------------------------------------

    def _select(self, to: str | None, after: int) -> list[dict[str, Any]]:
        want = bare(to) if to else None
        out = []
        for sid in self._order:
            record = self._messages[sid]
            if record["index"] > after and (want is None or bare(record["resource"]["to"]) == want):
                out.append(record["resource"] | {k: v for k, v in record.items() if k != "resource"})
        return out

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self._routes.bind_to_environ(environ).match()
            response = getattr(self, f"_on_{endpoint}")(request, **args)
        except NotFound:
            response = not_found(request.path)
        except HTTPException as exc:
            response = error_response(exc.code or 400, exc.code or 400, exc.description or exc.name)
        return response(environ, start_response)

    def _auth_error(self, request: Request, account: str) -> Response | None:
        auth = basic_auth(request)
        if auth != (self.account_sid, self.auth_token) or account != self.account_sid:
            return unauthorized()
        return None

    def _on_create(self, request: Request, account: str) -> Response:
        denied = self._auth_error(request, account)
        if denied:
            return denied
        with self._cond:
            delay = self._delays.pop(0) if self._delays else 0.0
            fault = self._fail.pop(0) if self._fail else None
        if delay:
            time.sleep(delay)
        if fault:
            status, code = fault
            logger.debug("Stand-in %s: injected failure %s/%s", account, status, code)
            return error_response(status, code, ERROR_MESSAGES.get(status, "Error"))
        form = request.form
        invalid = validate(form) or self.window.check_content(form)
        if invalid:
            return error_response(400, *invalid)
        record = self._store(form)
        logger.debug(
            "Stand-in %s: queued %s to %s",
            account,
            record["resource"]["sid"],
            mask_phone(record["resource"]["to"]),
        )
        if self._pool is not None:
            self._pool.submit(self._deliver, record["resource"]["sid"])
        with self._cond:
            lose, self._lose_answers = self._lose_answers > 0, max(self._lose_answers - 1, 0)
        if lose:
            return error_response(500, 20500, ERROR_MESSAGES[500])
        return Response(json.dumps(record["resource"]), status=201, mimetype="application/json")

    def _on_message_list(self, request: Request, account: str) -> Response:
        denied = self._auth_error(request, account)
        if denied:
            return denied
        with self._cond:
            resources = [dict(self._messages[sid]["resource"]) for sid in self._order]
        try:
            found = twilio_list.select(resources, request.args)
            payload = twilio_list.page(request.path, found, request.args)
        except twilio_list.ListError as exc:
            return error_response(400, 20001, str(exc))
        return Response(json.dumps(payload), mimetype="application/json")

    def _store(self, form: Any) -> dict[str, Any]:
        sid = new_sid("SM")
        resource = message_resource(self.account_sid, sid, form, rfc2822(now()))
        with self._cond:
            self._index += 1
            if form.get("ContentSid"):
                resource["body"] = self.window.rendered_body(form)
            record = {
                "resource": resource,
                "window_error": self.window.refusal(form),
                "index": self._index,
                "media_url": form.getlist("MediaUrl"),
                "content_sid": form.get("ContentSid") or None,
                "content_types": self.window.content_types(form),
                "content_variables": form.get("ContentVariables") or None,
                "status_callback": form.get("StatusCallback") or None,
            }
            self._messages[sid] = record
            self._order.append(sid)
            self._cond.notify_all()
            return {**record, "resource": dict(resource)}

    def _deliver(self, sid: str) -> None:
        """Move a message to `sent`, then `delivered` (or `undelivered`), posting callbacks."""
        with self._cond:
            record = self._messages.get(sid)
            if record is None:
                return
            error_code = self._undeliverable.get(bare(record["resource"]["to"]))
            refused = record.get("window_error")
        steps: tuple[str, ...] = ("failed",) if refused else ("sent", "undelivered" if error_code else "delivered")
        if self.read_receipts and steps[-1] == "delivered":
            steps += ("read",)
        error_code = refused or error_code
        for status in steps:
            with self._cond:
                if self._closed or sid not in self._messages:
                    return
                resource = self._messages[sid]["resource"]
                stamp = rfc2822(now())
                resource.update(status=status, date_updated=stamp)
                resource["date_sent"] = resource["date_sent"] or stamp
                if status in ("undelivered", "failed"):
                    resource.update(error_code=error_code, error_message=ERROR_TEXT.get(error_code or 0,
                                                                                        "Message failed to deliver"))
                snapshot = dict(resource)
                callback = self._messages[sid]["status_callback"]
                self._cond.notify_all()
            if callback and self.status_callbacks:
                self._post_callback(callback, snapshot)

    def _post_callback(self, url: str, resource: dict[str, Any]) -> None:
        params = callback_params(resource, self.channel_install_sid)
        headers = {
            "X-Twilio-Signature": sign(self.auth_token, url, params),
            "User-Agent": "TwilioProxy/1.1",
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
        }
        status: int | None = None
        try:
            status = requests.post(url, data=params, headers=headers, timeout=5).status_code
        except requests.RequestException as exc:
            with self._cond:
                first = url not in self._dead_urls
                self._dead_urls.add(url)
            log = logger.warning if first else logger.debug
            log(
                "Stand-in callback %s %s to %s failed: %s",
                resource["sid"],
                resource["status"],
                url,
                exc.__class__.__name__,
            )
        with self._cond:
            self._callbacks.append({"url": url, "params": params, "status_code": status})
            self._cond.notify_all()

    def _on_fetch(self, request: Request, account: str, sid: str) -> Response:
        denied = self._auth_error(request, account)
        if denied:
            return denied
        with self._cond:
            record = self._messages.get(sid)
            body = json.dumps(record["resource"]) if record else None
        if body is None:
            return not_found(request.path)
        return Response(body, mimetype="application/json")

    def _on_media(self, request: Request, account: str, parent: str, media: str) -> Response:
        denied = self._auth_error(request, account)
        if denied:
            return denied
        as_json = media.endswith(".json")
        media_sid = media.removesuffix(".json")
        with self._cond:
            item = self._media.get(media_sid)
        if item is None or item["meta"]["parent_sid"] != parent:
            return not_found(request.path)
        if as_json:
            return Response(json.dumps(item["meta"]), mimetype="application/json")
        return Response(status=307, headers={"Location": f"{self.cdn_url}/media/{item['cdn_path']}"})

    def _on_media_list(self, request: Request, account: str, parent: str) -> Response:
        denied = self._auth_error(request, account)
        if denied:
            return denied
        with self._cond:
            items = [item["meta"] for item in self._media.values() if item["meta"]["parent_sid"] == parent]
        page = media_page(self.account_sid, parent, items)
        return Response(json.dumps(page), mimetype="application/json")

    def _cdn_wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        path = request.path.removeprefix("/media/")
        with self._cond:
            self._cdn_requests.append({"path": request.path, "headers": dict(request.headers)})
            media_sid = self._cdn_paths.get(path)
            item = self._media.get(media_sid) if media_sid else None
        if request.method != "GET" or item is None:
            response = Response(
                "<Error><Code>AccessDenied</Code></Error>", status=403, mimetype="application/xml"
            )
        else:
            response = Response(item["data"], mimetype=item["meta"]["content_type"])
        return response(environ, start_response)

    def _on_list(self, request: Request) -> Response:
        to = request.args.get("to") or None
        try:
            after = int(request.args.get("after", "0"))
            wait = min(float(request.args.get("wait", "0")), MAX_LONG_POLL_SECONDS)
        except ValueError:
            return error_response(400, 21000, "after must be an integer and wait a number of seconds")
        with self._cond:
            if wait > 0:
                self._cond.wait_for(lambda: self._closed or bool(self._select(to, after)), timeout=wait)
            found = self._select(to, after)
            payload = {"messages": found, "next": max(after, self._index)}
        return Response(json.dumps(payload), mimetype="application/json")

    def record_inbound(self, address: str, at: float | None = None) -> None:
        """A message from ``address`` reached the business (opens its 24-hour window)."""
        self.window.record_inbound(address, at)

    def _on_inbound(self, request: Request) -> Response:
        sender = request.form.get("From", "")
        if not ADDRESS_RE.match(sender):
            return error_response(400, 21211, f"The 'From' number {sender} is not a valid phone number.")
        self.record_inbound(sender)
        return Response(status=204)

    def _on_content_create(self, request: Request) -> Response:
        return self._content_call(request, self.content.create)

    def _on_content_list(self, request: Request) -> Response:
        return self._content_call(request, self.content.list)

    def _on_content_fetch(self, request: Request, sid: str) -> Response:
        return self._content_call(request, self.content.fetch, sid)

    def _on_content_delete(self, request: Request, sid: str) -> Response:
        return self._content_call(request, self.content.delete, sid)

    def _on_approval_create(self, request: Request, sid: str) -> Response:
        return self._content_call(request, self.content.request_approval, sid)

    def _on_approval_fetch(self, request: Request, sid: str) -> Response:
        return self._content_call(request, self.content.fetch_approval, sid)

    def _content_call(self, request: Request, handler: Callable[..., Response], *args: str) -> Response:
        if basic_auth(request) != (self.account_sid, self.auth_token):
            return unauthorized()
        return handler(request, *args)

    def _on_reset(self, request: Request) -> Response:
        self.reset()
        return Response(status=204)

    def _on_upload(self, request: Request) -> Response:
        content_type = request.mimetype or "application/octet-stream"
        url = self.add_media(request.get_data(), content_type)
        return Response(
            json.dumps({"url": url, "content_type": content_type}), status=201, mimetype="application/json"
        )

    def _on_health(self, request: Request) -> Response:
        return Response(
            json.dumps({"ok": True, "account_sid": self.account_sid}), mimetype="application/json"
        )


def main() -> None:
    """Run a stand-in with the embedded-mode credentials (``python -m standins.twilio``)."""
    from bot import defaults

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    TwilioStandIn(
        defaults.DEV_TWILIO_ACCOUNT_SID, defaults.DEV_TWILIO_AUTH_TOKEN, port=defaults.DEFAULT_STANDIN_PORT
    ).serve_forever()


if __name__ == "__main__":
    main()
