"""An incident's items come a page at a time (issue 16): 5,102 items made a 4.8 MB page taking
0.8 s. An incident with 350 items in a real SQLite store: the console's page holds 100 of them
and links to the next; the API answers the first 100 with the total, and the next on asking."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import Session

from sentinel.store.models import Item, ItemAnalysis
from tests.support.api import EMERGED, PEOPLE, bearer, running_api, seed

COUNT = 350


def add_items(api, incident_id: int, count: int = COUNT) -> None:
    """``count`` items of the incident, the n-th published n minutes after it emerged."""
    with Session(api.database.engine) as session:
        items = [Item(source_id="crawler", external_id=f"p{n}", title=f"帖子{n:03d}", text=f"燃气爆炸现场{n}",
                      published_at=EMERGED + timedelta(minutes=n), fetched_at=EMERGED + timedelta(minutes=n),
                      content_hash=f"{n:064d}") for n in range(count)]
        session.add_all(items)
        session.flush()
        session.add_all(ItemAnalysis(item_id=item.id, analysed_at=item.fetched_at, relevant=True, incident_id=incident_id)
                        for item in items if item.id is not None)
        session.commit()


def test_the_api_answers_a_page_of_items_with_the_total(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        add_items(api, api.incident)
        first = api.client.get(f"/api/incidents/{api.incident}", headers=bearer("readonly")).json()
        assert (first["items_total"], first["items_offset"], len(first["items"])) == (COUNT, 0, 100)
        assert [item["id"] for item in first["items"][:2]] == ["p0", "p1"]  # oldest first, as before
        last = api.client.get(f"/api/incidents/{api.incident}", params={"offset": 300, "limit": 100},
                              headers=bearer("readonly")).json()
        assert (last["items_total"], last["items_offset"]) == (COUNT, 300)
        assert [item["id"] for item in last["items"]] == [f"p{n}" for n in range(300, COUNT)]
        acted = api.client.post(f"/api/incidents/{api.incident}/ack", headers=bearer("duty")).json()
        assert (acted["items_total"], len(acted["items"])) == (COUNT, 100)
        for query in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
            refused = api.client.get(f"/api/incidents/{api.incident}", params=query, headers=bearer("readonly"))
            assert refused.status_code == 422
            assert ["query", next(iter(query))] in [error["loc"] for error in refused.json()["detail"]]


def test_the_console_page_holds_100_items_and_links_to_the_next(sqlite_url, monkeypatch) -> None:
    with running_api(sqlite_url, monkeypatch) as api:
        seed(api)
        add_items(api, api.incident)
        login = api.client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert csrf is not None
        assert api.client.post("/login", data={"csrf": csrf.group(1), "token": PEOPLE["readonly"][1], "next": "/"},
                               follow_redirects=False).status_code == 303
        path = f"/incidents/{api.incident}"

        def shown(page: str) -> list[str]:
            return re.findall(r"帖子(\d{3})", page)

        first = api.client.get(path)
        assert first.status_code == 200
        assert shown(first.text) == [f"{n:03d}" for n in range(100)]
        assert f"相关信息（{COUNT} 条，第 1/4 页）" in first.text
        assert 'href="?page=2#items" rel="next"' in first.text and 'rel="prev"' not in first.text
        last = api.client.get(path, params={"page": 4})
        assert shown(last.text) == [f"{n:03d}" for n in range(300, COUNT)]
        assert 'href="?page=3#items" rel="prev"' in last.text and 'rel="next"' not in last.text
        for page in ("0", "x", "9" * 30):  # not a page: the first
            assert shown(api.client.get(path, params={"page": page}).text)[:1] == ["000"]
