"""The senders behind the ``Notifier`` port (``HUYING_NOTIFIER=channels``): e-mail over SMTP
and SMS through an HTTP gateway. A message reaching them is addressed to one channel
(``recipient_kind`` ``email`` or ``sms``, ``recipient`` the address): the delivery worker
routed it there from a person's choices (:func:`huying.cases.notify.deliver`).

A sender raises :class:`Permanent` when sending again cannot help (a refused address, a
number the gateway says is bad): the worker dead-letters the message at once. Any other
exception is transient (a server down, a timeout, a 5xx): the worker retries with backoff.
Each passes the message's idempotency key on (``Message-ID`` / ``X-Idempotency-Key`` and
the gateway's ``idempotency_key``), so a retried message is recognised downstream."""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate
from typing import TYPE_CHECKING

from huying.config import Settings, get_settings

if TYPE_CHECKING:
    from huying.cases.notify import Message

log = logging.getLogger("huying.notify")


class Permanent(Exception):
    """Sending this message again cannot succeed: dead-letter it now."""


class SmtpSender:
    """E-mail through an SMTP server (``HUYING_SMTP_*``): one connection per message."""

    channel = "email"

    def __init__(self, settings: Settings) -> None:
        self.host, self.port = settings.smtp_host, settings.smtp_port
        self.user, self.password = settings.smtp_user, settings.smtp_password
        self.sender, self.starttls, self.timeout = settings.smtp_from, settings.smtp_starttls, settings.smtp_timeout

    def build(self, message: Message) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        domain = self.sender.rpartition("@")[2] or "huying"
        mail["Message-ID"] = f"<{message.key.replace(':', '.')}@{domain}>"
        mail["X-Idempotency-Key"] = message.key
        mail.set_content(message.body or message.subject)
        return mail

    def send(self, message: Message) -> None:
        mail = self.build(message)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [c for c, _ in exc.recipients.values()]
            if all(500 <= c < 600 for c in codes):
                raise Permanent(f"SMTP refused the recipient: {codes}") from exc
            raise
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600 and not isinstance(exc, smtplib.SMTPAuthenticationError):
                raise Permanent(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise


#: Gateway replies that say the message itself is bad (the number, the text): dead-letter.
#: Other 4xx (401/403: the gateway's credentials; 408, 429: try later) are retried, as are
#: 5xx, timeouts and refused connections.
PERMANENT_HTTP = frozenset({400, 404, 410, 413, 422})


class SmsGatewaySender:
    """SMS through a gateway taking a JSON POST (``HUYING_SMS_URL``, ``HUYING_SMS_TOKEN``)."""

    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self.url, self.token, self.timeout = settings.sms_url, settings.sms_token, settings.sms_timeout

    def send(self, message: Message) -> None:
        text = message.body or message.subject
        payload = json.dumps({"to": message.recipient, "text": text[:500], "idempotency_key": message.key},
                             ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.key}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=payload, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as reply:  # noqa: S310 - a configured URL
                reply.read(4096)
        except urllib.error.HTTPError as exc:
            detail = exc.read(500).decode("utf-8", "replace")
            if exc.code in PERMANENT_HTTP:
                raise Permanent(f"SMS gateway {exc.code}: {detail}") from exc
            raise RuntimeError(f"SMS gateway {exc.code}: {detail}") from exc


class Channels:
    """The ``Notifier`` of ``HUYING_NOTIFIER=channels``: a message to a person is routed by
    the delivery worker to the channels the person chose and verified; each routed message
    reaches the sender of its channel. A channel with no sender configured is a permanent
    failure (dead-lettered, re-queued by an administrator once the sender is set up)."""

    def __init__(self, settings: Settings | None = None) -> None:
        s = settings or get_settings()
        self.senders: dict[str, SmtpSender | SmsGatewaySender] = {}
        if s.smtp_host:
            self.senders["email"] = SmtpSender(s)
        if s.sms_url:
            self.senders["sms"] = SmsGatewaySender(s)
        #: The channels this notifier routes to (the delivery worker reads it).
        self.channels = frozenset(("email", "sms"))

    def send(self, message: Message) -> None:
        sender = self.senders.get(message.recipient_kind)
        if sender is None:
            if message.recipient_kind in self.channels:
                raise Permanent(f"no {message.recipient_kind} sender configured")
            log.info("notify %s:%s [%s] %s", message.recipient_kind, message.recipient, message.key,
                     message.subject)
            return
        sender.send(message)
