"""One exception -> status table and one JSON error body for every error path."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ogpkg.errors import OgpkgError

log = logging.getLogger("ogpkg.web")


def error_body(message: str, status: int, detail: dict[str, object] | None = None) -> dict:
    return {"error": message, "status": status, "detail": detail or {}}


def error_response(exc: OgpkgError, method: str, path: str) -> JSONResponse:
    """The response to an error ogpkg raised on purpose: its status and JSON body, with
    Retry-After or WWW-Authenticate where the status calls for them."""
    if exc.status >= 500 and exc.status != 503:
        log.error("%s %s: %s", method, path, exc)
    headers = {}
    if getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)  # type: ignore[attr-defined]
    if exc.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ogpkg"'
    return JSONResponse(exc.as_dict(), status_code=exc.status, headers=headers)


def internal_error(method: str, path: str) -> JSONResponse:
    """A bug: the traceback goes to the log, the client learns only that it happened."""
    log.exception("internal error on %s %s", method, path)
    return JSONResponse(error_body("internal error", 500), status_code=500)


def install(app: FastAPI) -> None:
    @app.exception_handler(OgpkgError)
    async def ogpkg_error(request: Request, exc: OgpkgError) -> JSONResponse:
        return error_response(exc, request.method, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail), exc.status_code),
                            status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body("invalid request", 400, {"errors": exc.errors()}),
                            status_code=400)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        return internal_error(request.method, request.url.path)
