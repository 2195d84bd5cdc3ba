"""Pure ASGI middleware: request id, body cap, default headers and the access log."""

import logging
import re
import time
import uuid
from collections.abc import Callable, Mapping

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import AppError, internal_error
from app.core.i18n import start_request
from app.core.logging import account_id_var, request_id_var

log = logging.getLogger("waymark.access")

# Called once per request with method, route template, status and seconds (metrics).
Observer = Callable[[str, str, int, float], None]

SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
DEFAULT_BODY_LIMIT = 64 * 1024


class RequestContextMiddleware:
    """Gives every request an id, answers with it, sets safe default headers, logs one line.

    Responses are `Cache-Control: no-store` unless a route chose otherwise: member data must never
    sit in a shared computer's cache, and forgetting the header on a new route must fail safe.
    """

    def __init__(self, app: ASGIApp, observe: Observer | None = None) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent_id = _header(scope, b"x-request-id")
        request_id = sent_id if sent_id and SANE_REQUEST_ID.fullmatch(sent_id) else uuid.uuid4().hex
        request_token = request_id_var.set(request_id)
        account_token = account_id_var.set(None)
        chosen = start_request(_header(scope, b"accept-language"))
        started = time.perf_counter()
        status_holder = [500]
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                response_started = True
                headers = MutableHeaders(scope=message)
                headers["X-Request-ID"] = request_id
                headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                # Words depend on the language asked for: caches must keep each apart.
                headers["Content-Language"] = chosen.language
                headers.add_vary_header("Accept-Language")
            await send(message)

        try:
            if _has_nul(scope.get("query_string", b"")):
                await NUL_IN_QUERY.to_response()(scope, receive, send_with_headers)
                return
            await self.app(scope, receive, send_with_headers)
        except Exception as exc:
            # Answer here rather than in Starlette's outermost handler, so even a 500 carries
            # the request id. The traceback goes to the log, nothing of it to the client.
            log.error("unhandled %s", type(exc).__name__, exc_info=exc)
            if response_started:
                raise  # half a response is out; the server closes the connection
            status_holder[0] = 500
            await internal_error().to_response()(scope, receive, send_with_headers)
        finally:
            # The signed-in account is known only after authentication, which ran in a worker
            # thread; it leaves its id in the request state for this line.
            account_id_var.set(scope.get("state", {}).get("account_id"))
            # The route template as documented (no `:uuid`), never the raw path or query string
            # (dates, search terms).
            route = getattr(scope.get("route"), "path_format", "unmatched")
            seconds = time.perf_counter() - started
            log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "route": route,
                    "status": status_holder[0],
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
            if self.observe is not None:
                self.observe(scope["method"], route, status_holder[0], seconds)
            account_id_var.reset(account_token)
            request_id_var.reset(request_token)


class BodyLimitMiddleware:
    """413 for bodies over the cap, whether announced by Content-Length or streamed."""

    def __init__(
        self,
        app: ASGIApp,
        default_limit: int = DEFAULT_BODY_LIMIT,
        limits_by_path: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits_by_path = dict(limits_by_path or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits_by_path.get(scope["path"], self.default_limit)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(limit)(scope, receive, send)
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started:
                await _too_large(limit)(scope, receive, send)


class _BodyTooLarge(HTTPException):
    """Raised from receive(); FastAPI passes HTTP exceptions through its body parsing untouched."""

    def __init__(self) -> None:
        super().__init__(413)


def _too_large(limit: int) -> ASGIApp:
    size = f"{limit // 1024 // 1024} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
    return AppError(413, "body-too-large", f"The request body is larger than {size}.").to_response()


# A NUL is never text a client means, and PostgreSQL refuses it in any text value.
NUL_IN_QUERY = AppError(
    422,
    "validation",
    "The request is not valid.",
    errors=[{"loc": ["query"], "msg": "The query string contains a NUL character."}],
)


def _has_nul(query_string: bytes) -> bool:
    return b"\x00" in query_string or b"%00" in query_string


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None
