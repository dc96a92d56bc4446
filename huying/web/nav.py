"""Where each role starts and which sections its navigation shows (labels are in
``_labels.html``; who may do what inside a section is the policy's business)."""

from __future__ import annotations

from huying.orgs.models import Role

STAFF = (Role.GRID_WORKER, Role.COMMUNITY_OFFICER, Role.TOWN_OFFICER, Role.CITY_OFFICER,
         Role.DEPARTMENT_HANDLER)

_SECTIONS: dict[str, tuple[str, ...]] = {
    Role.RESIDENT: ("report", "my", "centres", "public"),
    Role.GRID_WORKER: ("work", "visits", "links", "counter", "report", "notices", "public"),
    Role.COMMUNITY_OFFICER: ("work", "visits", "register", "links", "walks", "counter", "notices", "ledger", "figures",
                             "community", "circle", "duties", "reviews", "weak", "report", "public"),
    Role.TOWN_OFFICER: ("work", "visits", "register", "links", "walks", "notices", "ledger", "figures", "deployments",
                        "community", "circle", "duties", "reviews", "weak", "public"),
    Role.CITY_OFFICER: ("work", "visits", "register", "links", "walks", "notices", "ledger", "figures", "deployments",
                        "community", "circle", "duties", "reviews", "weak", "public"),
    Role.DEPARTMENT_HANDLER: ("work", "notices", "ledger", "deployments", "public"),
    Role.LEADER: ("figures", "work", "ledger", "visits", "links", "walks", "deployments", "community", "circle",
                  "duties", "reviews", "weak", "public"),
    Role.ADMIN: ("admin", "work", "register", "figures", "deployments", "duties", "reviews", "weak", "public"),
    Role.PARTNER: ("exchange", "public"),
}
_ANONYMOUS = ("public", "centres", "exchange")
#: Sections every person sees, signed in or not (the public-welfare exchange).
_EVERYONE = ("exchange",)

HREF = {
    "report": "/report", "my": "/my", "public": "/public", "work": "/work",
    "notices": "/notices", "ledger": "/ledger", "figures": "/leader", "admin": "/admin",
    "visits": "/visits", "walks": "/walks", "links": "/links", "deployments": "/deployments",
    "register": "/register", "centres": "/centres/find", "circle": "/circle", "counter": "/counter",
    "community": "/community", "exchange": "/exchange", "duties": "/duties", "reviews": "/reviews", "weak": "/weak",
}


def sections(role: str | None) -> list[tuple[str, str]]:
    """(key, href) of the sections a role sees, in order."""
    keys = _SECTIONS.get(role, _ANONYMOUS) if role else _ANONYMOUS  # type: ignore[call-overload]
    keys = (*keys, *(k for k in _EVERYONE if k not in keys))
    return [(k, HREF[k]) for k in keys]


def home_of(role: str) -> str:
    """The page a person lands on after signing in: a resident's home (report, and their
    reports) is ``/``; the others start at their first section."""
    if role == Role.RESIDENT:
        return "/"
    return sections(role)[0][1]
