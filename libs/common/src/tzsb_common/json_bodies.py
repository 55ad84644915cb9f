"""JSON request bodies are read as JSON says, not as Python would like.

pydantic's default ("lax") mode coerces: `true` becomes 1.0, `"yes"` becomes True, `"1000"`
becomes 1000, and a date-time string is accepted for a date. FastAPI also validates the body in
pydantic's Python mode, where strict mode would refuse the string forms of UUIDs and dates that
JSON has no other way to carry. So every route with a JSON body validates it here, once, in
pydantic's JSON mode with `strict=True` (UUID, date and date-time fields take their ISO string
forms; nothing else is coerced), after refusing a JSON object that repeats a key (the standard
parser would silently keep the last value). FastAPI then receives the validated model and
accepts it as it is; its OpenAPI generation is untouched because the routes stay FastAPI routes.

`StrictModel` is the base of every request model, so a model validated outside HTTP (a test, a
consumer) is strict too.
"""

from __future__ import annotations

import email.message
import functools
import inspect
import json
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import Annotated, Any, cast

import fastapi.routing
import jiter
from fastapi import Request, Response, params
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from tzsb_common.auth import authenticate, current_principal
from tzsb_common.problems import (
    DEFAULT_MAX_VALIDATION_ERRORS,
    Problem,
    ValidationFailed,
    field_error,
)


class StrictModel(BaseModel):
    """Base of request models: JSON types as sent, unknown fields refused, no NaN/Infinity."""

    model_config = ConfigDict(strict=True, extra="forbid", allow_inf_nan=False)


class DuplicateKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):  # the common case costs one length comparison
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(key)
            seen.add(key)
    return document


def parse_json_refusing_duplicate_keys(raw: bytes) -> Any:
    """`json.loads`, except that an object repeating a key raises `DuplicateKeyError`.

    jiter (the parser inside pydantic, by its authors) finds repeated keys itself, in Rust: a
    batch of 1,000 fills parses in two thirds of the time the standard parser takes with a
    Python hook called for each of its 3,000 objects. A body jiter refuses is parsed again by
    the standard library, whose errors name the repeated key or the position of the fault; a
    body only jiter refuses (nested deeper than its limit, UTF-16) is as the standard parser
    reads it, and pydantic, which reads with jiter, refuses it next."""
    try:
        return jiter.from_json(raw, catch_duplicate_keys=True, cache_mode="keys")
    except ValueError:
        return json.loads(raw, object_pairs_hook=_refuse_duplicate_keys)


def unsupported_media_type() -> Problem:
    return Problem(
        status=415,
        slug="unsupported-media-type",
        title="Unsupported media type",
        detail="Send the body as application/json.",
    )


@functools.lru_cache(maxsize=64)
def _is_json_media_type(content_type: str) -> bool:
    # Parsed by the standard library's rules (parameters, case, `+json`), once per distinct
    # header: clients send the same few, and the parse cost about 20 µs of every write.
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class _ReadBodyRequest(Request):
    """The request as FastAPI's handler sees it: the body already read and validated."""

    def __init__(self, request: Request, raw: bytes, value: Any) -> None:
        super().__init__(request.scope, request.receive)
        self._raw_body = raw
        self._value = value

    async def body(self) -> bytes:
        return self._raw_body

    async def json(self) -> Any:
        return self._value


def _invalid_json(reason: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "json_invalid",
                "loc": ("body",),
                "msg": "JSON decode error",
                "ctx": {"error": reason},
            }
        ]
    )


def _duplicate_key(key: str) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "duplicate_key",
                "loc": ("body",),
                "msg": f"The key {key!r} appears more than once in one JSON object",
            }
        ]
    )


class StrictJsonRoute(APIRoute):
    """An APIRoute whose JSON body is validated strictly, in JSON mode, once."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        body_params = self.dependant.body_params
        if self.body_field is None or not body_params:
            return handler
        if isinstance(self.body_field.field_info, params.Form):  # File is a Form too
            return handler
        # One non-embedded body parameter is the body itself; several (or an embedded one) are
        # the fields of the object FastAPI generated for them. Either is validated here, in JSON
        # mode; FastAPI then takes the validated values as they are.
        embedded = len(body_params) > 1 or self._embed_body_fields
        body_type: Any = (
            self.body_field.field_info.annotation
            if embedded
            else Annotated[body_params[0].field_info.annotation, body_params[0].field_info]
        )
        adapter: TypeAdapter[Any] = TypeAdapter(body_type)
        known_keys = None if embedded else _known_keys_of(body_params[0].field_info.annotation)
        needs_caller = _depends_on(self.dependant, current_principal)
        decisions = _decisions_on_the_caller(self.dependant)
        _refuse_pending_body_before_endpoint(_route_in_effect(self).dependant)

        async def strict_json_handler(request: Request) -> Response:
            if needs_caller:
                caller = await authenticate(request)  # 401 before the body is even read
                for decide, parameter in decisions:  # and 403 too
                    await decide(**{parameter: caller})
            raw = await request.body()
            if not raw:
                return await handler(request)  # FastAPI answers the missing body
            try:
                value = _strictly_validated(request, raw)
            except (Problem, RequestValidationError) as refusal:
                # Not answered yet: the route's own dependencies — who may do this — come
                # first, so a caller who may not write learns that and nothing about its body.
                return await _refusing_body(handler, request, raw, refusal)
            return await handler(_ReadBodyRequest(request, raw, value))

        def _strictly_validated(request: Request, raw: bytes) -> Any:
            content_type = request.headers.get("content-type")
            if content_type is None or not _is_json_media_type(content_type):
                raise unsupported_media_type()
            try:
                document = parse_json_refusing_duplicate_keys(raw)
            except DuplicateKeyError as exc:
                raise _duplicate_key(exc.key) from None
            except (ValueError, RecursionError) as exc:  # JSONDecodeError and bad UTF-8
                raise _invalid_json(_decode_reason(exc)) from None
            if known_keys is not None and isinstance(document, dict):
                _refuse_a_flood_of_unknown_keys(request, document, known_keys)
            try:
                value = adapter.validate_json(raw, strict=True)
            except ValidationError as exc:
                errors = exc.errors(include_url=False, include_input=False, include_context=False)
                raise RequestValidationError(
                    [{**error, "loc": ("body", *error["loc"])} for error in errors]
                ) from None
            if embedded:
                # FastAPI looks the parts up by their names in the body.
                value = {
                    info.alias or name: getattr(value, name)
                    for name, info in type(value).model_fields.items()
                }
            return value

        return strict_json_handler


class _RefusedBody:
    """What FastAPI is handed in place of a body already refused."""


_REFUSED_BODY = _RefusedBody()
_pending_refusal: ContextVar[Problem | RequestValidationError | None] = ContextVar(
    "pending_body_refusal", default=None
)


def _route_in_effect(route: APIRoute) -> APIRoute:
    """The route whose dependant FastAPI's handler is built on: since FastAPI 0.16x an included
    router builds each route's handler for an effective copy, announced in a context variable
    while `get_route_handler` runs ("integrations may wrap dependant.call while constructing the
    handler")."""
    context_var = getattr(fastapi.routing, "_effective_route_context_var", None)
    context = context_var.get() if context_var is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        return cast(APIRoute, context)
    return route


def _refuse_pending_body_before_endpoint(dependant: Dependant) -> None:
    """Wrap the endpoint so that, once FastAPI has run every dependency of the route, a body
    refused earlier is answered instead of the endpoint being called."""
    endpoint = dependant.call
    if endpoint is None or getattr(endpoint, "__tzsb_refuses_pending_body__", False):
        return
    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = _pending_refusal.get()
            if refusal is not None:
                raise refusal
            return await endpoint(*args, **kwargs)

    else:

        @functools.wraps(endpoint)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            refusal = _pending_refusal.get()
            if refusal is not None:
                raise refusal
            return endpoint(*args, **kwargs)

    guarded.__tzsb_refuses_pending_body__ = True  # type: ignore[attr-defined]
    dependant.call = guarded


async def _refusing_body(
    handler: Callable[[Request], Coroutine[Any, Any, Response]],
    request: Request,
    raw: bytes,
    refusal: Problem | RequestValidationError,
) -> Response:
    token = _pending_refusal.set(refusal)
    try:
        await handler(_ReadBodyRequest(request, raw, _REFUSED_BODY))
    except RequestValidationError as exc:
        if exc is refusal or not isinstance(refusal, RequestValidationError):
            raise refusal from None
        # FastAPI's own check of the stand-in failed: keep what it found wrong outside the
        # body (path, query, headers) beside our findings in the body.
        elsewhere = [e for e in exc.errors() if tuple(e.get("loc", ()))[:1] != ("body",)]
        raise RequestValidationError([*elsewhere, *refusal.errors()]) from None
    finally:
        _pending_refusal.reset(token)
    # The guarded endpoint raises the refusal; a handler that answered anyway is a bug here.
    raise AssertionError("a refused body reached its endpoint")


def _decisions_on_the_caller(
    dependant: Dependant,
) -> list[tuple[Callable[..., Awaitable[Any]], str]]:
    """The route's dependencies that decide from the caller alone (`EquipmentWriter`,
    `BureauPrincipal`, …): each takes only the verified principal, so it can run before the
    body is read — a caller who may not do this is refused without its body being touched.
    FastAPI runs them again in their turn; they are pure and cheap."""
    decisions: list[tuple[Callable[..., Awaitable[Any]], str]] = []
    for sub in dependant.dependencies:
        only = sub.dependencies[0] if len(sub.dependencies) == 1 else None
        takes_nothing_else = not (
            sub.path_params
            or sub.query_params
            or sub.header_params
            or sub.cookie_params
            or sub.body_params
        )
        if (
            sub.call is not None
            and inspect.iscoroutinefunction(sub.call)
            and only is not None
            and only.call is current_principal
            and only.name is not None
            and takes_nothing_else
        ):
            decisions.append((sub.call, only.name))
        else:
            decisions.extend(_decisions_on_the_caller(sub))
    return decisions


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(sub.call is call or _depends_on(sub, call) for sub in dependant.dependencies)


def _known_keys_of(annotation: Any) -> frozenset[str] | None:
    """The keys a model refusing unknown ones accepts; None for anything else."""
    if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
        return None
    if annotation.model_config.get("extra") != "forbid":
        return None
    keys = set(annotation.model_fields)
    keys.update(f.alias for f in annotation.model_fields.values() if f.alias)
    return frozenset(keys)


def _refuse_a_flood_of_unknown_keys(
    request: Request, document: dict[str, Any], known_keys: frozenset[str]
) -> None:
    """More unknown keys than a problem lists: answer from the keys alone. pydantic would build
    an error object for every one of them first (about a second for 50,000 keys here) only for
    all but the first few to be dropped."""
    settings = getattr(request.app.state, "settings", None)
    max_errors = getattr(settings, "max_validation_errors", DEFAULT_MAX_VALIDATION_ERRORS)
    if len(document) <= max_errors:
        return
    unknown = [key for key in document if key not in known_keys]
    if len(unknown) <= max_errors:
        return
    errors = [
        field_error(["body", key], "Extra inputs are not permitted", "extra_forbidden")
        for key in unknown[:max_errors]
    ]
    raise ValidationFailed(
        errors,
        detail=f"{len(unknown)} fields are not known (other errors are not reported)",
        max_errors=max_errors,
        errors_omitted=len(unknown) - max_errors,
    )


def _decode_reason(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno} column {exc.colno})"
    if isinstance(exc, UnicodeDecodeError):
        return "the body is not UTF-8"
    if isinstance(exc, RecursionError):
        return "the body nests too deeply"
    return "unreadable"
