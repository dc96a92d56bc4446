"""Staff for the deployment tests, in the small city of ``tests.cases.conftest``:

    town 1 (441900101): 13 staff of its urban management and housing departments and its
        party committee; 7 live in grid 1a (population 300), 3 in grid 1b (population 100),
        2 in town 2's grid 2a, 1 with no known home (left out) → 4 teams: 3 in 1a, 1 in 1b
    town 2 (441900102): 6 staff of its urban management department, living in grid 2b
    the persona ``handler`` (town 1's urban management) is the first of town 1's staff
    (``部门职工01``); ``handler2`` the first of town 2's.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from huying.orgs.models import Person, User
from tests.cases.conftest import World

#: (organisation key, home grid key or None, name)
TOWN1 = ([("town1_urban", "grid1a", f"部门职工{i:02d}") for i in range(1, 5)]
         + [("town1_housing", "grid1a", f"住建职工{i:02d}") for i in range(1, 4)]
         + [("town1_party", "grid1b", f"镇街干部{i:02d}") for i in range(1, 4)]
         + [("town1_housing", "grid2a", f"外住职工{i:02d}") for i in range(1, 3)]
         + [("town1_party", None, "无址干部01")])
TOWN2 = [("town2_urban", "grid2b", f"二镇职工{i:02d}") for i in range(1, 7)]


def add_staff(session: Session, w: World) -> dict[str, int]:
    """The staff above; returns their person ids by name. Commits."""
    ids: dict[str, int] = {}
    for unit, grid, name in TOWN1 + TOWN2:
        p = Person(city_id=w.city_id, name=name, phone_masked="13812345678" if name == "部门职工01" else "139****0001",
                   node_id=w.nodes[grid].id if grid else None, organisation_id=w.units[unit].id)
        session.add(p)
        session.flush()
        ids[name] = p.id
    for key, pop in (("grid1a", 300), ("grid1b", 100), ("grid2a", 200), ("grid2b", 200)):
        w.nodes[key].population = pop
    session.execute(update(User).where(User.username == "handler").values(person_id=ids["部门职工01"]))
    session.execute(update(User).where(User.username == "handler2").values(person_id=ids["二镇职工01"]))
    session.commit()
    return ids
