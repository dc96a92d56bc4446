"""Where a report comes from is decided by who reports and how, never taken on trust from
the client: a resident reports through the web or Open311; a grid worker's patrol, a cadre's
visit and a leader's walk get their channels from their role and the form they use."""

from __future__ import annotations

from huying.cases.reports import Channel
from huying.errors import InvalidInput, NotPermitted
from huying.orgs.actor import Actor
from huying.orgs.models import Role

C = Channel
#: The channels each role may report through (the first is the one it reports through
#: when it names none). Open311 is how a client application reports, whoever holds its key.
BY_ROLE: dict[str, tuple[Channel, ...]] = {
    Role.RESIDENT: (C.RESIDENT_WEB, C.OPEN311),
    Role.GRID_WORKER: (C.GRID_PATROL, C.RESIDENT_POINT_VISIT, C.HOTLINE, C.OPEN311),
    Role.COMMUNITY_OFFICER: (C.HOTLINE, C.RESIDENT_POINT_VISIT, C.GRID_PATROL, C.BULK_IMPORT, C.OPEN311),
    Role.TOWN_OFFICER: (C.HOTLINE, C.RESIDENT_POINT_VISIT, C.INSPECTION_WALK, C.BULK_IMPORT, C.OPEN311),
    Role.CITY_OFFICER: (C.HOTLINE, C.RESIDENT_POINT_VISIT, C.INSPECTION_WALK, C.BULK_IMPORT, C.OPEN311),
    Role.DEPARTMENT_HANDLER: (C.HOTLINE, C.INSPECTION_WALK, C.OPEN311),
    Role.LEADER: (C.INSPECTION_WALK, C.RESIDENT_POINT_VISIT, C.OPEN311),
    Role.ADMIN: tuple(Channel),
    #: an application (huying.orgs.clients) reports through Open311 only
    Role.CLIENT: (C.OPEN311,),
}


def allowed(role: str) -> tuple[Channel, ...]:
    return BY_ROLE.get(role, ())


def channel_for(actor: Actor, claimed: str | None = None) -> Channel:
    """The channel of ``actor``'s report: the one claimed if the role may use it (403 with the
    reason if not), else the role's own."""
    mine = allowed(actor.role)
    if not mine:
        raise NotPermitted(f"a {actor.role} does not report")
    if claimed is None or claimed == "":
        return mine[0]
    try:
        channel = Channel(claimed)
    except ValueError:
        raise InvalidInput(f"{claimed!r} is not one of {', '.join(Channel)}", "channel") from None
    if channel not in mine:
        raise NotPermitted(f"a {actor.role} reports through {', '.join(mine)}, not {channel.value}")
    return channel
