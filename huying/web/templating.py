"""The Jinja2 environment and the one function pages render through.

Templates hold layout and wording only; what to show is decided in services and routes.
Every visible word goes through ``{% trans %}`` / ``_()`` into the catalogues.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import HTMLResponse

from huying import __version__
from huying.accountability import indicators
from huying.cases import timing
from huying.web import i18n

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


@cache
def _asset_hash(path: str) -> str:
    """A short content hash of a static file, for cache-busting URLs."""
    file = STATIC_DIR / path
    if not file.is_file():
        raise FileNotFoundError(f"static file {path!r} not found under {STATIC_DIR}")
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10]


def static_url(path: str) -> str:
    """``/static/<path>?v=<content hash>``: safe to cache for a year."""
    return f"/static/{path}?v={_asset_hash(path)}"


def lang_url(request: Request, lang: str) -> str:
    """The current address with ``?lang=`` set: the language switch."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    params.append(("lang", lang))
    return f"{request.url.path}?{urlencode(params)}"


def download_url(request: Request, kind: str, table: str = "") -> str:
    """The current address as a download (``huying.web.downloads``): the page's query kept
    (its filters, its period), the page number dropped, ``format`` (and ``table`` when the
    page has several) set."""
    skip = {"page", "format", "table", "lang"}
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in skip]
    params.append(("format", kind))
    if table:
        params.append(("table", table))
    return f"{request.url.path}?{urlencode(params)}"


def as_moment(value: object) -> dt.datetime | None:
    """A moment kept as ISO text (an audit row's ``expires_at``) as an aware datetime, for
    ``L.when`` to show in the city's time; None when it is not one."""
    if not isinstance(value, str) or len(value) < 16 or value[4:5] != "-" or "T" not in value:
        return None
    try:
        t = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)


def _make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext_,
        i18n.ngettext_,
        newstyle=True,
        pgettext=i18n.pgettext_,
        npgettext=i18n.npgettext_,
    )
    from zoneinfo import ZoneInfo

    from huying.config import get_settings

    # "overdue" and "due soon" as the one time rule says (huying.cases.timing), never restated
    env.globals.update(static_url=static_url, lang_url=lang_url, download_url=download_url, version=__version__,
                       tz=ZoneInfo(get_settings().timezone), is_overdue=timing.is_overdue,
                       due_soon=timing.due_soon, milestone_overdue=timing.milestone_overdue,
                       indicator=indicators.BY_KEY.get,  # an indicator of the catalogue by its key
                       as_moment=as_moment)
    return env


templates = Jinja2Templates(env=_make_env())


def request_lang(request: Request) -> str:
    """The language chosen for this request by the web middleware (default when absent)."""
    lang = getattr(request.state, "lang", None)
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``name`` in the request's language."""
    from huying.web import csrf, nav

    lang = request_lang(request)
    me = getattr(request.state, "user", None)
    ctx: dict[str, Any] = {
        "lang": lang,
        "html_lang": i18n.HTML_LANG[lang],
        "languages": i18n.LANGUAGES,
        "me": me,
        "nav": nav.sections(me.role if me is not None else None),
        "csrf_token": csrf.token(request),
        **(context or {}),
    }
    with i18n.active(lang):
        return templates.TemplateResponse(
            request, name, ctx, status_code=status_code, headers=headers
        )
