"""The pages of each person: residents (report, my reports, public reports), staff (the
workbench, a case and its actions, supervision notices, the ledger), leaders (figures, map
and trends) and administrators. Every unsafe request is checked for its CSRF token."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from huying.web import csrf
from huying.web.pages import (
    accountability,
    accounts,
    admin,
    apidocs,
    auth,
    cases,
    circle,
    community,
    deployments,
    divisions,
    exchange,
    imports,
    indicators,
    leader,
    links,
    mapedit,
    notifications,
    onestop,
    register,
    report,
    resident,
    visits,
    walks,
    work,
)

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf.check)])
for module in (auth, resident, work, cases, leader, admin, accounts, apidocs, visits, walks, links, deployments,
               register, circle, onestop, community, exchange, indicators, accountability, report, mapedit,
               divisions, notifications, imports):
    router.include_router(module.router)
