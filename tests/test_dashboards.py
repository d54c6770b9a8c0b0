"""Every metric a dashboard or an alerting rule queries is one the daemon exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from sentinel.metrics import Metrics

ROOT = Path(__file__).resolve().parents[1] / "dashboards"
NAME = re.compile(r"\bsentinel_[a-z0-9_]+")


def exported() -> set[str]:
    names: set[str] = set()
    for family in Metrics(process=False).registry.collect():
        for sample in family.samples:
            names.add(sample.name)
    # counters and histograms with no samples yet still export these suffixes
    for family in Metrics(process=False).registry.collect():
        if family.type == "counter":
            names.add(family.name + "_total")
        if family.type == "histogram":
            names.update(family.name + suffix for suffix in ("_bucket", "_sum", "_count"))
        names.add(family.name)
    return names


def queried() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.json"):
        exprs = [t["expr"] for p in json.loads(path.read_text())["panels"] for t in p.get("targets", [])]
        found[path.name] = {m for e in exprs for m in NAME.findall(e)}
    for path in ROOT.rglob("*rules*.yml"):
        rules = [r for g in yaml.safe_load(path.read_text())["groups"] for r in g["rules"]]
        found[path.name] = {m for r in rules for m in NAME.findall(r["expr"])}
    return found


def test_dashboards_query_only_exported_metrics() -> None:
    names = exported()
    found = queried()
    assert found, "no dashboards found"
    for file, metrics in found.items():
        assert metrics, f"{file} queries no sentinel metric"
        assert metrics <= names, f"{file} queries unknown metrics: {sorted(metrics - names)}"
