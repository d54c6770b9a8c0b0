"""Place resolution on CEC emergency articles, against hand labels: is the place found the province
(or the country abroad) where the event happened?

    .venv/bin/python scripts/eval_places.py --data DIR [--errors]

DIR holds ``cec_emergency_dev.jsonl``; the labels are ``labels/places_cec.tsv`` (see ``labels/README-places.md``) (157 articles: one
province or country each, articles about several events left out). Rows whose position in the data
file is 1 modulo 3 are held apart: never looked at while the rules were written. Prints, for the
development rows and the held-apart rows apart: the share of articles placed in the labelled
province or country, placed elsewhere, or not placed (unknown, ambiguous, China as a whole); and
how often a 广东 office would call an event outside its jurisdiction (abroad or another province)
when it was, and inside when it was not.

One held-apart error was seen and fixed ("17岁少女 殒命搅拌车下": 浙江老家 read as the place; 老家 is
now an origin): before that fix the held-apart figure was 52 of 53 placed right.

Then, when DIR also holds the Weibo21 frames (``weibo21/*.pkl``, see ``labels/README.md``), the same
figures for the Weibo21 posts of ``labels/places_weibo21.tsv``: posts, read as the daemon reads them
(no headline), split by ``part_of("weibo21:" + key)``; and how many events abroad were placed abroad,
where no office's clocks start. ``--errors`` lists the development posts placed wrong or not placed
(never the held-apart ones).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from factlabels import weibo21_posts

from sentinel.analyse.divisions import Jurisdiction, load_gazetteer
from sentinel.analyse.event_report_train import part_of
from sentinel.analyse.places import Place, resolve_place

LABELS = Path(__file__).resolve().parent.parent / "labels" / "places_cec.tsv"
WEIBO21_LABELS = LABELS.with_name("places_weibo21.tsv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path)
    parser.add_argument("--errors", action="store_true", help="print every article placed wrong")
    args = parser.parse_args()
    labels = dict(line.split("\t") for line in LABELS.read_text(encoding="utf-8").splitlines()
                  if line.strip() and not line.startswith("#"))
    table = load_gazetteer()
    guangdong = Jurisdiction.parse(["广东省"])
    rows = [json.loads(line) for line in (args.data / "cec_emergency_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    tallies = {"development": _Tally(), "held apart": _Tally()}
    for position, row in enumerate(rows):
        label = labels.get(row["file"])
        if label is None:
            continue
        expected = _group(label, table)
        place = resolve_place(row["title"], row["text"], jurisdiction=guangdong)
        tally = tallies["held apart" if position % 3 == 1 else "development"]
        tally.add(expected, place, row["title"], args.errors)
    for name, tally in tallies.items():
        tally.report(name)
    _weibo21(args.data, table, guangdong, args.errors)


def _weibo21(data: Path, table, office: Jurisdiction, show: bool) -> None:  # type: ignore[no-untyped-def]
    """The Weibo21 posts of ``places_weibo21.tsv`` (``-``: no one place, left out), when present."""
    if not WEIBO21_LABELS.is_file():
        return
    labels = {f"weibo21:{key}": place for key, place, *_ in
              (line.split("\t") for line in WEIBO21_LABELS.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#"))}
    posts = {key: text for key, text in weibo21_posts(data) if key in labels}
    if not posts:
        return
    tallies = {"development": _Tally(), "held apart": _Tally()}
    for key, label in labels.items():
        if label != "-":
            held = part_of(key) == "held"
            expected, place = _group(label, table), resolve_place("", posts[key], jurisdiction=office)
            tallies["held apart" if held else "development"].add(expected, place, posts[key][:60], False)
            if show and not held and place.group != expected:  # the held rows' errors are never listed
                print(f"  {key}: {label} → {place.label} ({place.why})  {posts[key][:70]}")
    for name, tally in tallies.items():
        tally.report(f"Weibo21 posts, {name}", "posts")


def _group(label: str, table) -> str:  # type: ignore[no-untyped-def]
    found = [d for d in table.resolve(label) if d.level == "province"]
    if found:
        return "CN-" + found[0].code[:2]
    place = table.foreign[label]
    return "XX-" + (place.country_code or place.name)


class _Tally:
    def __init__(self) -> None:
        self.right = self.wrong = self.unplaced = 0
        self.out_right = self.out_total = self.in_wrong = self.in_total = 0
        self.abroad_right = self.abroad_total = 0

    def add(self, expected: str, place: Place, title: str, show: bool) -> None:
        outside = expected != "CN-44"  # a 广东 office
        if place.group == expected:
            self.right += 1
        elif place.group is None or place.group == "CN":
            self.unplaced += 1
        else:
            self.wrong += 1
            if show:
                print(f"  wrong: {title}  → {place.label} ({place.why})")
        if expected.startswith("XX-"):
            self.abroad_total += 1
            self.abroad_right += place.group is not None and place.group.startswith("XX-")
        if outside:
            self.out_total += 1
            self.out_right += place.inside is False
        else:
            self.in_total += 1
            self.in_wrong += place.inside is False

    def report(self, name: str, what: str = "articles") -> None:
        total = self.right + self.wrong + self.unplaced
        print(f"{name}: {total} {what} — placed right {self.right / total:.1%}, wrong {self.wrong / total:.1%}, "
              f"not placed {self.unplaced / total:.1%}; a 广东 office: {self.out_right}/{self.out_total} outside events "
              f"called outside, {self.in_wrong}/{self.in_total} of its own called outside; events abroad placed "
              f"abroad {self.abroad_right}/{self.abroad_total}")


if __name__ == "__main__":
    main()
