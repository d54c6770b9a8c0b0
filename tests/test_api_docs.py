"""The API's documentation page works on a machine without internet: its assets come from the daemon."""

from __future__ import annotations

import re

from tests.support.api import running_api


def test_the_docs_page_loads_its_assets_from_the_daemon(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        page = api.client.get("/api/docs")
        assert page.status_code == 200
        assets = re.findall(r"""(?:src|href)=['"]([^'"]+)['"]""", page.text)
        assert assets and all(asset.startswith("/") for asset in assets), assets  # nothing from a CDN
        for asset in assets:
            answer = api.client.get(asset)
            assert answer.status_code == 200 and len(answer.content) > 1000, asset
        assert api.client.get("/openapi.json").json()["info"]["title"] == "sentinel"
