"""Who does what with community resources: the role sets every service of the domain takes
its rules from (one place; each service adds its scope check on top, through
``huying.cases.policy.covers_node``)."""

from __future__ import annotations

from huying.orgs.models import Role

#: The officers of a place: within their scope they keep its councils, lists, matches,
#: projects and centres.
OFFICERS = frozenset({Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER, Role.ADMIN})
#: Who reads the community resources of the places their scope covers: officers and leaders.
READERS = OFFICERS | {Role.LEADER}
#: A co-building organisation's account: it claims and funds projects for its organisation.
PARTNERS = frozenset({Role.PARTNER})
