"""Where alerts go, read from ``PII_ALERT_*`` environment variables each time an alert is sent.

A plain function rather than a ``dg.ConfigurableResource`` with ``dg.EnvVar`` fields: an ``EnvVar`` that is not
set fails the resource, while every channel here is optional (with nothing set, alerts only go to alerts.log).
Reading the environment at send time also keeps the password out of Dagster's stored resource config.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from pii.errors import UsageError

TRUE = {"1", "true", "yes", "on"}
FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class AlertSettings:
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)  # never printed, never logged
    smtp_from: str = "pii-pipeline@localhost"
    smtp_starttls: bool = False
    email_to: tuple[str, ...] = ()
    webhook_url: str = field(default="", repr=False)  # a webhook URL often carries its token in the path
    timeout_seconds: float = 10.0

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host or self.email_to)

    @property
    def webhook_enabled(self) -> bool:
        return bool(self.webhook_url)


def _number(environ: Mapping[str, str], name: str, default: float, kind: type) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise UsageError(f"{name}={raw!r} is not a {'whole ' if kind is int else ''}number") from None
    if value <= 0:
        raise UsageError(f"{name}={raw!r} must be greater than 0")
    return value


def alert_settings(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """The alert channels configured in ``environ`` (default: this process's environment).

    A malformed value (port not a number, STARTTLS not yes/no) is a UsageError naming the variable.
    """
    env = os.environ if environ is None else environ
    starttls = env.get("PII_ALERT_SMTP_STARTTLS", "").strip().lower()
    if starttls not in TRUE | FALSE:
        raise UsageError(f"PII_ALERT_SMTP_STARTTLS={starttls!r}: use 1/0, true/false, yes/no or on/off")
    webhook = env.get("PII_ALERT_WEBHOOK_URL", "").strip()
    if webhook and not webhook.lower().startswith(("http://", "https://")):
        raise UsageError("PII_ALERT_WEBHOOK_URL must start with http:// or https://")
    return AlertSettings(
        smtp_host=env.get("PII_ALERT_SMTP_HOST", "").strip(),
        smtp_port=int(_number(env, "PII_ALERT_SMTP_PORT", 25, int)),
        smtp_user=env.get("PII_ALERT_SMTP_USER", "").strip(),
        smtp_password=env.get("PII_ALERT_SMTP_PASSWORD", ""),
        smtp_from=env.get("PII_ALERT_SMTP_FROM", "").strip() or AlertSettings.smtp_from,
        smtp_starttls=starttls in TRUE,
        email_to=tuple(a.strip() for a in env.get("PII_ALERT_EMAIL_TO", "").split(",") if a.strip()),
        webhook_url=webhook,
        timeout_seconds=_number(env, "PII_ALERT_TIMEOUT_SECONDS", 10.0, float),
    )
