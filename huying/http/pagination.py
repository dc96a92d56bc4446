"""Paged lists: ``limit``/``offset``, the total in ``X-Total-Count`` and RFC 8288 links."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import Request, Response


def links(request: Request, total: int, limit: int, offset: int) -> str:
    """RFC 8288 ``Link`` header of a page: first, prev, next, last."""
    def url(off: int) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "offset")]
        return f"<{request.url.path}?{urlencode([*params, ('limit', limit), ('offset', off)])}>"

    out = [f'{url(0)}; rel="first"']
    if offset > 0:
        out.append(f'{url(max(0, offset - limit))}; rel="prev"')
    if offset + limit < total:
        out.append(f'{url(offset + limit)}; rel="next"')
    out.append(f'{url(max(0, (total - 1) // limit * limit))}; rel="last"')
    return ", ".join(out)


def paginate(request: Request, response: Response, total: int, limit: int, offset: int) -> None:
    response.headers["Link"] = links(request, total, limit, offset)
    response.headers["X-Total-Count"] = str(total)
