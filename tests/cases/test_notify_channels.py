"""Notifications that reach people: an account's verified, chosen channels; e-mail over a real
SMTP server (aiosmtpd, started by the test); SMS through a local HTTP gateway that fails as
told; retries with backoff, dead letters and their re-queueing; the recipient's language."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huying.cases import notify
from huying.cases import service as svc
from huying.cases.models import OutboxMessage
from huying.cases.senders import Channels
from huying.config import Settings
from huying.errors import SettingError
from huying.geo import service as geo
from huying.orgs import contacts
from huying.orgs.models import User
from tests.cases.conftest import T0, World, build_world


@pytest.fixture
def committed(fresh_engine: Engine) -> Iterator[tuple[Engine, World]]:
    geo.clear_index_cache()
    with Session(fresh_engine, expire_on_commit=False) as s:
        world = build_world(s)
        yield fresh_engine, world


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self) -> None:
        self.mails: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append((list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,  # noqa: N802
                          rcpt_options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


class Gateway:
    """A local SMS gateway: answers ``plan`` (a list of status codes, then 200 for ever)."""

    def __init__(self) -> None:
        self.plan: list[int] = []
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def gateway() -> Iterator[tuple[Gateway, str]]:
    gw = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            gw.received.append(json.loads(body))
            gw.headers.append(dict(self.headers))
            status = gw.plan.pop(0) if gw.plan else 200
            reply = b'{"ok": true}' if status == 200 else b'{"error": "invalid number"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gw, f"http://127.0.0.1:{server.server_address[1]}/send"
    finally:
        server.shutdown()
        server.server_close()


def channels(smtp_port: int | None = None, sms_url: str = "") -> Channels:
    return Channels(Settings(smtp_host="127.0.0.1" if smtp_port else "", smtp_port=smtp_port or 25,
                             smtp_starttls=False, smtp_from="huying@example.org", sms_url=sms_url,
                             sms_token="tok-123", sms_timeout=5))


def user(s: Session, world: World, persona: str) -> User:
    u = s.get(User, world[persona].user_id)
    assert u is not None
    return u


def verified(engine: Engine, world: World, persona: str, channel: str, address: str, *, on: bool = True) -> None:
    """Give the persona a verified address (the code read back from the row's hash is not
    possible: confirm with a known code through the same rules)."""
    with Session(engine) as s:
        u = user(s, world, persona)
        row = contacts.set_address(s, u, channel, address, now=T0)
        code = contacts.new_code(row, now=T0)
        contacts.confirm(s, u, channel, code, now=T0)
        if not on:
            row.enabled = False
        s.commit()


def outbox(engine: Engine) -> list[OutboxMessage]:
    with Session(engine) as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_verification_mail_and_a_report_reach_a_real_smtp_server_in_the_persons_language(
        committed: tuple[Engine, World], smtp: tuple[Inbox, int]) -> None:
    engine, world = committed
    inbox, port = smtp
    sender = channels(port)
    with Session(engine) as s:
        notify.give_address(s, user(s, world, "resident"), "email", "Resident@Example.org", now=T0)
        s.commit()
    report = notify.deliver(engine, sender, now=T0)
    assert report.sent == 1
    (to, mail), = inbox.mails
    assert to == ["Resident@example.org"] and mail["Subject"] == "呼应：验证您的电子邮箱"
    code = re.search(r"\b(\d{6})\b", mail.get_content()).group(1)  # type: ignore[union-attr]
    assert mail["X-Idempotency-Key"].startswith("verify:")
    with Session(engine) as s:
        u = user(s, world, "resident")
        contacts.confirm(s, u, "email", code, now=T0 + dt.timedelta(minutes=5))
        notify.choose(s, u, ["email"], "en")
        s.commit()
    world.report(now=T0 + dt.timedelta(minutes=10))
    world.session.commit()
    later = T0 + dt.timedelta(minutes=11)
    first = notify.deliver(engine, sender, now=later)
    assert (first.routed, first.sent) == (1, 1)  # the message to the account, then its e-mail
    to, mail = inbox.mails[1]
    assert to == ["Resident@example.org"]
    assert mail["Subject"].startswith("Your report has been accepted, number 441900-")
    parent, child = [m for m in outbox(engine) if m.event_id is not None]
    assert (parent.recipient_kind, parent.status) == ("user", "routed")
    assert (child.recipient_kind, child.status) == ("email", "sent")
    assert child.idempotency_key == f"{parent.idempotency_key}:email:{world['resident'].user_id}"
    assert mail["X-Idempotency-Key"] == child.idempotency_key


def test_an_unverified_address_gets_only_its_code(committed: tuple[Engine, World], smtp: tuple[Inbox, int]) -> None:
    engine, world = committed
    inbox, port = smtp
    with Session(engine) as s:
        notify.give_address(s, user(s, world, "resident"), "email", "r@example.org", now=T0)
        s.commit()
        with pytest.raises(SettingError) as refused:
            notify.choose(s, user(s, world, "resident"), ["email"])
        assert refused.value.reason == "unverified"
    world.report()
    world.session.commit()
    report = notify.deliver(engine, channels(port), now=T0)
    assert (report.routed, report.sent) == (0, 1)
    assert len(inbox.mails) == 1 and "验证" in inbox.mails[0][1]["Subject"]
    assert [m.status for m in outbox(engine) if m.event_id is not None] == ["routed"]


def test_the_persons_choice_of_channel_is_respected(committed: tuple[Engine, World], smtp: tuple[Inbox, int],
                                                    gateway: tuple[Gateway, str]) -> None:
    engine, world = committed
    inbox, port = smtp
    gw, url = gateway
    verified(engine, world, "resident", "email", "r@example.org")
    verified(engine, world, "resident", "sms", "+86 138-0013-8001")
    with Session(engine) as s:
        notify.choose(s, user(s, world, "resident"), ["sms"])
        s.commit()
    world.report()
    world.session.commit()
    notify.deliver(engine, channels(port, url), now=T0)
    assert inbox.mails == []
    (sms,) = gw.received
    assert sms["to"] == "13800138001" and sms["text"].startswith("您反映的问题已受理")
    assert gw.headers[0]["Authorization"] == "Bearer tok-123"
    assert sms["idempotency_key"] == gw.headers[0]["Idempotency-Key"]
    # in-app only: nothing goes out
    with Session(engine) as s:
        notify.choose(s, user(s, world, "resident"), [])
        s.commit()
    world.report(title="井盖缺失")
    world.session.commit()
    notify.deliver(engine, channels(port, url), now=T0)
    assert len(gw.received) == 1 and inbox.mails == []


def test_a_unit_hears_through_its_members_channels(committed: tuple[Engine, World],
                                                   gateway: tuple[Gateway, str]) -> None:
    engine, world = committed
    gw, url = gateway
    verified(engine, world, "handler", "sms", "13800138002")
    code = world.report().code
    case = svc.get_case(world.session, world["town"], code)
    svc.dispatch(world.session, case, world["town"], unit="441900101-dept-urban_management", now=T0)
    world.session.commit()
    notify.deliver(engine, channels(None, url), now=T0)
    assert [r["to"] for r in gw.received] == ["13800138002"]
    assert gw.received[0]["text"].startswith("新派件")


def test_sms_failures_back_off_then_succeed_with_the_same_key(committed: tuple[Engine, World],
                                                              gateway: tuple[Gateway, str]) -> None:
    engine, world = committed
    gw, url = gateway
    verified(engine, world, "resident", "sms", "13800138001")
    world.report()
    world.session.commit()
    gw.plan = [503, 500]
    sender = channels(None, url)
    first = notify.deliver(engine, sender, now=T0)
    assert (first.routed, first.failed) == (1, 1)
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert sms.status == "pending" and sms.attempts == 1 and "503" in (sms.last_error or "")
    assert sms.available_at == T0 + notify.backoff(1) == T0 + dt.timedelta(seconds=60)
    assert notify.deliver(engine, sender, now=T0 + dt.timedelta(seconds=59)).failed == 0  # not yet due
    notify.deliver(engine, sender, now=T0 + dt.timedelta(seconds=60))
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert sms.attempts == 2 and sms.available_at == T0 + dt.timedelta(seconds=60) + notify.backoff(2)
    done = notify.deliver(engine, sender, now=T0 + dt.timedelta(minutes=10))
    assert done.sent == 1 and done.redelivered == 1
    assert len({r["idempotency_key"] for r in gw.received}) == 1 and len(gw.received) == 3
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert sms.status == "sent" and sms.attempts == 3


def test_a_bad_number_is_a_dead_letter_at_once_and_an_admin_requeues_it(
        committed: tuple[Engine, World], gateway: tuple[Gateway, str]) -> None:
    engine, world = committed
    gw, url = gateway
    verified(engine, world, "resident", "sms", "13800138001")
    world.report()
    world.session.commit()
    gw.plan = [400]
    report = notify.deliver(engine, channels(None, url), now=T0)
    assert (report.failed, report.dead) == (1, 1)
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert sms.status == "dead" and sms.attempts == 1 and "invalid number" in (sms.last_error or "")
    assert notify.deliver(engine, channels(None, url), now=T0 + dt.timedelta(days=1)).sent == 0
    with Session(engine) as s:
        seen = notify.overview(s, world.city_id)
        assert seen.dead_total == 1 and seen.dead[0].id == sms.id
        assert not notify.requeue(s, city_id=world.city_id + 1, message_id=sms.id, now=T0)  # another city's
        assert notify.requeue(s, city_id=world.city_id, message_id=sms.id, now=T0 + dt.timedelta(hours=1))
        s.commit()
        assert not notify.requeue(s, city_id=world.city_id, message_id=sms.id, now=T0)  # no longer dead
    assert notify.deliver(engine, channels(None, url), now=T0 + dt.timedelta(hours=1)).sent == 1
    assert len(gw.received) == 2


def test_retries_end_in_the_dead_letters_after_the_last_attempt(committed: tuple[Engine, World],
                                                                gateway: tuple[Gateway, str]) -> None:
    engine, world = committed
    gw, url = gateway
    verified(engine, world, "resident", "sms", "13800138001")
    world.report()
    world.session.commit()
    gw.plan = [500] * 10
    t = T0
    for _ in range(3):
        notify.deliver(engine, channels(None, url), now=t, max_attempts=3)
        t += dt.timedelta(days=1)
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert (sms.status, sms.attempts) == ("dead", 3) and len(gw.received) == 3


def test_a_timeout_is_retried(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    verified(engine, world, "resident", "sms", "13800138001")
    world.report()
    world.session.commit()
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        s = Settings(sms_url=f"http://127.0.0.1:{silent.getsockname()[1]}/send", sms_timeout=0.3)
        notify.deliver(engine, Channels(s), now=T0)
    (sms,) = [m for m in outbox(engine) if m.recipient_kind == "sms"]
    assert sms.status == "pending" and sms.attempts == 1 and "timed out" in (sms.last_error or "").lower()


def test_a_refused_mailbox_is_a_dead_letter_and_a_channel_without_sender_too(
        committed: tuple[Engine, World], smtp: tuple[Inbox, int]) -> None:
    engine, world = committed
    _, port = smtp
    verified(engine, world, "resident", "email", "nobody@example.org")
    verified(engine, world, "resident2", "sms", "13800138009")
    world.report()
    world.report("resident2")
    world.session.commit()
    notify.deliver(engine, channels(port), now=T0)  # no SMS gateway configured
    dead = {m.recipient_kind: m for m in outbox(engine) if m.status == "dead"}
    assert set(dead) == {"email", "sms"}
    assert "550" in (dead["email"].last_error or "") and "no sms sender" in (dead["sms"].last_error or "")


def test_the_log_notifier_still_gets_every_message_unrouted(committed: tuple[Engine, World]) -> None:
    engine, world = committed
    verified(engine, world, "resident", "email", "r@example.org")
    world.report()
    world.session.commit()
    log = notify.LogNotifier()
    assert notify.deliver(engine, log, now=T0).sent == 1
    assert [(m.recipient_kind, m.recipient) for m in log.sent] == [("user", str(world["resident"].user_id))]
