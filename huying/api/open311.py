"""Open311 GeoReport v2 at ``/open311/v2`` (http://wiki.open311.org/GeoReport_v2), with the
pagination extension (``page``, ``page_size``) and mySociety's (FixMyStreet) extensions:
``status_extended`` on requests and ``servicerequestupdates`` for the timeline.

- Every resource answers in JSON and XML, chosen by the suffix (``services.json`` /
  ``services.xml``); errors in the spec's format (``[{"code", "description"}]`` /
  ``<errors><error>…``) with its HTTP codes.
- ``services`` are the leaf categories (``group``: the two levels above);
  ``service_code`` is the category code (``01.02.003``).
- ``service_request_id`` is the case code. Reads are public and anonymised like
  ``/api/v1/public``: no reporter, the title as description, the grid as address, the
  location rounded to about 100 m.
- ``POST requests`` needs ``api_key`` (an API token: ``huying token create USER``) and
  enters the same intake as every channel (``huying.intake.create.report``, channel
  ``open311``); ``Idempotency-Key`` is honoured. Open311 coordinates are WGS-84: they are
  converted to the city's datum (GCJ-02 for Chinese cities) and back.
- ``jurisdiction_id`` is the city code; optional while the deployment holds one city.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any
from urllib.parse import urlparse
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from huying.api import coords
from huying.api.models import Open311Request
from huying.cases import service as svc
from huying.cases.models import Case, CaseEvent
from huying.cases.policy import public_point
from huying.cases.present import PUBLIC_ACTIONS
from huying.cases.redact import public_text, register_names
from huying.cases.workflow import FINAL, Status
from huying.cityconfig.models import Category
from huying.cityconfig.sla import Priority
from huying.contact import service as register
from huying.deps import SessionDep
from huying.errors import CaseError, InvalidInput, NotPermitted, NotVisible
from huying.geo import service as geo
from huying.geo.models import City, Level, Node
from huying.http import errors as http_errors
from huying.http import idempotency
from huying.http.clock import Now
from huying.http.ratelimit import count_account_write, limit_anonymous
from huying.intake import create
from huying.orgs import clients, tokens
from huying.orgs.actor import Actor
from huying.orgs.models import ApiToken, Organisation, Role, User
from huying.orgs.service import AccountError

SPEC = "http://wiki.open311.org/GeoReport_v2"
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
MAX_DAYS = 90
#: Our statuses that Open311 calls ``closed``: the final ones, and a duplicate merged into
#: another case (it is answered there).
CLOSED = frozenset({s.value for s in FINAL} | {"merged"})
DEFAULT_LIMIT = 1000
#: XML element of one item of a list, by the list's element.
SINGULAR = {"services": "service", "attributes": "attribute", "values": "value",
            "endpoints": "endpoint", "formats": "format", "service_requests": "request",
            "service_request_updates": "request_update", "errors": "error"}

#: The documented Open311 client of the demo city (see ``install_demo_api_key``).
DEMO_CLIENT = "open311-demo"
DEMO_API_KEY = "hy_open311_demo_key_dongguan_2026"

router = APIRouter(prefix="/open311/v2", tags=["open311"], dependencies=[Depends(limit_anonymous)])

Fmt = Annotated[str, Path(description="Response format: json or xml.")]
Jurisdiction = Annotated[str | None, Query(description="The city code (optional with one city).")]


class Open311Error(Exception):
    def __init__(self, code: int, description: str) -> None:
        self.code, self.description = code, description
        super().__init__(description)


# --------------------------------------------------------------------------- rendering


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _element(parent: ET.Element, tag: str, value: Any) -> None:
    el = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _element(el, k, v)
    elif isinstance(value, list):
        for item in value:
            _element(el, SINGULAR.get(tag, "item"), item)
    else:
        el.text = _text(value)


def to_xml(root: str, data: Any) -> bytes:
    """The Spark-convention XML of ``data``: a list under ``root`` becomes one element per
    item (``services`` → ``service``…), a dict its fields."""
    el = ET.Element(root)
    if isinstance(data, list):
        for item in data:
            _element(el, SINGULAR[root], item)
    else:
        for k, v in data.items():
            _element(el, k, v)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(el, encoding="unicode").encode()


def _fmt_of(request: Request) -> str:
    return "xml" if request.url.path.endswith(".xml") else "json"


def render(fmt: str, root: str, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    if fmt == "xml":
        body = to_xml(root, data)
    else:
        body = json.dumps(data, ensure_ascii=False).encode()
    return Response(body, status_code=status, media_type=FORMATS[fmt], headers=headers)


def error_response(request: Request, status: int, description: str) -> Response:
    """An error in the spec's format, in the format the path asked for."""
    return render(_fmt_of(request), "errors", [{"code": status, "description": description}], status)


def open311(fn: Callable[..., Response]) -> Callable[..., Response]:
    """Turn the domain's errors into GeoReport errors (400 bad input · 403 refused ·
    404 not found), in the requested format."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        request: Request = kwargs["request"]
        fmt = kwargs.get("fmt")
        try:
            if fmt not in FORMATS:
                raise Open311Error(400, f"unknown format {fmt!r}: use .json or .xml")
            return fn(*args, **kwargs)
        except Open311Error as exc:
            return error_response(request, exc.code, exc.description)
        except (NotVisible, geo.CityNotFound, geo.NodeNotFound) as exc:
            return error_response(request, 404, str(exc))
        except InvalidInput as exc:
            return error_response(request, 400, str(exc))
        except (NotPermitted, AccountError) as exc:
            return error_response(request, 403, str(exc))
        except (CaseError, geo.GeoError) as exc:
            return error_response(request, 400, str(exc))

    return wrapper


def _when(value: dt.datetime | None, tz: ZoneInfo) -> str | None:
    return value.astimezone(tz).isoformat(timespec="seconds") if value else None


def _parse_when(value: str | None, field: str) -> dt.datetime | None:
    if value is None or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("z", "Z"))
    except ValueError:
        raise Open311Error(400, f"{field}: not a w3 date-time such as 2026-03-02T00:00:00Z") from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{field}: give a time zone (Z or an offset such as +08:00)")
    return moment


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _city(session: Session, jurisdiction_id: str | None) -> City:
    return geo.get_city(session, jurisdiction_id.strip() if jurisdiction_id and jurisdiction_id.strip() else None)


def _int(value: str | None, field: str, lo: int, hi: int, default: int) -> int:
    if value is None or not value.strip():
        return default
    try:
        n = int(value)
    except ValueError:
        raise Open311Error(400, f"{field}: not a whole number") from None
    if not lo <= n <= hi:
        raise Open311Error(400, f"{field}: must be between {lo} and {hi}")
    return n


# --------------------------------------------------------------------------- discovery, services


@router.get("/discovery.{fmt}")
@open311
def discovery(request: Request, session: SessionDep, fmt: Fmt) -> Response:
    """Service discovery: where the GeoReport v2 endpoint is and which formats it speaks."""
    changeset = session.scalar(select(func.max(City.created_at)))
    base = str(request.url_for("discovery", fmt=fmt)).rsplit("/", 1)[0]
    stamp = changeset.astimezone(dt.UTC).isoformat(timespec="seconds") if changeset else None
    data = {
        "changeset": stamp, "contact": "The city's huying administrators",
        "key_service": "API keys are huying API tokens: ask an administrator "
                       "(`huying token create USER`).",
        "endpoints": [{"specification": SPEC, "url": base, "changeset": stamp, "type": "production",
                       "formats": ["text/xml", "application/json"]}],
    }
    return render(fmt, "discovery", data)


def _leaves(session: Session, city_id: int) -> tuple[list[Category], dict[str, Category]]:
    cats = session.scalars(select(Category).where(Category.city_id == city_id, Category.active.is_(True))
                           .order_by(Category.path)).all()
    by_code = {c.code: c for c in cats}
    return [c for c in cats if c.level == 3], by_code


def _service(leaf: Category, by_code: dict[str, Category]) -> dict[str, Any]:
    codes = [p for p in leaf.path.split("/") if p]
    upper = [by_code[c].name_zh for c in codes[:-1] if c in by_code]
    return {"service_code": leaf.code, "service_name": leaf.name_zh,
            "description": " / ".join([*upper, leaf.name_zh]), "metadata": True, "type": "realtime",
            "keywords": ", ".join(upper), "group": " / ".join(upper)}


@router.get("/services.{fmt}")
@open311
def services(request: Request, session: SessionDep, fmt: Fmt,
             jurisdiction_id: Jurisdiction = None) -> Response:
    """The service types: the leaf categories, grouped by the levels above them."""
    city = _city(session, jurisdiction_id)
    leaves, by_code = _leaves(session, city.id)
    return render(fmt, "services", [_service(leaf, by_code) for leaf in leaves])


#: What a client may add to a request (``attribute[code]=value``).
ATTRIBUTES = [
    {"variable": True, "code": "title", "datatype": "string", "required": False,
     "datatype_description": "At most 200 characters.", "order": 1,
     "description": "A short title of the problem (default: the start of the description)."},
    {"variable": True, "code": "priority", "datatype": "singlevaluelist", "required": False,
     "datatype_description": None, "order": 2,
     "description": "How urgent it is (default: normal).",
     "values": [{"key": p.value, "name": p.value} for p in Priority]},
]


def _leaf(session: Session, city_id: int, code: str) -> Category:
    cat = session.scalar(select(Category).where(Category.city_id == city_id, Category.code == code,
                                                Category.active.is_(True)))
    if cat is None or cat.level != 3:
        raise Open311Error(404, f"service_code {code!r} was not found")
    return cat


@router.get("/services/{service_code}.{fmt}")
@open311
def service_definition(request: Request, session: SessionDep, service_code: str, fmt: Fmt,
                       jurisdiction_id: Jurisdiction = None) -> Response:
    """The attributes a request of this service may carry."""
    city = _city(session, jurisdiction_id)
    leaf = _leaf(session, city.id, service_code)
    return render(fmt, "service_definition", {"service_code": leaf.code, "attributes": ATTRIBUTES})


# --------------------------------------------------------------------------- requests (read)


def status_extended(status: str, reject_reason: str | None, entered_by: str | None) -> str:
    """Our status in mySociety's vocabulary. ``entered_by``: the action that put the case
    into its status (a dispatched case that was transferred or escalated is an internal
    referral)."""
    if status == "merged":  # joined another open case as its duplicate
        return "duplicate"
    s = Status(status)
    if s is Status.REJECTED:
        return {"duplicate": "duplicate", "not_our_responsibility": "not_councils_responsibility"}.get(
            reject_reason or "", "no_further_action")
    if s is Status.DISPATCHED:
        return "internal_referral" if entered_by in ("transfer", "escalate") else "action_scheduled"
    return {Status.NEW: "open", Status.IN_PROGRESS: "in_progress",
            Status.EXTENSION_REQUESTED: "in_progress", Status.HANDLED: "fixed",
            Status.FOLLOWED_UP: "fixed", Status.CLOSED: "fixed"}.get(s, "open")


def _entered_by(session: Session, cases: list[Case]) -> dict[int, str]:
    """The action that brought each case into its current status."""
    ids = [c.id for c in cases]
    if not ids:
        return {}
    last = (select(CaseEvent.case_id, func.max(CaseEvent.seq).label("seq"))
            .where(CaseEvent.case_id.in_(ids), CaseEvent.from_status.is_distinct_from(CaseEvent.to_status))
            .group_by(CaseEvent.case_id).subquery())
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.action).join(
        last, (last.c.case_id == CaseEvent.case_id) & (last.c.seq == CaseEvent.seq))).all()
    return dict(rows)  # type: ignore[arg-type]


def _request_dicts(session: Session, city: City, cases: list[Case]) -> list[dict[str, Any]]:
    tz = ZoneInfo(city.timezone)
    entered = _entered_by(session, cases)
    cat_ids = {c.category_id for c in cases if c.category_id}
    cats = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(cat_ids)))} if cat_ids else {}
    unit_ids = {c.unit_id for c in cases if c.unit_id}
    units = dict(session.execute(select(Organisation.id, Organisation.name_zh)
                                 .where(Organisation.id.in_(unit_ids))).all()) if unit_ids else {}
    grid_ids = {c.grid_id for c in cases if c.grid_id}
    grids = {n.id: n for n in session.scalars(select(Node).where(Node.id.in_(grid_ids)))} if grid_ids else {}
    extra = {r.case_id: r for r in session.scalars(
        select(Open311Request).where(Open311Request.case_id.in_([c.id for c in cases])))} if cases else {}
    out = []
    names = register_names(session, city.id)
    for c in cases:
        cat = cats.get(c.category_id or 0)
        grid = grids.get(c.grid_id or 0)
        lon = lat = None
        if c.lon is not None and c.lat is not None:
            lon, lat = public_point(*coords.from_city(city.crs, c.lon, c.lat))
        ext = status_extended(c.status, c.reject_reason, entered.get(c.id))
        final = c.status in CLOSED
        unit = units.get(c.unit_id or 0)
        due = _when(c.due_at, tz)
        notice = (f"由{unit}办理 handled by {unit}" if unit else "待分派 waiting to be dispatched") + \
            (f"; 期限 due {due}" if due and not final else "")
        out.append({
            "service_request_id": c.code, "status": "closed" if final else "open",
            "status_extended": ext, "status_notes": Status(c.status).label_zh,
            "service_name": cat.name_zh if cat else None, "service_code": cat.code if cat else None,
            "description": public_text(c.title, names), "agency_responsible": unit, "service_notice": notice,
            "requested_datetime": _when(c.created_at, tz), "updated_datetime": _when(c.updated_at, tz),
            "expected_datetime": None if final else due,
            "address": " ".join(grid_path_names(session, grid)) if grid else None,
            "address_id": grid.code if grid else None, "zipcode": None, "lat": lat, "long": lon,
            "media_url": extra[c.id].media_url if c.id in extra else None,
        })
    return out


def grid_path_names(session: Session, grid: Node) -> list[str]:
    return [n.name_zh for n in geo.ancestors(session, grid) if n.level not in (Level.CITY, Level.AREA)]


def _window(start: dt.datetime | None, end: dt.datetime | None, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if start and end and end - start > dt.timedelta(days=MAX_DAYS):
        raise Open311Error(400, f"start_date and end_date may not span more than {MAX_DAYS} days")
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date")
    if start is None and end is None:
        end = now
    if start is None:
        assert end is not None
        start = end - dt.timedelta(days=MAX_DAYS)
    if end is None:
        end = start + dt.timedelta(days=MAX_DAYS)
    return start, end


def _page(page: str | None, page_size: str | None) -> tuple[int, int]:
    size = _int(page_size, "page_size", 1, DEFAULT_LIMIT, DEFAULT_LIMIT)
    number = _int(page, "page", 1, 1_000_000, 1)
    return size, (number - 1) * size


@router.get("/requests.{fmt}")
@open311
def list_requests(
    request: Request, session: SessionDep, fmt: Fmt, now: Now,
    jurisdiction_id: Jurisdiction = None,
    service_request_id: Annotated[str | None, Query(description="Comma-separated ids; overrides the other filters.")] = None,
    service_code: Annotated[str | None, Query(description="Comma-separated service codes.")] = None,
    start_date: Annotated[str | None, Query(description="Earliest requested_datetime (w3 format).")] = None,
    end_date: Annotated[str | None, Query(description="Latest requested_datetime (w3 format).")] = None,
    status: Annotated[str | None, Query(description="open, closed or both, comma-separated.")] = None,
    page: Annotated[str | None, Query(description="Pagination extension: page number from 1.")] = None,
    page_size: Annotated[str | None, Query(description="Pagination extension: requests per page (≤ 1000).")] = None,
) -> Response:
    """Service requests, newest first: by default those of the last 90 days, at most 1000."""
    city = _city(session, jurisdiction_id)
    q: Select[Any] = select(Case).where(Case.city_id == city.id)
    ids = _list(service_request_id)
    if ids:
        q = q.where(Case.code.in_(ids[:DEFAULT_LIMIT]))
    else:
        codes = _list(service_code)
        if codes:
            q = q.where(Case.category_id.in_(select(Category.id).where(
                Category.city_id == city.id, Category.code.in_(codes))))
        start, end = _window(_parse_when(start_date, "start_date"), _parse_when(end_date, "end_date"), now)
        q = q.where(Case.created_at >= start, Case.created_at <= end)
        wanted = {s.lower() for s in _list(status)}
        if wanted - {"open", "closed"}:
            raise Open311Error(400, "status: use open, closed or both")
        finals = sorted(CLOSED)
        if wanted == {"open"}:
            q = q.where(Case.status.not_in(finals))
        elif wanted == {"closed"}:
            q = q.where(Case.status.in_(finals))
    limit, offset = _page(page, page_size)
    cases = list(session.scalars(q.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit).offset(offset)))
    return render(fmt, "service_requests", _request_dicts(session, city, cases))


@router.get("/requests/{service_request_id}.{fmt}")
@open311
def show_request(request: Request, session: SessionDep, service_request_id: str, fmt: Fmt,
                 jurisdiction_id: Jurisdiction = None) -> Response:
    city = _city(session, jurisdiction_id)
    case = session.scalar(select(Case).where(Case.city_id == city.id, Case.code == service_request_id))
    if case is None:
        raise Open311Error(404, f"service_request_id {service_request_id!r} was not found")
    return render(fmt, "service_requests", _request_dicts(session, city, [case]))


@router.get("/tokens/{token}.{fmt}")
@open311
def token(request: Request, session: SessionDep, token: str, fmt: Fmt,
          jurisdiction_id: Jurisdiction = None) -> Response:
    """The service_request_id of a token (every request created here also has one, sent
    back in the ``Open311-Token`` header of ``POST requests``)."""
    city = _city(session, jurisdiction_id)
    row = session.execute(select(Open311Request.token, Case.code).join(Case, Case.id == Open311Request.case_id)
                          .where(Open311Request.city_id == city.id, Open311Request.token == token)).first()
    if row is None:
        raise Open311Error(404, f"token {token!r} was not found")
    return render(fmt, "service_requests", [{"service_request_id": row[1], "token": row[0]}])


@router.get("/servicerequestupdates.{fmt}")
@open311
def updates(
    request: Request, session: SessionDep, fmt: Fmt, now: Now,
    jurisdiction_id: Jurisdiction = None,
    start_date: Annotated[str | None, Query(description="Earliest update (w3 format).")] = None,
    end_date: Annotated[str | None, Query(description="Latest update (w3 format).")] = None,
    service_request_id: Annotated[str | None, Query(description="Only these requests (comma-separated).")] = None,
    page: Annotated[str | None, Query()] = None,
    page_size: Annotated[str | None, Query()] = None,
) -> Response:
    """mySociety's extension: the timeline of requests as updates, oldest first (by
    default those of the last 90 days)."""
    city = _city(session, jurisdiction_id)
    tz = ZoneInfo(city.timezone)
    start, end = _window(_parse_when(start_date, "start_date"), _parse_when(end_date, "end_date"), now)
    q = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
         .where(Case.city_id == city.id, CaseEvent.at >= start, CaseEvent.at <= end,
                CaseEvent.action.in_(PUBLIC_ACTIONS)))
    ids = _list(service_request_id)
    if ids:
        q = q.where(Case.code.in_(ids[:DEFAULT_LIMIT]))
    limit, offset = _page(page, page_size)
    rows = session.execute(q.order_by(CaseEvent.at, CaseEvent.id).limit(limit).offset(offset)).all()
    out = []
    for e, c in rows:
        payload = json.loads(e.payload or "{}")
        reason = payload.get("set", {}).get("reject_reason")
        out.append({
            "update_id": f"{c.code}-{e.seq}", "service_request_id": c.code,
            "status": status_extended(e.to_status, reason, e.action),
            "updated_datetime": _when(e.at, tz),
            "description": f"{e.action}: {Status(e.to_status).label_zh}",
            "media_url": None, "external_status_code": e.to_status,
        })
    return render(fmt, "service_request_updates", out)


# --------------------------------------------------------------------------- requests (create)


async def form_fields(request: Request) -> dict[str, str]:
    """The urlencoded (or multipart) body as a dict of strings (files are ignored)."""
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - a malformed body is a client error
        return {BAD_FORM: "the body must be application/x-www-form-urlencoded"}
    out = {k: v for k, v in form.multi_items() if isinstance(v, str)}
    if any("\x00" in k or "\x00" in v for k, v in out.items()):
        return {BAD_FORM: "the body contains a NUL character"}
    return out


#: The key under which ``form_fields`` reports an unreadable body (raised by the endpoint,
#: so that the error comes in the GeoReport format).
BAD_FORM = "\x00bad"
FormFields = Annotated[dict[str, str], Depends(form_fields)]

_FORM_SCHEMA = {
    "requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "required": ["api_key", "service_code"],
        "properties": {
            "api_key": {"type": "string"}, "jurisdiction_id": {"type": "string"},
            "service_code": {"type": "string"}, "lat": {"type": "string"}, "long": {"type": "string"},
            "address_string": {"type": "string"}, "address_id": {"type": "string"},
            "email": {"type": "string"}, "device_id": {"type": "string"},
            "account_id": {"type": "string"}, "first_name": {"type": "string"},
            "last_name": {"type": "string"}, "phone": {"type": "string"},
            "description": {"type": "string"}, "media_url": {"type": "string"},
            "attribute[title]": {"type": "string"}, "attribute[priority]": {"type": "string"},
        }}}}, "required": True},
}


def _client(request: Request, session: Session, api_key: str | None, now: dt.datetime) -> Actor:
    if not api_key or not api_key.strip():
        raise Open311Error(400, "api_key was not provided")
    user = tokens.user_for(session, api_key.strip())
    if user is None:
        raise Open311Error(403, "api_key is not valid")
    if user.role != Role.CLIENT.value:  # a person's token is not an application's key
        raise Open311Error(403, "api_key is not an API client's key: an administrator creates one "
                                "(Administration → API clients, or huying client create)")
    count_account_write(request, user.id)  # the write throttle of the key's account
    tokens.mark_used(session, api_key.strip(), now=now)
    return Actor.of(session, user)


def _point(value: str, field: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise Open311Error(400, f"{field}: not a number") from None
    if not math.isfinite(x):
        raise Open311Error(400, f"{field}: not a number")
    return x


def place(session: Session, city_id: int, *, address_string: str | None,
          address_id: str | None) -> tuple[float, float] | None:
    """A point for a request without coordinates: the node named by ``address_id`` (a node
    code), else the point of the registered address ``address_string`` is (the address
    register), else the most specific node whose name occurs in it: its representative point
    (always inside it). None when nothing matches."""
    node = None
    if address_id and address_id.strip():
        node = session.scalar(select(Node).where(Node.city_id == city_id, Node.code == address_id.strip()))
        if node is None:
            raise Open311Error(404, f"address_id {address_id!r} was not found")
    elif address_string and address_string.strip():
        text = address_string.strip()
        try:  # the address register first (issue #16); an ambiguous address is refused
            placed = register.place_if_registered(session, city_id, text)
        except InvalidInput as exc:
            raise Open311Error(400, f"address_string: {str(exc).removeprefix('address: ')}") from None
        if placed is not None:
            return placed.spot.lon, placed.spot.lat
        candidates: Iterable[Node] = session.scalars(select(Node).where(
            Node.city_id == city_id, Node.level != Level.CITY.value, Node.centroid_lon.is_not(None)))
        found = [n for n in candidates if (n.name_zh and n.name_zh in text) or
                 (n.name_en and len(n.name_en) > 3 and n.name_en.lower() in text.lower())]
        if found:
            node = max(found, key=lambda n: (len(n.path), len(n.name_zh)))
    if node is None or node.centroid_lon is None or node.centroid_lat is None:
        return None
    return node.centroid_lon, node.centroid_lat


@router.post("/requests.{fmt}", openapi_extra=_FORM_SCHEMA)
@open311
def create_request(
    request: Request, session: SessionDep, fmt: Fmt, now: Now, form: FormFields,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    """Create a service request (realtime: the service_request_id comes back at once)."""
    if BAD_FORM in form:
        raise Open311Error(400, form[BAD_FORM])
    actor = _client(request, session, form.get("api_key"), now)
    city = session.get(City, actor.city_id)
    assert city is not None
    juris = form.get("jurisdiction_id", "").strip()
    if juris and juris != city.code:
        raise Open311Error(404, f"jurisdiction_id {juris!r} was not found")
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    leaf = _leaf(session, city.id, code)
    lat_s, lon_s = form.get("lat", "").strip(), form.get("long", "").strip()
    address = form.get("address_string", "").strip() or None
    if bool(lat_s) != bool(lon_s):
        raise Open311Error(400, "give both lat and long")
    if lat_s:
        lat, lon = _point(lat_s, "lat"), _point(lon_s, "long")
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "lat/long out of range")
        lon, lat = coords.to_city(city.crs, lon, lat)
    else:
        if not address and not form.get("address_id", "").strip():
            raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
        point = place(session, city.id, address_string=address, address_id=form.get("address_id"))
        if point is None:
            raise Open311Error(400, "address_string names no place of this city: send lat and long")
        lon, lat = point
    description = form.get("description", "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description: longer than 4,000 characters")
    attributes = {k[len("attribute["):-1]: v for k, v in form.items()
                  if k.startswith("attribute[") and k.endswith("]")}
    priority = attributes.get("priority", "").strip() or Priority.NORMAL.value
    if priority not in Priority.__members__.values():
        raise Open311Error(400, f"attribute[priority]: one of {', '.join(Priority)}")
    title = attributes.get("title", "").strip() or (description.splitlines()[0][:60] if description else leaf.name_zh)
    media_url = form.get("media_url", "").strip() or None
    if media_url and (len(media_url) > 500 or urlparse(media_url).scheme not in ("http", "https")
                      or not urlparse(media_url).netloc):
        raise Open311Error(400, "media_url: an http(s) URL of at most 500 characters")
    account_id = form.get("account_id", "").strip()[:100] or None
    contact = (form.get("phone", "").strip() or form.get("email", "").strip())[:60] or None
    key = idempotency.check_key(idempotency_key)
    fields = {"title": title[:200], "description": description, "lon": lon, "lat": lat,
              "address": address[:200] if address else None, "category": leaf.code,
              "priority": priority, "contact": contact}
    digest = idempotency.fingerprint("open311", fields, media_url, attributes)
    token_value = uuid.uuid4().hex

    def extra(case: Case) -> list[Any]:
        return [Open311Request(city_id=case.city_id, case_id=case.id, token=token_value,
                               service_code=leaf.code, media_url=media_url, account_id=account_id,
                               attributes=json.dumps(attributes, ensure_ascii=False), created_at=now)]

    case, replayed = create.create_once(
        session, actor, key=key, scope="open311", digest=digest, now=now,
        make=lambda: create.report(session, actor, now=now, channel=svc.Channel.OPEN311.value, **fields),
        extra_rows=extra, writes_files=False)
    row = session.scalar(select(Open311Request).where(Open311Request.case_id == case.id))
    [info] = _request_dicts(session, city, [case])
    headers = {"Location": str(request.url_for("show_request", service_request_id=case.code, fmt=fmt))}
    if row is not None:
        headers["Open311-Token"] = row.token
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return render(fmt, "service_requests", [{"service_request_id": case.code,
                                             "service_notice": info["service_notice"],
                                             "account_id": account_id}], headers=headers)


# --------------------------------------------------------------------------- the demo client


def install_demo_api_key(session: Session, city_id: int, *, now: dt.datetime | None = None) -> str:
    """Create the demo city's documented Open311 client (an API client, ``huying.orgs.clients``,
    named ``DEMO_CLIENT``) with the key ``DEMO_API_KEY``. Idempotent; flushes, the caller
    commits. Returns the key."""
    now = now or dt.datetime.now(dt.UTC)
    user = session.scalar(select(User).where(User.city_id == city_id, User.role == Role.CLIENT.value,
                                             User.display_name == DEMO_CLIENT))
    if user is None:
        clients.create(session, city_id, DEMO_CLIENT, now=now, key=DEMO_API_KEY)
    elif tokens.user_for(session, DEMO_API_KEY) is None:
        stale = session.scalar(select(ApiToken).where(ApiToken.token_hash == tokens.digest(DEMO_API_KEY)))
        if stale is not None:
            session.delete(stale)
            session.flush()
        tokens.create(session, user, "open311 demo client", now=now, token=DEMO_API_KEY)
    return DEMO_API_KEY


http_errors.PATH_FORMATS["/open311/"] = error_response
