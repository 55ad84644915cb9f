"""RFC 9457 problem details (`application/problem+json`) for every error a service answers.

Each kind of error has a stable `type` URI (`urn:tzsb:problem:<slug>`) that integrators can
switch on; `title` is the human summary of that type and `detail` explains this occurrence.
Nothing internal — stack traces, SQL, the submitted values — ever goes into a problem body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, TypedDict

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from tzsb_common.logging import get_logger, request_id_var

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:tzsb:problem:"
DEFAULT_MAX_VALIDATION_ERRORS = 50
"""A validation problem lists at most this many errors (setting `max_validation_errors`): a
body of a million bad keys must not buy an answer ten times its size."""

_log = get_logger(__name__)


def problem_type(slug: str) -> str:
    return f"{PROBLEM_TYPE_PREFIX}{slug}"


class Problem(Exception):
    """An error that knows how it is answered. Raise it from routes and dependencies."""

    def __init__(
        self,
        *,
        status: int,
        slug: str,
        title: str,
        detail: str | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.extensions = extensions
        self.headers: dict[str, str] = {}

    @property
    def type(self) -> str:
        return problem_type(self.slug)

    def body(self, instance: str | None = None) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
        }
        if self.detail is not None:
            document["detail"] = self.detail
        if instance is not None:
            document["instance"] = instance
        document.update(jsonable_encoder(self.extensions))
        # Clients quote this id when they report a problem; it ties the answer to our logs.
        document.setdefault("request_id", request_id_var.get())
        return document

    def to_response(self, instance: str | None = None) -> JSONResponse:
        return JSONResponse(
            self.body(instance),
            status_code=self.status,
            media_type=PROBLEM_MEDIA_TYPE,
            headers=self.headers or None,
        )


class NotFound(Problem):
    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(
            status=404, slug="not-found", title="Not found", detail=detail, **extensions
        )


class Conflict(Problem):
    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(status=409, slug="conflict", title="Conflict", detail=detail, **extensions)


class PreconditionFailed(Problem):
    """412: the `If-Match` of a conditional write names a version that is no longer current."""

    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(
            status=412,
            slug="precondition-failed",
            title="Precondition failed",
            detail=detail,
            **extensions,
        )


class Forbidden(Problem):
    def __init__(self, detail: str | None = None, **extensions: Any) -> None:
        super().__init__(
            status=403, slug="forbidden", title="Forbidden", detail=detail, **extensions
        )


class Unauthorized(Problem):
    """401 with the `WWW-Authenticate` challenge of RFC 6750.

    `invalid_token` distinguishes a token that was presented but refused from no token at all;
    RFC 6750 §3.1 says a request without credentials gets the bare challenge.
    """

    def __init__(
        self, detail: str | None = None, *, invalid_token: bool = False, **extensions: Any
    ) -> None:
        super().__init__(
            status=401, slug="unauthorized", title="Unauthorized", detail=detail, **extensions
        )
        self.headers["WWW-Authenticate"] = (
            'Bearer error="invalid_token"' if invalid_token else "Bearer"
        )


class PayloadTooLarge(Problem):
    def __init__(
        self, detail: str | None = None, *, max_bytes: int | None = None, **extensions: Any
    ) -> None:
        if max_bytes is not None:
            extensions["max_bytes"] = max_bytes
        super().__init__(
            status=413,
            slug="payload-too-large",
            title="Payload too large",
            detail=detail,
            **extensions,
        )


class FieldError(TypedDict):
    """One offending input: where (`["body", "credit_code"]`), what is wrong, a stable code."""

    location: list[str | int]
    field: str
    message: str
    code: str


def field_error(location: Sequence[str | int], message: str, code: str) -> FieldError:
    """`field` is the location without its source (`body`, `query`, `path`, `header`)."""
    parts = list(location)
    field = ".".join(str(part) for part in parts[1:]) or (str(parts[0]) if parts else "")
    return FieldError(location=parts, field=field, message=message, code=code)


class ValidationFailed(Problem):
    """422 listing the offending fields: the first `max_errors`, and in `errors_omitted` how
    many more there were."""

    def __init__(
        self,
        errors: Sequence[FieldError],
        detail: str | None = None,
        *,
        max_errors: int = DEFAULT_MAX_VALIDATION_ERRORS,
        **extensions: Any,
    ) -> None:
        listed = list(errors[:max_errors])
        if len(errors) > len(listed):
            extensions["errors_omitted"] = len(errors) - len(listed)
        super().__init__(
            status=422,
            slug="validation-error",
            title="Validation failed",
            detail=detail or _count_invalid_fields(len(errors)),
            errors=listed,
            **extensions,
        )
        self.errors = listed

    @classmethod
    def at(
        cls, location: Sequence[str | int], message: str, code: str = "invalid"
    ) -> ValidationFailed:
        """A single offending field, for checks made outside pydantic (a cursor, a rule)."""
        return cls([field_error(location, message, code)])


def _count_invalid_fields(count: int) -> str:
    return "1 field is invalid" if count == 1 else f"{count} fields are invalid"


class ServiceUnavailable(Problem):
    def __init__(
        self,
        detail: str | None = None,
        *,
        slug: str = "service-unavailable",
        retry_after_s: int | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(
            status=503, slug=slug, title="Service unavailable", detail=detail, **extensions
        )
        if retry_after_s is not None:
            self.headers["Retry-After"] = str(retry_after_s)


class TooManyRequests(Problem):
    """429 with `Retry-After` (RFC 6585): the caller is over a rate limit."""

    def __init__(self, detail: str | None = None, *, retry_after_s: int, **extensions: Any) -> None:
        super().__init__(
            status=429,
            slug="too-many-requests",
            title="Too many requests",
            detail=detail,
            retry_after_s=retry_after_s,
            **extensions,
        )
        self.headers["Retry-After"] = str(retry_after_s)


def database_unavailable() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The database is unreachable; retry shortly.",
        slug="database-unavailable",
        retry_after_s=5,
    )


def internal_error() -> Problem:
    return Problem(
        status=500,
        slug="internal-error",
        title="Internal server error",
        detail="An unexpected error occurred; quote the request_id when reporting it.",
    )


def answer_unhandled_error(exc: BaseException, *, method: str, path: str) -> JSONResponse:
    """The answer to an exception no route anticipated.

    A database that cannot be reached is an outage, not a bug: 503 with a warning. Anything else
    is logged with its traceback (the log pipeline adds the request id) and answered with a
    generic 500 that tells the client nothing about the cause.
    """
    if is_database_unavailable(exc):
        _log.warning("database unavailable", method=method, path=path, error=type(exc).__name__)
        return database_unavailable().to_response(path)
    if is_unstorable_value(exc):
        _log.info("value refused by the database", method=method, path=path)
        return unstorable_value().to_response(path)
    _log.error("unhandled exception", method=method, path=path, exc_info=exc)
    return internal_error().to_response(path)


# --- recognising "the database is down" ------------------------------------------------------

# SQLSTATE classes that mean the server cannot be talked to right now, rather than that the
# request was wrong: 08 connection exception, 57P01/02/03 shutdown or starting up, 53300 too
# many connections, 57014 a statement cancelled by `statement_timeout` (the database did not
# answer in time). Matching on SQLSTATE keeps this independent of the driver's class tree.
_UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53300", "57014")
_DATABASE_MODULE_PREFIXES = ("asyncpg", "sqlalchemy")


def is_database_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what it wraps) says the database cannot be reached."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _signals_unreachable_database(current):
            return True
        # Follow explicit wrapping (`raise … from`) and implicit chaining unless suppressed.
        current = current.__cause__ or (
            None if current.__suppress_context__ else current.__context__
        )
    return False


def is_unstorable_value(exc: BaseException) -> bool:
    """SQLSTATE class 22 (data exception): a value PostgreSQL cannot store, e.g. a NUL
    character in text or a number out of range — the client's input, not our bug."""
    current: BaseException | None = exc
    for _ in range(5):
        if current is None:
            return False
        sqlstate = getattr(current, "sqlstate", None) or getattr(
            getattr(current, "orig", None), "sqlstate", None
        )
        if isinstance(sqlstate, str) and sqlstate.startswith("22"):
            return True
        current = current.__cause__ or current.__context__
    return False


def unstorable_value() -> Problem:
    return Problem(
        status=422,
        slug="unstorable-value",
        title="Value cannot be stored",
        detail="A value in the request cannot be stored (for example a NUL character in text).",
    )


def _signals_unreachable_database(exc: BaseException) -> bool:
    # sqlalchemy.exc.TimeoutError is the pool giving up waiting for a connection.
    if isinstance(exc, sa_exc.OperationalError | sa_exc.TimeoutError):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATE_PREFIXES):
        return True
    # A refused or timed-out connect surfaces as a bare OSError/TimeoutError (SQLAlchemy only
    # wraps DBAPI errors); it is the database's only if the driver raised it.
    return isinstance(exc, OSError) and _raised_inside(exc, _DATABASE_MODULE_PREFIXES)


def _raised_inside(exc: BaseException, module_prefixes: tuple[str, ...]) -> bool:
    traceback = exc.__traceback__
    while traceback is not None:
        module = traceback.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.startswith(module_prefixes):
            return True
        traceback = traceback.tb_next
    return False


# --- handlers --------------------------------------------------------------------------------

_HTTP_STATUS_SLUGS: Mapping[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    409: ("conflict", "Conflict"),
    412: ("precondition-failed", "Precondition failed"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("validation-error", "Validation failed"),
    429: ("too-many-requests", "Too many requests"),
    503: ("service-unavailable", "Service unavailable"),
}


_STATUSES_WITHOUT_BODY = frozenset({204, 304})


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.to_response(request.url.path)


async def _request_validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    settings = getattr(request.app.state, "settings", None)
    max_errors = getattr(settings, "max_validation_errors", DEFAULT_MAX_VALIDATION_ERRORS)
    raw_errors = exc.errors()
    # Only the listed errors are converted: the count of the others is all the answer needs.
    errors = [_field_error_from_pydantic(error) for error in raw_errors[:max_errors]]
    problem = ValidationFailed(errors, detail=_count_invalid_fields(len(raw_errors)))
    if len(raw_errors) > len(errors):
        problem.extensions["errors_omitted"] = len(raw_errors) - len(errors)
    return problem.to_response(request.url.path)


def _field_error_from_pydantic(error: Mapping[str, Any]) -> FieldError:
    # Only loc, msg and type are used: pydantic's `input` (and FastAPI's copy of the body) may
    # hold a secret or personal data and is never echoed back.
    location: list[str | int] = list(error.get("loc", ()))
    code = str(error.get("type", "invalid"))
    message = str(error.get("msg", "invalid value"))
    if code == "json_invalid":
        # FastAPI puts the character offset after "body"; the body as a whole is what is wrong.
        location = location[:1] or ["body"]
        reason = (error.get("ctx") or {}).get("error")
        message = (
            f"The body is not valid JSON: {reason}" if reason else "The body is not valid JSON"
        )
    return field_error(location, message, code)


async def _http_exception_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code in _STATUSES_WITHOUT_BODY:
        return Response(status_code=exc.status_code, headers=exc.headers)
    slug, title = _HTTP_STATUS_SLUGS.get(exc.status_code) or _generic_slug(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail else None
    if detail is not None and detail.casefold() == title.casefold():
        detail = None
    problem = Problem(status=exc.status_code, slug=slug, title=title, detail=detail)
    if exc.headers:
        problem.headers.update(exc.headers)
    if exc.status_code == 405:
        # The router names the methods of the first route matching the path only; a path
        # served by several routes (GET and PATCH on one record) supports them all.
        problem.headers["Allow"] = ", ".join(allowed_methods(request))
    return problem.to_response(request.url.path)


_HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path."""
    allowed: list[str] = []
    for method in _HTTP_METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] is Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


def _generic_slug(status: int) -> tuple[str, str]:
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    return f"http-{status}", title


async def _unhandled_error_handler(request: Request, exc: Exception) -> JSONResponse:
    return answer_unhandled_error(exc, method=request.method, path=request.url.path)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error raised while serving a request as a problem document."""
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(RequestValidationError, _request_validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_exception_handler)
    # Database and connection failures are answered here, next to the route, so an outage is a
    # clean 503 rather than an exception that reaches the server. TimeoutError is an OSError.
    app.add_exception_handler(sa_exc.SQLAlchemyError, _unhandled_error_handler)
    app.add_exception_handler(OSError, _unhandled_error_handler)
    # Anything else escapes to the outermost layer. `install_http_middleware` answers it there
    # within the request's context (request id, access log); this handler is the fallback for
    # an app without that middleware.
    app.add_exception_handler(Exception, _unhandled_error_handler)
