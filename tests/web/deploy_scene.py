"""The scene of the deployment pages' tests in the demo city: an active deployment over
虎门 by its town officer (the demo's past one ended, so its staff are free), made once per
test database through the service. The demo account ``handler`` is one of its members."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from huying.contact import deploy_service as ds
from huying.contact.deploy_models import CheckIn, Deployment, DeploymentMember, DeploymentStatus
from huying.geo.models import Node
from huying.orgs.models import User
from tests.web.scene import HUMEN_TOWN, actor, utcnow


def active_deployment(session: Session) -> int:
    found = session.scalar(select(Deployment.id).join(Node, Node.id == Deployment.node_id).where(
        Node.code == HUMEN_TOWN, Deployment.status == DeploymentStatus.ACTIVE.value))
    if found is not None:
        return int(found)
    dep = ds.create(session, actor(session, "town"), ds.DeploymentIn(node=HUMEN_TOWN, name="防汛应急下沉",
                                                                     reason="强降雨"), now=utcnow())
    session.commit()
    return dep.id


def not_checked_in(session: Session, deployment_id: int, username: str = "handler") -> None:
    """Forget the check-ins of ``username`` in the deployment (another test of the same
    database may have checked in first): the page then offers its button again."""
    person = session.scalar(select(User.person_id).where(User.username == username))
    members = select(DeploymentMember.id).where(DeploymentMember.deployment_id == deployment_id,
                                                DeploymentMember.person_id == person)
    session.execute(delete(CheckIn).where(CheckIn.member_id.in_(members)))
    session.commit()
