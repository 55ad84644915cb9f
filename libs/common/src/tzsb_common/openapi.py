"""OpenAPI that tells the truth about errors: every operation documents its problem responses.

FastAPI documents only the success and a 422 in its own shape; integrators generate clients from
the document, so it must say that errors are `application/problem+json` and which may occur.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from tzsb_common.problems import PROBLEM_MEDIA_TYPE


class ProblemFieldError(BaseModel):
    location: list[str | int] = Field(description='Where, e.g. ["body", "credit_code"]')
    field: str = Field(description="The location without its source, e.g. credit_code")
    message: str
    code: str = Field(description="Stable code, e.g. missing, credit_code_invalid")


class ProblemDetails(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="Stable per kind of error, e.g. urn:tzsb:problem:not-found")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = Field(default=None, description="The request path")
    request_id: str | None = Field(default=None, description="Quote it when reporting a problem")
    errors: list[ProblemFieldError] | None = Field(
        default=None,
        description="Validation problems: the offending fields (at most MAX_VALIDATION_ERRORS)",
    )
    errors_omitted: int | None = Field(
        default=None, description="Validation problems: how many more errors were not listed"
    )


_PROBLEMS_BY_STATUS = {
    "401": "No token, or a token that is forged, expired, of a revoked client or for another "
    "audience",
    "403": "The caller's kind or scopes do not allow this",
    "404": "No such record, or not one this caller may see",
    "409": "The record already exists or conflicts with another",
    "413": "The body or batch is over the limit",
    "422": "Invalid input: the offending fields with their locations (the first "
    "MAX_VALIDATION_ERRORS; `errors_omitted` counts the rest), or a duplicated JSON key",
    "503": "The database (or the token issuer's keys) cannot be reached; retry",
}
_UNAUTHENTICATED_PATHS = ("/api/v1/oauth/token",)
_NOT_FROM_THE_TOKEN_ENDPOINT = frozenset({"403", "404", "409", "422"})
_UNSUPPORTED_MEDIA_TYPE = "The body is not application/json"
TRANSPORT_ERRORS_NOTE = (
    "\n\nErrors are RFC 9457 `application/problem+json` documents. A request the HTTP server "
    "cannot parse at all (a malformed request line or header, an invalid `Content-Length`) is "
    "answered `400 Bad Request` by the server itself, in plain text, before it reaches the API."
)


def install_problem_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=(app.description or "") + TRANSPORT_ERRORS_NOTE,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        for name, schema in _problem_schemas().items():
            schemas[name] = schema
        problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
        for path, operations in document.get("paths", {}).items():
            if not path.startswith("/api/"):
                continue
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in _PROBLEMS_BY_STATUS.items():
                    if path in _UNAUTHENTICATED_PATHS:
                        if status in _NOT_FROM_THE_TOKEN_ENDPOINT:
                            continue
                        if status == "401":
                            description = "Unknown client or wrong secret (RFC 6749 invalid_client)"
                    responses[status] = {"description": description, "content": problem}
                body = operation.get("requestBody", {}).get("content", {})
                if "application/json" in body:
                    responses["415"] = {"description": _UNSUPPORTED_MEDIA_TYPE, "content": problem}
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _problem_schemas() -> dict[str, Any]:
    schema = ProblemDetails.model_json_schema(ref_template="#/components/schemas/{model}")
    definitions: dict[str, Any] = schema.pop("$defs", {})
    return {**definitions, "ProblemDetails": schema}
