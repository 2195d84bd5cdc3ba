"""Every error leaves as application/problem+json (RFC 9457) and never carries internals."""

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from babel.lists import format_list
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.core.crypto import UnreadableData
from app.core.i18n import N_, _, current_language, ngettext

log = logging.getLogger("waymark.errors")

PROBLEM_JSON = "application/problem+json"
DB_RETRY_AFTER_SECONDS = 5


# Problem titles by status, in plain words a translation can follow (RFC 9457 lets a title be
# localised; `type` stays the stable identifier).
TITLES = {
    400: N_("Bad request"),
    401: N_("Sign-in needed"),
    403: N_("Not allowed"),
    404: N_("Not found"),
    405: N_("Method not allowed"),
    409: N_("Conflict"),
    412: N_("Changed since"),
    413: N_("Too large"),
    415: N_("Unsupported format"),
    422: N_("Not valid"),
    429: N_("Too many tries"),
    500: N_("Something went wrong"),
    503: N_("Unavailable for now"),
}
# What a 404 says about each kind of thing.
NOT_FOUND = {
    "account": N_("No such account."),
    "check-in": N_("No such check-in."),
    "group with this invite code": N_("No group has this invite code."),
    "group": N_("No such group."),
    "meeting": N_("No such meeting."),
    "member": N_("No such member."),
    "removal": N_("No such removal."),
    "request": N_("No such request."),
    "resource": N_("No such resource."),
    "service at location": N_("No such service at this location."),
    "service": N_("No such service."),
    "session": N_("No such session."),
}
NOT_VALID = N_("The request is not valid.")


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


class AppError(Exception):
    """An error a client is meant to see: status, a stable type slug, a title and a detail."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        *,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.slug = slug
        self.title = title or TITLES.get(status) or HTTPStatus(status).phrase
        self.detail = detail
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors is not None else None

    def to_response(self) -> JSONResponse:
        # In the reader's language: messages written as catalog entries are translated here.
        body: dict[str, Any] = {
            "type": problem_type(self.slug),
            "title": _(self.title),
            "status": self.status,
            "detail": _(self.detail),
        }
        if self.errors is not None:
            body["errors"] = [
                {**error, "msg": _(error["msg"])} if "msg" in error else error
                for error in self.errors
            ]
        return JSONResponse(
            body, status_code=self.status, headers=self.headers, media_type=PROBLEM_JSON
        )


def internal_error() -> AppError:
    return AppError(500, "internal", N_("Something went wrong on our side. Nothing was saved."))


def unauthorized(detail: str = N_("A valid bearer token is required.")) -> AppError:
    return AppError(401, "unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def not_found(what: str = "resource") -> AppError:
    return AppError(404, "not-found", NOT_FOUND.get(what, N_("Nothing is here.")))


def refuse_removal(patch: Any, required: Sequence[str]) -> None:
    """422 when a PATCH sends null for a field that must always have a value."""
    for name in required:
        if name in patch.model_fields_set and getattr(patch, name) is None:
            raise AppError(
                422,
                "validation",
                _("`%(name)s` cannot be removed.") % {"name": name},
                errors=[{"loc": ["body", name], "msg": N_("May not be null.")}],
            )


def validation_problem(loc: Sequence[str | int], msg: str) -> AppError:
    return AppError(422, "validation", NOT_VALID, errors=[{"loc": list(loc), "msg": msg}])


def _clean_validation_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # Only where and why: pydantic's "input" and "ctx" would echo what was sent (a password, say).
    return [{"loc": list(error.get("loc", ())), "msg": plain_message(error)} for error in errors]


# Our own words for pydantic's kinds of error, in place of its English (which leaks patterns and
# "Value error, …" prefixes); the checks that Waymark writes itself say theirs.
SIMPLE_MESSAGES = {
    "missing": N_("This is required."),
    "extra_forbidden": N_("This is not a field we know."),
    "string_type": N_("Use text here."),
    "string_pattern_mismatch": N_("This does not have the form it needs; see the examples."),
    "string_unicode": N_("Text must be valid Unicode without NUL characters."),
    "int_type": N_("Use a whole number."),
    "int_parsing": N_("Use a whole number."),
    "int_from_float": N_("Use a whole number."),
    "float_type": N_("Use a number."),
    "float_parsing": N_("Use a number."),
    "finite_number": N_("Use a number."),
    "bool_type": N_("Use true or false."),
    "bool_parsing": N_("Use true or false."),
    "list_type": N_("Use a list here."),
    "dict_type": N_("Use an object here."),
    "model_type": N_("Use an object here."),
    "model_attributes_type": N_("Use an object here."),
    "uuid_type": N_("This is not a valid id."),
    "uuid_parsing": N_("This is not a valid id."),
    "date_type": N_("Use a calendar date as YYYY-MM-DD."),
    "date_parsing": N_("Use a calendar date as YYYY-MM-DD."),
    "date_from_datetime_parsing": N_("Use a calendar date as YYYY-MM-DD."),
    "date_from_datetime_inexact": N_("Use a calendar date as YYYY-MM-DD."),
    "datetime_type": N_("Use an RFC 3339 time with its offset, such as 2026-11-23T08:00:00Z."),
    "datetime_parsing": N_("Use an RFC 3339 time with its offset, such as 2026-11-23T08:00:00Z."),
}
LIMITS = {
    "greater_than_equal": ("ge", N_("Use %(limit)s or more.")),
    "less_than_equal": ("le", N_("Use %(limit)s or less.")),
    "greater_than": ("gt", N_("Use more than %(limit)s.")),
    "less_than": ("lt", N_("Use less than %(limit)s.")),
}


def plain_message(error: Mapping[str, Any]) -> str:
    """What was wrong, in the reader's language, without echoing what was sent."""
    kind, context = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "value_error":
        return _(str(context.get("error", ""))) or _("This value is not valid.")
    if kind in SIMPLE_MESSAGES:
        return _(SIMPLE_MESSAGES[kind])
    if kind in LIMITS:
        name, words = LIMITS[kind]
        return _(words) % {"limit": context.get(name)}
    if kind in ("string_too_short", "too_short"):
        least = int(context.get("min_length", 1))
        if least <= 1:
            return _("This cannot be empty.")
        if kind == "string_too_short":
            words = ngettext(
                "Use at least %(count)d character.", "Use at least %(count)d characters.", least
            )
        else:
            words = ngettext(
                "Give at least %(count)d item.", "Give at least %(count)d items.", least
            )
        return words % {"count": least}
    if kind in ("string_too_long", "too_long"):
        most = int(context.get("max_length", 0))
        if kind == "string_too_long":
            words = ngettext(
                "Use at most %(count)d character.", "Use at most %(count)d characters.", most
            )
        else:
            words = ngettext("Give at most %(count)d item.", "Give at most %(count)d items.", most)
        return words % {"count": most}
    if kind in ("literal_error", "enum"):
        allowed = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        if allowed:
            listed = format_list(allowed, style="or", locale=current_language())
            return _("Use one of: %(allowed)s.") % {"allowed": listed}
    if kind in OUR_CHECKS:
        # A check of our own (a PydanticCustomError): its words are a catalog entry.
        return _(str(error.get("msg", "")))
    return _("This value is not valid.")


# The kinds of our own checks that raise PydanticCustomError with words of ours.
OUR_CHECKS = frozenset(("handle", "timezone", "meeting_type", "meeting"))


async def _app_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    return exc.to_response()


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        detail = N_("The request body is not valid JSON.")
        return AppError(400, "malformed-json", detail).to_response()
    return AppError(
        422, "validation", NOT_VALID, errors=_clean_validation_errors(errors)
    ).to_response()


def _allowed_methods(request: Request) -> str:
    """Every method served at the request's path. Starlette's own 405 names only the methods of
    the first route whose path matched, and FastAPI makes one route per method."""
    allowed = []
    for method in ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"):
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return ", ".join(allowed)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    details = {
        404: ("not-found", N_("Nothing is here.")),
        405: ("method-not-allowed", N_("This method is not allowed here.")),
        413: ("body-too-large", N_("The request body is too large.")),
    }
    slug, detail = details.get(exc.status_code, ("http-error", HTTPStatus(exc.status_code).phrase))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return AppError(exc.status_code, slug, detail, headers=headers).to_response()


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("database unavailable: %s", type(exc).__name__)
    return AppError(
        503,
        "database-unavailable",
        N_("The service cannot reach its database. Nothing was saved; try again shortly."),
        headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)},
    ).to_response()


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # The traceback goes to the log (bound SQL parameters are hidden at the engine); the client
    # gets nothing that describes the inside.
    log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return internal_error().to_response()


async def _unreadable(_request: Request, exc: Exception) -> JSONResponse:
    # Never the text of another row or member: the value is refused whole, and logged.
    log.error("a sealed value did not decrypt (%s)", exc)
    return AppError(
        500,
        "unreadable-data",
        N_("Some stored private data cannot be read. It was not shown; nothing was changed."),
    ).to_response()


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(UnreadableData, _unreadable)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _db_error)


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    if exc.connection_invalidated:
        return await _database_unavailable(request, exc)
    return await _unexpected(request, exc)


class Problem(BaseModel):
    """RFC 9457 problem details, as every error is sent."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
