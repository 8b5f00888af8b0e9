"""Where an alert goes: always one JSON line in alerts.log, then e-mail and a webhook when configured.

Each channel gets one attempt with a timeout: a channel that is down costs one timeout per alert, never a retry
loop. Its failure becomes a ``channel_error`` line in alerts.log (never raised), without password or webhook path.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

from pii.errors import UsageError
from pipelines.alerts.alert import Alert, now_utc
from pipelines.alerts.settings import AlertSettings, alert_settings
from pipelines.environment import warehouse_path

LOG_NAME = "alerts.log"


def alerts_log_path() -> Path:
    """``alerts.log`` beside the published warehouse file (``PII_DUCKDB_PATH``'s folder)."""
    return warehouse_path().parent / LOG_NAME


def append_line(path: Path, record: dict[str, object]) -> None:
    """Append one JSON line: a single write, so lines of two writers never interleave."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")


def send_email(settings: AlertSettings, alert: Alert) -> None:
    if not settings.smtp_host:
        raise UsageError("PII_ALERT_EMAIL_TO is set but PII_ALERT_SMTP_HOST is not")
    if not settings.email_to:
        raise UsageError("PII_ALERT_SMTP_HOST is set but PII_ALERT_EMAIL_TO is not")
    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = alert.summary, settings.smtp_from, ", ".join(settings.email_to)
    message.set_content(alert.text())
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        smtp.send_message(message)


def post_webhook(settings: AlertSettings, alert: Alert) -> None:
    # "text" first: chat webhooks (Slack, Mattermost, Google Chat) show it; other receivers read the fields.
    body = json.dumps({"text": alert.summary, **alert.record()}, ensure_ascii=False, default=str).encode()
    request = urllib.request.Request(settings.webhook_url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
        response.read()  # urlopen raises HTTPError on 4xx/5xx


def _target(settings: AlertSettings, channel: str) -> str:
    if channel == "email":
        return f"{settings.smtp_host}:{settings.smtp_port} -> {', '.join(settings.email_to)}"
    try:
        url = urlsplit(settings.webhook_url)
        return f"{url.scheme}://{url.hostname}{f':{url.port}' if url.port else ''}"  # no path: it may hold a token
    except ValueError:  # a malformed port: say so without echoing the URL
        return "(malformed PII_ALERT_WEBHOOK_URL)"


def _redact(text: str, settings: AlertSettings) -> str:
    for secret in (settings.smtp_password, settings.webhook_url):
        if secret:
            text = text.replace(secret, "***")
    return text


def deliver(alert: Alert, log_path: Path | None = None) -> list[str]:
    """Write the alert to alerts.log, then send it by every configured channel; return one line per outcome."""
    path = log_path or alerts_log_path()
    append_line(path, alert.record())
    outcomes = [f"alert written to {path}"]
    try:
        settings = alert_settings()
    except UsageError as exc:  # a misconfigured channel must not hide the alert: it is in the log already
        append_line(path, {"kind": "channel_error", "time": now_utc(), "channel": "settings", "run_id": alert.run_id,
                           "error": str(exc)})
        return [*outcomes, f"alert channels not used: {exc}"]
    channels = [("email", send_email, settings.email_enabled), ("webhook", post_webhook, settings.webhook_enabled)]
    for channel, send, enabled in channels:
        if not enabled:
            continue
        try:
            send(settings, alert)
            outcomes.append(f"alert sent by {channel} to {_target(settings, channel)}")
        except (OSError, smtplib.SMTPException, UsageError, ValueError) as exc:  # URLError, timeouts are OSErrors
            error = _redact(f"{type(exc).__name__}: {exc}", settings)
            append_line(path, {"kind": "channel_error", "time": now_utc(), "channel": channel,
                               "target": _target(settings, channel), "run_id": alert.run_id, "error": error})
            outcomes.append(f"alert NOT sent by {channel}: {error}")
    return outcomes
