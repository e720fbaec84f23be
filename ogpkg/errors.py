"""The error hierarchy. One base class; each subclass also inherits the matching built-in.

The web layer maps these to HTTP statuses in one table; the CLI maps them to exit codes.
Every message names the thing, the place and the value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    """Where in an input a problem is: a file plus line/column (RDF) or row/column name (CSV)."""

    source: str
    line: int | None = None
    column: int | None = None
    row: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts = self.parts()
        return self.source + (" " + ", ".join(parts) if parts else "")

    def parts(self, row: str = "row", line: str = "line", column: str = "column") -> list[str]:
        """What follows the file name, with these words: row and column name (CSV), line and
        column (RDF)."""
        parts = []
        if self.row is not None:
            parts.append(f"{row} {self.row}")
        if self.field is not None:
            parts.append(f"{column} '{self.field}'")
        if self.line is not None:
            parts.append(f"{line} {self.line}")
            if self.column is not None:
                parts.append(f"{column} {self.column}")
        return parts

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class OgpkgError(Exception):
    """Base of every error ogpkg raises on purpose."""

    #: HTTP status the web layer answers with
    status: int = 500
    #: CLI exit code
    exit_code: int = 2

    def __init__(self, message: str, *, location: Location | None = None,
                 detail: dict[str, object] | None = None) -> None:
        self.message = message
        self.location = location
        self.detail = dict(detail or {})
        self.text_ = f"{location}: {message}" if location else message
        super().__init__(self.text_)

    def __str__(self) -> str:
        return self.text_

    def as_dict(self) -> dict[str, object]:
        detail = dict(self.detail)
        if self.location is not None:
            detail["location"] = self.location.as_dict()
        return {"error": str(self), "status": self.status, "detail": detail}


class ConfigError(OgpkgError, ValueError):
    """A setting has a value that cannot be used."""


class InputError(OgpkgError, ValueError):
    """User input is malformed (a 4xx)."""

    status = 400


class ParseError(InputError, SyntaxError):
    """An RDF or CSV input cannot be parsed; carries the file and line/column or row/field."""

    def __init__(self, message: str, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        # what tracebacks print for a SyntaxError
        self.msg = str(self)
        loc = self.location
        self.filename = loc.source if loc else None
        self.lineno = loc.line if loc else None
        self.offset = loc.column if loc else None


class UnsupportedFormatError(InputError):
    """The input's format (file extension or media type) is not one we read."""

    status = 415


class TooLargeError(InputError):
    """An input exceeds a configured size cap."""

    status = 413


class ValidationFailed(OgpkgError, ValueError):
    """Data does not conform to the shapes; carries the report."""

    status = 422
    exit_code = 1

    def __init__(self, message: str, report: object, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.report = report

    def as_dict(self) -> dict[str, object]:
        body = super().as_dict()
        to_json = getattr(self.report, "to_json", None)
        if callable(to_json):
            body["detail"] = {**body["detail"], "report": to_json()}  # type: ignore[dict-item]
        return body


class NotFoundError(OgpkgError, LookupError):
    status = 404


class AuthError(OgpkgError, PermissionError):
    status = 401


class StoreError(OgpkgError, OSError):
    """The on-disk store cannot be opened, written or recovered."""

    status = 500


class LimitExceeded(OgpkgError):
    """A query was stopped by one of the endpoint's limits (deadline, memory). The work is
    stopped for real: the worker process running it is killed."""

    status = 503


class QueryTimeout(LimitExceeded, TimeoutError):
    """A query ran past its deadline."""


class MemoryLimitExceeded(LimitExceeded, MemoryError):
    """A query needed more memory than the per-query cap."""


class Busy(OgpkgError):
    """Every query worker is busy and the waiting line is full; try again shortly."""

    status = 503
    retry_after = 1


class Forbidden(OgpkgError, PermissionError):
    """The request is understood and authenticated but not allowed (e.g. writes are off)."""

    status = 403


class Conflict(OgpkgError):
    status = 409


class UpstreamError(OgpkgError, OSError):
    """A remote endpoint called by ``SERVICE`` failed or could not be reached."""

    status = 502


class Unavailable(OgpkgError):
    """The operation cannot be offered on this server as it is set up."""

    status = 503
