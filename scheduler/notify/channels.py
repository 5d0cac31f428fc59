"""The channels a reminder goes out by: SMTP email, a Twilio-style SMS REST API, and the
console (the default when nothing is configured, so a fresh install shows reminders flowing).

Each channel's send() returns the provider's id for the message or raises SendError, whose
`permanent` flag tells the worker whether another attempt can help.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import smtplib
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

log = logging.getLogger("scheduler.notify")

SEND_TIMEOUT_S = 15


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class Outgoing:
    dedupe_key: str  # stable per logical message: the Message-ID and the idempotency key
    to: str  # email address or E.164 phone number
    subject: str
    text: str
    unsubscribe_url: str | None = None
    html: str | None = None  # email: the HTML alternative of `text`
    ics: bytes | None = None  # email: the calendar file (text/calendar) ...
    ics_method: str | None = None  # ... and its METHOD (REQUEST or CANCEL)
    # SMS: the messages to send, each within 160 GSM-7 characters ("(1/2) ..." when split).
    sms_parts: tuple[str, ...] = ()


def message_id(dedupe_key: str, mail_from: str) -> str:
    """The same Message-ID for every attempt at one reminder, so a resend after a crash is
    recognisable (and collapsed by many mail systems) as the same message."""
    domain = mail_from.rpartition("@")[2].strip(">") or "localhost"
    return f"<reminder.{re.sub(r'[^A-Za-z0-9.-]', '-', dedupe_key)}@{domain}>"


class EmailChannel:
    """smtplib, one connection kept open across a sweep and reopened when the server drops it."""

    name = "email"

    def __init__(self, *, host: str, port: int, username: str = "", password: str = "", starttls: bool = False,
                 mail_from: str):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.starttls, self.mail_from = starttls, mail_from
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        smtp = smtplib.SMTP(self.host, self.port, timeout=SEND_TIMEOUT_S)
        if self.starttls:
            smtp.starttls()
        if self.username:
            smtp.login(self.username, self.password)
        return smtp

    def send(self, out: Outgoing) -> str:
        msg = EmailMessage()
        msg["From"] = self.mail_from
        msg["To"] = out.to
        msg["Subject"] = out.subject
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = message_id(out.dedupe_key, self.mail_from)
        if out.unsubscribe_url:
            msg["List-Unsubscribe"] = f"<{out.unsubscribe_url}>"
        msg.set_content(out.text)
        if out.html:
            msg.add_alternative(out.html, subtype="html")
        if out.ics:
            # Attached whole, with the method in the Content-Type as RFC 6047 asks, so mail
            # programs offer "add to calendar" (or update / remove the event).
            msg.add_attachment(out.ics, maintype="text", subtype="calendar", filename="calendar.ics",
                               params={"method": out.ics_method or "REQUEST", "charset": "UTF-8"})
        for attempt in (1, 2):
            try:
                if self._smtp is None:
                    self._smtp = self._connect()
                self._smtp.send_message(msg)
                return msg["Message-ID"]
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 2:
                    raise SendError("SMTP server disconnected") from None
            except smtplib.SMTPRecipientsRefused as exc:
                self.close()
                raise SendError(f"recipient refused: {_codes(exc.recipients)}", permanent=True) from None
            except smtplib.SMTPResponseException as exc:
                self.close()
                # 5xx is the server's final answer; 4xx means try later.
                raise SendError(f"SMTP {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from None
            except (OSError, smtplib.SMTPException) as exc:
                self.close()
                raise SendError(f"SMTP: {type(exc).__name__}") from None
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            self._smtp = None


def _codes(recipients: dict) -> str:
    # The refused address is patient data: keep only the server's codes for the row's error.
    return ", ".join(str(code) for code, _msg in recipients.values())


class SmsChannel:
    """POST {api_url}/Accounts/{sid}/Messages.json with To, From, Body; the answer's `sid`
    is the provider id. Such APIs do not deduplicate, so the worker's lease and the
    documented crash window bound the duplicates; the Idempotency-Key header costs nothing
    and lets a provider (or our test server) that honours it collapse a resend."""

    name = "sms"

    def __init__(self, *, api_url: str, account_sid: str, auth_token: str, sms_from: str):
        if urllib.parse.urlsplit(api_url).scheme not in ("https", "http"):
            raise ValueError("SMS_API_URL must be an http(s) URL")
        self.url = f"{api_url.rstrip('/')}/Accounts/{urllib.parse.quote(account_sid)}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"}
        self.sms_from = sms_from

    def send(self, out: Outgoing) -> str:
        """Every part in order; the provider ids joined by commas. A failure after some
        parts went makes the retry send them again (the same Idempotency-Key per part)."""
        parts = out.sms_parts or (out.text,)
        if len(parts) == 1:
            return self._send_part(out.to, parts[0], out.dedupe_key)
        return ",".join(self._send_part(out.to, part, f"{out.dedupe_key}-part{i}") for i, part in enumerate(parts, 1))

    def _send_part(self, to: str, text: str, key: str) -> str:
        body = urllib.parse.urlencode({"To": to, "From": self.sms_from, "Body": text}).encode()
        request = urllib.request.Request(self.url, data=body, method="POST",
                                         headers={**self.headers, "Idempotency-Key": key})
        try:
            with urllib.request.urlopen(request, timeout=SEND_TIMEOUT_S) as response:  # nosec B310 - scheme checked to be http(s) in __init__
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            # 4xx (bad number, opted out) will not get better; 429 and 5xx may.
            raise SendError(f"SMS API HTTP {exc.code}", permanent=400 <= exc.code < 500 and exc.code != 429) from None
        except (OSError, ValueError) as exc:
            raise SendError(f"SMS API: {type(exc).__name__}") from None
        sid = answer.get("sid") if isinstance(answer, dict) else None
        if not sid:
            raise SendError("SMS API answered without a message sid")
        return str(sid)

    def close(self) -> None:
        pass


class ConsoleChannel:
    """Nothing leaves the machine: the message is appended to a file in the instance folder
    (shown on the admin outbox page) and a line without patient data is logged."""

    def __init__(self, name: str, path: Path):
        self.name, self.path = name, path
        self._lock = threading.Lock()

    def send(self, out: Outgoing) -> str:
        record = {"key": out.dedupe_key, "channel": self.name, "to": out.to, "subject": out.subject, "text": out.text}
        with self._lock, self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        log.info("console %s: reminder %s written to the outbox file", self.name, out.dedupe_key)
        return f"console:{out.dedupe_key}"

    def close(self) -> None:
        pass


def read_console_outbox(path: Path, *, last: int = 100) -> list[dict]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()[-last:]
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in reversed(lines) if line.strip()]


def channels_from_config(config, instance_path: str) -> dict:
    """The configured channels; console for any that is not configured."""
    console_path = Path(instance_path) / "console_outbox.jsonl"
    channels: dict = {}
    if config.get("SMTP_HOST"):
        channels["email"] = EmailChannel(host=config["SMTP_HOST"], port=config["SMTP_PORT"],
                                         username=config["SMTP_USERNAME"], password=config["SMTP_PASSWORD"],
                                         starttls=config["SMTP_STARTTLS"], mail_from=config["MAIL_FROM"])
    else:
        channels["email"] = ConsoleChannel("email", console_path)
    if config.get("SMS_API_URL") and config.get("SMS_ACCOUNT_SID"):
        channels["sms"] = SmsChannel(api_url=config["SMS_API_URL"], account_sid=config["SMS_ACCOUNT_SID"],
                                     auth_token=config["SMS_AUTH_TOKEN"], sms_from=config["SMS_FROM"])
    else:
        channels["sms"] = ConsoleChannel("sms", console_path)
    return channels
