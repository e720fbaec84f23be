"""HTTP to the query service and back: a request's part of a :class:`~ogpkg.query.service.Query`
(its client, Accept, conditional headers, method, access-log notes) and an
:class:`~ogpkg.query.service.Answer` as a response."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from ogpkg.query.service import Answer, Query
from ogpkg.web.context import request_client

#: the request headers a query's answer depends on
CONDITIONS = ("if-none-match", "if-modified-since")


def query_of(request: Request, text: str, **options: Any) -> Query:
    """A :class:`Query` of ``text`` as ``request`` asks it (``options``: the other fields)."""
    headers = request.headers
    options.setdefault("accept", headers.get("accept"))
    return Query(text, client=request_client(request), head=request.method == "HEAD",
                 conditions={k: headers[k] for k in CONDITIONS if k in headers},
                 notes=request.scope.setdefault("state", {}), **options)


def response(answer: Answer) -> Response:
    """``answer`` as a response: a whole body or a stream."""
    if answer.stream is not None:
        return StreamingResponse(answer.stream, status_code=answer.status,
                                 media_type=answer.media_type, headers=answer.headers)
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type,
                    headers=answer.headers)
