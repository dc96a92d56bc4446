"""Who does what in contact with households: the role sets every service of the domain
takes its rules from (one place; each service adds its own scope check on top, through
``huying.cases.policy.covers_node``)."""

from __future__ import annotations

from huying.orgs.models import Role

#: The officers of a place: within their scope they keep its register, give its households
#: and enterprises to cadres, record visits of them and link its party members.
OFFICERS = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.ADMIN})
#: Who reads the contact of the places their scope covers: the officers and the leaders.
READERS = OFFICERS | {Role.LEADER}
#: Who may be given households and enterprises to visit (deputies too, as users in these roles).
CADRES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.LEADER})
