"""JSON schemas of GeoReport v2 responses, written from the spec
(http://wiki.open311.org/GeoReport_v2) plus the extensions we serve (pagination,
mySociety's ``status_extended`` and ``servicerequestupdates``). ``additionalProperties`` is
false, so that a misspelt field fails. Validated with ``jsonschema_rs`` (a dependency of
schemathesis)."""

from __future__ import annotations

from typing import Any

import jsonschema_rs

STR = {"type": "string"}
OPT_STR = {"type": ["string", "null"]}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$"}
OPT_DATETIME = {"anyOf": [DATETIME, {"type": "null"}]}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props),
            "additionalProperties": False}


SERVICES = {"type": "array", "items": _obj({
    "service_code": STR, "service_name": STR, "description": STR, "metadata": {"type": "boolean"},
    "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": STR, "group": STR,
}, ["service_code", "service_name", "metadata", "type"])}

ATTRIBUTE = _obj({
    "variable": {"type": "boolean"}, "code": STR,
    "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
    "required": {"type": "boolean"}, "datatype_description": OPT_STR, "order": {"type": "integer"},
    "description": STR, "values": {"type": "array", "items": _obj({"key": STR, "name": STR})},
}, ["variable", "code", "datatype", "required", "order", "description"])

SERVICE_DEFINITION = _obj({"service_code": STR, "attributes": {"type": "array", "items": ATTRIBUTE}})

STATUS_EXTENDED = {"enum": ["open", "closed", "fixed", "in_progress", "action_scheduled", "investigating",
                            "duplicate", "not_councils_responsibility", "no_further_action",
                            "internal_referral"]}

REQUEST = _obj({
    "service_request_id": STR, "status": {"enum": ["open", "closed"]}, "status_extended": STATUS_EXTENDED,
    "status_notes": OPT_STR, "service_name": OPT_STR, "service_code": OPT_STR, "description": OPT_STR,
    "agency_responsible": OPT_STR, "service_notice": OPT_STR, "requested_datetime": DATETIME,
    "updated_datetime": OPT_DATETIME, "expected_datetime": OPT_DATETIME, "address": OPT_STR,
    "address_id": OPT_STR, "zipcode": OPT_STR, "lat": {"type": ["number", "null"]},
    "long": {"type": ["number", "null"]}, "media_url": OPT_STR,
}, ["service_request_id", "status", "requested_datetime", "lat", "long"])
REQUESTS = {"type": "array", "items": REQUEST}

CREATED = {"type": "array", "minItems": 1, "maxItems": 1, "items": _obj(
    {"service_request_id": STR, "service_notice": OPT_STR, "account_id": OPT_STR}, ["service_request_id"])}

TOKEN = {"type": "array", "items": _obj({"service_request_id": STR, "token": STR})}

UPDATES = {"type": "array", "items": _obj({
    "update_id": STR, "service_request_id": STR, "status": STATUS_EXTENDED, "updated_datetime": DATETIME,
    "description": STR, "media_url": OPT_STR, "external_status_code": OPT_STR,
}, ["update_id", "service_request_id", "status", "updated_datetime"])}

ERRORS = {"type": "array", "minItems": 1, "items": _obj({"code": {"type": "integer"},
                                                          "description": {"type": "string", "minLength": 3}})}

DISCOVERY = _obj({
    "changeset": OPT_DATETIME, "contact": STR, "key_service": STR,
    "endpoints": {"type": "array", "minItems": 1, "items": _obj({
        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"}, "url": STR,
        "changeset": OPT_DATETIME, "type": {"enum": ["production", "test"]},
        "formats": {"type": "array", "items": {"enum": ["text/xml", "application/json"]}}})},
})


def check(schema: dict[str, Any], data: Any) -> Any:
    errors = [str(e) for e in jsonschema_rs.validator_for(schema).iter_errors(data)]
    assert not errors, errors
    return data
