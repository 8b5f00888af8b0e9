"""Failed runs become alerts: a JSON line in alerts.log always, e-mail and webhook when configured, and a
channel that is down is logged in alerts.log instead of breaking the sensor."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import dagster as dg
import pytest
from dagster._core.events import DagsterEventType
from dagster._core.remote_origin import RegisteredCodeLocationOrigin

from pii.errors import UsageError
from pipelines.alerts import defs as alert_defs
from pipelines.alerts.alert import run_failure_alert
from pipelines.alerts.channels import deliver
from pipelines.alerts.sensor import pii_run_failure_alert
from pipelines.alerts.settings import alert_settings

PASSWORD = "s3cret-pa55"
WEBHOOK_TOKEN = "T0KEN-in-path"


# A job that fails the way pii_refresh fails: a critical (blocking) check and a step raising an error.
@dg.asset(key=["core", "counts"], check_specs=[dg.AssetCheckSpec("counts_positive", asset=["core", "counts"],
                                                                 blocking=True)])
def counts() -> Iterator[dg.Output | dg.AssetCheckResult]:
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="counts_positive", passed=False, severity=dg.AssetCheckSeverity.ERROR,
                              description="every province has a positive count", metadata={"unexpected_count": 3})


@dg.asset(key=["core", "totals"], deps=[counts])
def totals() -> None:
    return None


@dg.asset(key=["raw", "agency_files"])
def agency_files() -> None:
    raise ValueError("landing/2025/agencies/SKHCN_2025.xlsx: sheet 'Số liệu' missing\n"
                     "columns were renamed\nthird\nfourth")


failing_job = dg.define_asset_job("tiny_refresh", selection=dg.AssetSelection.all())
TINY = dg.Definitions(assets=[counts, totals, agency_files], jobs=[failing_job])


@pytest.fixture
def warehouse_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Alerts go beside the published warehouse: point it at a temporary folder, with no channel configured."""
    monkeypatch.setenv("PII_DUCKDB_PATH", str(tmp_path / "pii_warehouse.duckdb"))
    for name in ("HOST", "PORT", "USER", "PASSWORD", "FROM", "STARTTLS"):
        monkeypatch.delenv(f"PII_ALERT_SMTP_{name}", raising=False)
    for name in ("PII_ALERT_EMAIL_TO", "PII_ALERT_WEBHOOK_URL", "PII_ALERT_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def log_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "alerts.log").read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def failed_run() -> tuple[dg.DagsterInstance, dg.DagsterRun, dg.DagsterEvent]:
    instance = dg.DagsterInstance.ephemeral()
    result = TINY.resolve_job_def("tiny_refresh").execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    run = instance.get_run_by_id(result.run_id)
    failure = instance.all_logs(result.run_id, of_type=DagsterEventType.RUN_FAILURE)[0].dagster_event
    return instance, run, failure


def test_failed_run_writes_alert_line_with_steps_check_and_first_error_lines(
        warehouse_dir: Path, failed_run: tuple[dg.DagsterInstance, dg.DagsterRun, dg.DagsterEvent]) -> None:
    instance, run, failure = failed_run
    context = dg.build_run_status_sensor_context(
        sensor_name="pii_run_failure_alert", dagster_event=failure, dagster_instance=instance, dagster_run=run,
    ).for_run_failure()
    pii_run_failure_alert(context)

    [line] = log_lines(warehouse_dir)
    assert line["kind"] == "run_failure" and line["run_id"] == run.run_id and line["job"] == "tiny_refresh"
    assert line["failed_checks"] == ["core/counts:counts_positive"]
    assert line["failed_steps"] == ["core__counts", "raw__agency_files"]  # the blocked step and the broken one
    assert line["errors"]["core/counts:counts_positive"] == ["every province has a positive count", "3 unexpected"]
    assert line["errors"]["raw__agency_files"] == [  # the asset's own error, first three lines
        "ValueError: landing/2025/agencies/SKHCN_2025.xlsx: sheet 'Số liệu' missing", "columns were renamed", "third"]
    assert "core__counts" not in line["errors"]  # explained by its check, not by Dagster's wrapper error
    assert "critical check core/counts:counts_positive" in line["summary"]
    assert run.run_id in line["hint"] and str(warehouse_dir / "reports") in line["hint"]


def daemon_tick(instance: dg.DagsterInstance, cursor: str | None) -> str | None:
    """One tick as the daemon evaluates it: the sensor belongs to a code location, unlike in-process runs."""
    sensor = alert_defs.resolve_sensor_def("pii_run_failure_alert")
    context = dg.SensorEvaluationContext(instance_ref=None, instance=instance, cursor=cursor, definitions=alert_defs,
                                         repository_name="__repository__",
                                         code_location_origin=RegisteredCodeLocationOrigin("definitions.py"))
    return sensor.evaluate_tick(context).cursor


def test_sensor_tick_sees_runs_executed_in_process_on_the_instance(warehouse_dir: Path) -> None:
    """What `pii materialize` does with DAGSTER_HOME set: the daemon's sensor sees the run in the shared storage."""
    instance = dg.DagsterInstance.ephemeral()
    cursor = daemon_tick(instance, None)
    assert not (warehouse_dir / "alerts.log").exists()  # the first tick only starts the cursor
    result = TINY.resolve_job_def("tiny_refresh").execute_in_process(instance=instance, raise_on_error=False)
    assert instance.get_run_by_id(result.run_id).remote_job_origin is None  # no code location recorded
    daemon_tick(instance, cursor)
    [line] = log_lines(warehouse_dir)
    assert line["run_id"] == result.run_id and line["failed_checks"] == ["core/counts:counts_positive"]


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: greets, accepts one message, keeps what DATA carried."""

    received: ClassVar[list[bytes]] = []

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 localhost test SMTP")
        while line := self.rfile.readline():
            verb = line.decode().strip().split(" ")[0].upper()
            if verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.received.append(data)
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # EHLO (no extensions), MAIL, RCPT, RSET, NOOP
                self.reply("250 localhost" if verb in ("EHLO", "HELO") else "250 ok")


class WebhookHandler(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def local_servers() -> Iterator[tuple[int, int]]:
    """An SMTP responder and an HTTP server on 127.0.0.1, each on a free port, served from threads."""
    SmtpHandler.received, WebhookHandler.received = [], []
    smtp = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpHandler)
    http = HTTPServer(("127.0.0.1", 0), WebhookHandler)
    for server in (smtp, http):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield smtp.server_address[1], http.server_address[1]
    for server in (smtp, http):
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_alert_reaches_smtp_server_and_webhook(
        warehouse_dir: Path, local_servers: tuple[int, int], monkeypatch: pytest.MonkeyPatch,
        failed_run: tuple[dg.DagsterInstance, dg.DagsterRun, dg.DagsterEvent]) -> None:
    smtp_port, http_port = local_servers
    monkeypatch.setenv("PII_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PII_ALERT_SMTP_PORT", str(smtp_port))
    monkeypatch.setenv("PII_ALERT_SMTP_FROM", "pipeline@example.org")
    monkeypatch.setenv("PII_ALERT_EMAIL_TO", "ops@example.org, data@example.org")
    monkeypatch.setenv("PII_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{http_port}/hooks/{WEBHOOK_TOKEN}")
    instance, run, failure = failed_run

    outcomes = deliver(run_failure_alert(instance, run, failure.message or ""))

    assert [o.split(" to ")[0] for o in outcomes[1:]] == ["alert sent by email", "alert sent by webhook"]
    [raw] = SmtpHandler.received
    mail = message_from_bytes(raw)
    assert mail["To"] == "ops@example.org, data@example.org" and mail["From"] == "pipeline@example.org"
    assert "tiny_refresh FAILED" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert "failed critical check: core/counts:counts_positive" in body and "columns were renamed" in body
    [(path, payload)] = WebhookHandler.received
    assert path == f"/hooks/{WEBHOOK_TOKEN}"
    assert payload["kind"] == "run_failure" and payload["run_id"] == run.run_id
    assert payload["failed_checks"] == ["core/counts:counts_positive"] and payload["text"].startswith("PII pipeline")
    assert [line["kind"] for line in log_lines(warehouse_dir)] == ["run_failure"]  # no channel error


def test_channels_down_are_logged_not_raised_and_secrets_stay_out(
        warehouse_dir: Path, monkeypatch: pytest.MonkeyPatch,
        failed_run: tuple[dg.DagsterInstance, dg.DagsterRun, dg.DagsterEvent]) -> None:
    monkeypatch.setenv("PII_ALERT_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PII_ALERT_SMTP_PORT", str(closed_port()))
    monkeypatch.setenv("PII_ALERT_SMTP_USER", "pipeline")
    monkeypatch.setenv("PII_ALERT_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("PII_ALERT_EMAIL_TO", "ops@example.org")
    monkeypatch.setenv("PII_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{closed_port()}/hooks/{WEBHOOK_TOKEN}")
    monkeypatch.setenv("PII_ALERT_TIMEOUT_SECONDS", "2")
    instance, run, failure = failed_run
    context = dg.build_run_status_sensor_context(
        sensor_name="pii_run_failure_alert", dagster_event=failure, dagster_instance=instance, dagster_run=run,
    ).for_run_failure()

    pii_run_failure_alert(context)  # does not raise

    lines = log_lines(warehouse_dir)
    assert [(line["kind"], line.get("channel")) for line in lines] == [
        ("run_failure", None), ("channel_error", "email"), ("channel_error", "webhook")]
    assert all(line["run_id"] == run.run_id for line in lines)
    assert "ConnectionRefusedError" in lines[1]["error"] and "URLError" in lines[2]["error"]
    text = (warehouse_dir / "alerts.log").read_text(encoding="utf-8")
    assert PASSWORD not in text and WEBHOOK_TOKEN not in text


def test_bad_setting_is_one_line_error_and_alert_still_logged(
        warehouse_dir: Path, monkeypatch: pytest.MonkeyPatch,
        failed_run: tuple[dg.DagsterInstance, dg.DagsterRun, dg.DagsterEvent]) -> None:
    with pytest.raises(UsageError, match=r"^PII_ALERT_SMTP_PORT='twenty-five' is not a whole number$"):
        alert_settings({"PII_ALERT_SMTP_PORT": "twenty-five"})
    with pytest.raises(UsageError, match="PII_ALERT_WEBHOOK_URL must start with http"):
        alert_settings({"PII_ALERT_WEBHOOK_URL": "file:///etc/passwd"})
    assert alert_settings({}).email_enabled is False and alert_settings({}).webhook_enabled is False

    monkeypatch.setenv("PII_ALERT_SMTP_STARTTLS", "maybe")
    instance, run, failure = failed_run
    deliver(run_failure_alert(instance, run, failure.message or ""))
    alert, error = log_lines(warehouse_dir)
    assert alert["kind"] == "run_failure"
    assert error["kind"] == "channel_error" and error["channel"] == "settings"
    assert error["error"].startswith("PII_ALERT_SMTP_STARTTLS='maybe'")
