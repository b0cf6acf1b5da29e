"""docs/monitoring/: the Grafana dashboard, the alerts and Prometheus's configuration ask
only for metrics the server exports (chat_project/metrics.py), and parse."""

import json
import re

import pytest
import yaml
from prometheus_client import REGISTRY

from chat_project import metrics  # importing it registers the metrics
from tests.deployment import ROOT, compose_file

MONITORING = ROOT / "docs" / "monitoring"
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exported() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        if family.name.startswith("chat_"):
            names.add(family.name)
            names.update(family.name + suffix for suffix in SUFFIXES)
    # The task queue's gauges, read from the database at each scrape (TaskQueueCollector).
    names.update(metrics.TaskQueueCollector.NAMES)
    return names


def used(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in re.findall(r"\bchat_[a-z_]+", expr)}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def alert_rules() -> list[dict]:
    groups = yaml.safe_load((MONITORING / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


@pytest.mark.parametrize("source", ["dashboard", "alerts"])
def test_every_metric_asked_for_is_exported(source):
    expressions = (
        dashboard_expressions() if source == "dashboard" else [r["expr"] for r in alert_rules()]
    )
    assert used(expressions), "no chat_ metric used at all"
    assert used(expressions) <= exported(), used(expressions) - exported()


def test_the_alerts_the_runbook_explains():
    names = {rule["alert"] for rule in alert_rules()}
    runbook = (ROOT / "docs" / "operations.md").read_text()
    for name in names:
        assert f"`{name}`" in runbook, f"docs/operations.md does not say what to do on {name}"
    assert {"ChatHighErrorRate", "ChatDeliveryLagHigh", "ChatRedisDown"} <= names


def test_prometheus_scrapes_every_replica_with_the_alerts():
    config = yaml.safe_load((MONITORING / "prometheus.yml").read_text())
    job, worker = config["scrape_configs"]
    assert job["job_name"] == "chat"  # the alerts' up{job="chat"}
    assert worker["job_name"] == "chat-worker"  # the alerts' up{job="chat-worker"}
    assert worker["dns_sd_configs"] == [
        {"names": ["worker"], "type": "A", "port": 9100, "refresh_interval": "15s"}
    ]
    assert job["dns_sd_configs"] == [
        {"names": ["web"], "type": "A", "port": 8000, "refresh_interval": "15s"}
    ]
    assert job["metrics_path"] == metrics.PATH
    prometheus = compose_file()["services"]["prometheus"]
    assert "./docs/monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro" in prometheus["volumes"]
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
