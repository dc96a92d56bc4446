"""The public face of the closed loop: the commands and queries other packages call.

It holds no rule of its own. The kernel (``kernel``: command, compare-and-set, record,
commit) is the only writer of cases and events; the commands live by concern (``loop``,
``ledger``, ``merge``), their parameters in ``commands``, files in ``attachments``, reads
in ``queries``, and when a case is overdue in ``timing``."""

from __future__ import annotations

from huying.cases.attachments import ALLOWED_IMAGE_TYPES, Upload, store_uploads
from huying.cases.commands import SPECS, parse, perform
from huying.cases.kernel import (
    NEW_CASES,
    Recorded,
    case_code,
    command,
    end_command,
    in_one_transaction,
    mark_overdue,
    next_code,
    one_transaction,
    record,
    system_actor,
    take_seqs,
)
from huying.cases.ledger import (
    LedgerRow,
    complete_milestone,
    ledgers_under,
    open_ledger,
    reply_notice,
    supervise,
)
from huying.cases.loop import (
    FollowUpMethod,
    RejectReason,
    Satisfaction,
    accept,
    add_cohandlers,
    approve_extension,
    city_code,
    classify,
    close,
    cohandler_names,
    cohandlers_of,
    dispatch,
    escalate,
    follow_up,
    locate,
    mark_handled,
    new_case_fields,
    record_part,
    refuse_extension,
    regrid,
    reject,
    report,
    request_extension,
    return_to_dispatcher,
    transfer,
)
from huying.cases.merge import coreporters_of, join, merge, merged_into, unmerge
from huying.cases.queries import events_of, get_case, list_cases
from huying.cases.reports import Channel, ReportIn
from huying.cases.requests import (
    CENTRE_CHANNEL,
    Delivery,
    deliver,
    open_request,
    request_materials,
    supply_materials,
)
from huying.cases.units import HANDLING_LEVEL, NEXT_LEVEL, answering_unit, escalation_target

__all__ = [
    "ALLOWED_IMAGE_TYPES", "CENTRE_CHANNEL", "Delivery", "deliver", "open_request", "request_materials",
    "supply_materials", "HANDLING_LEVEL", "NEW_CASES", "NEXT_LEVEL", "SPECS", "Channel",
    "FollowUpMethod", "LedgerRow", "Recorded", "RejectReason", "ReportIn", "Satisfaction", "Upload",
    "accept", "add_cohandlers", "answering_unit", "approve_extension", "case_code", "city_code",
    "classify", "close", "cohandler_names", "cohandlers_of", "command", "complete_milestone", "coreporters_of",
    "dispatch", "end_command", "escalate", "escalation_target", "events_of", "follow_up",
    "get_case", "in_one_transaction", "join", "ledgers_under", "list_cases", "locate",
    "mark_handled", "mark_overdue", "regrid", "merge", "merged_into", "new_case_fields", "next_code",
    "one_transaction", "open_ledger", "parse", "perform", "record", "record_part",
    "refuse_extension", "reject", "reply_notice", "report", "request_extension",
    "return_to_dispatcher", "store_uploads", "supervise", "system_actor", "take_seqs", "transfer",
    "unmerge",
]
