"""The dashboards, alerting rules, provisioning and docker-compose.yml fit together: every metric
queried is one the daemon exports, the alerts the operators rely on exist, and every file the
compose file mounts is in the repository."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from sentinel.metrics import Metrics
from sentinel.settings import parse_settings

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "dashboards"
NAME = re.compile(r"\bsentinel_[a-z0-9_]+")


def exported() -> set[str]:
    names: set[str] = set()
    for family in Metrics(process=False).registry.collect():
        names.update(sample.name for sample in family.samples)
        # counters and histograms with no samples yet still export these suffixes
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
        names.add(family.name)
    return names


def dashboards() -> dict[str, dict[str, Any]]:
    return {path.name: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted((ROOT / "grafana").glob("*.json"))}


def panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those folded inside rows."""
    found = []
    for panel in board.get("panels", []):
        found.append(panel)
        found.extend(panels(panel))
    return found


def rules() -> list[dict[str, Any]]:
    return [rule for path in ROOT.rglob("*rules*.yml")
            for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"]]


def queried() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for name, board in dashboards().items():
        exprs = [target["expr"] for panel in panels(board) for target in panel.get("targets", [])]
        found[name] = {m for e in exprs for m in NAME.findall(e)}
    found["rules"] = {m for rule in rules() for m in NAME.findall(rule["expr"])}
    return found


def test_dashboards_query_only_exported_metrics() -> None:
    names = exported()
    found = queried()
    assert {"overview.json", "delivery.json", "engine.json", "collection.json", "rules"} <= set(found)
    for file, metrics in found.items():
        assert metrics, f"{file} queries no sentinel metric"
        assert metrics <= names, f"{file} queries unknown metrics: {sorted(metrics - names)}"


def test_dashboards_are_distinct_and_use_the_provisioned_prometheus() -> None:
    boards = dashboards()
    uids = [board["uid"] for board in boards.values()]
    assert len(set(uids)) == len(uids)
    for name, board in boards.items():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["query"] == "prometheus", name
        ids = [panel["id"] for panel in panels(board)]
        assert len(set(ids)) == len(ids), f"{name}: panel ids repeat"
        for panel in panels(board):
            if panel.get("targets"):
                assert panel["datasource"]["uid"] == "${datasource}", (name, panel["title"])
    provisioned = yaml.safe_load((ROOT / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = provisioned["datasources"]
    assert source["type"] == "prometheus" and source["isDefault"]


def test_the_alerts_the_operators_rely_on_exist() -> None:
    by_name = {rule["alert"]: rule for rule in rules()}
    assert {"SentinelSourceBlind", "SentinelSourceBlocked", "SentinelDeadlineDueSoon", "SentinelDeadlineBreached",
            "SentinelOutboxStuck", "SentinelEngineStale", "SentinelLoginFailures"} <= set(by_name)
    assert "1800" in by_name["SentinelDeadlineDueSoon"]["expr"]  # within 30 minutes
    for rule in by_name.values():
        assert rule["labels"]["severity"] in ("warning", "critical") and rule["annotations"]["summary"]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) not installed")
def test_promtool_accepts_the_rules_and_the_scrape_config() -> None:
    for args in (["check", "rules", "sentinel-rules.yml"], ["check", "config", "prometheus.yml"]):
        done = subprocess.run(["promtool", *args], cwd=ROOT / "prometheus", capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_docker_compose_mounts_files_that_exist_and_wires_the_services() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"sentinel", "prometheus", "grafana"}
    assert (REPO / services["sentinel"]["build"] / "Dockerfile").is_file()
    mounts: dict[str, Path] = {}
    for service in services.values():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("./"):
                assert (REPO / source).exists(), f"{source} is mounted but missing"
                mounts[target] = REPO / source
    # the daemon's configuration is valid and reachable from the Prometheus container
    settings = parse_settings(mounts["/etc/sentinel/sentinel.yaml"].read_text(encoding="utf-8"))
    assert settings.http.host == "0.0.0.0"
    scrape = yaml.safe_load((mounts["/etc/prometheus"] / "prometheus.yml").read_text())
    (target,) = scrape["scrape_configs"][0]["static_configs"][0]["targets"]
    assert target == f"sentinel:{settings.http.port}"
    for rule_file in scrape["rule_files"]:
        assert (mounts["/etc/prometheus"] / rule_file).is_file()
    # Grafana loads the dashboards from where they are mounted, and the datasource is the compose service
    provider = yaml.safe_load((mounts["/etc/grafana/provisioning"] / "dashboards/sentinel.yml").read_text())
    path = provider["providers"][0]["options"]["path"]
    assert {p.name for p in mounts[path].glob("*.json")} == set(dashboards())
    datasource = yaml.safe_load((mounts["/etc/grafana/provisioning"] / "datasources/prometheus.yml").read_text())
    assert datasource["datasources"][0]["url"] == "http://prometheus:9090"
