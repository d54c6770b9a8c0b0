"""The hand-read fact labels under ``labels/`` joined to the corpora they describe.

Used by ``eval_facts.py`` and ``eval_category.py``; the labelling itself is described in
``labels/README.md``. A corpus here is one file of the shared data folder with, for each row, a
key, the text the extractor reads (``title``, ``text``) and the labels a person wrote for it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LABELS = ROOT / "labels"
FIELDS = ("deaths", "injured", "seriously_injured", "missing", "poisoned", "loss_yuan", "magnitude")

#: Rows whose text contains one of these words were read and labelled; the others state no figure.
CANDIDATE = re.compile(
    r"死亡|身亡|遇难|罹难|丧生|丧命|殒命|遇害|牺牲|殉职|溺亡|不治|死者|尸体|遗体"
    r"|[0-9０-９一二两三四五六七八九十俩]+[人名]?死|受伤|伤者|伤员|重伤|轻伤|伤亡|死伤"
    r"|[0-9０-９一二两三四五六七八九十俩]+[人名]?伤|失踪|失联|下落不明|中毒|损失|地震|里氏|震级|强震"
    r"|[撞砸炸烧砍刺打捅轧碾压毒电淹熏]死|[撞砸炸烧砍刺打捅轧碾压烫灼摔咬割]伤|受了伤|伤人|负伤|命丧|毙命|去世|身故"
    r"|生命体征|生命迹象|夺走|丧命|[勒掐杀冻害]死|[扎击]伤|弑|致死|[碾轧压坠]亡|猝死|溺毙"
)

UNREADABLE = "?"


def held_apart(corpus: str, key: str) -> bool:
    """The split fixed before tuning: about one row in three is never tuned on."""
    return int(hashlib.sha256(f"{corpus}:{key}".encode()).hexdigest(), 16) % 3 == 0


Value = float | None | str  # a number, None (not stated) or UNREADABLE


@dataclass(frozen=True, slots=True)
class Row:
    corpus: str
    key: str
    title: str
    text: str
    labels: dict[str, Value] = field(default_factory=dict)   # FIELDS → value; empty if not read
    category: str | None = None                              # "code/subtype", "-", "?" or None
    held: bool = False

    @property
    def states_nothing(self) -> bool:
        """The reader found no figure at all (and nothing unreadable) in this row."""
        return all(self.labels.get(f) is None for f in FIELDS)


@dataclass(frozen=True, slots=True)
class Corpus:
    name: str
    rows: tuple[Row, ...]
    has_split: bool


def _value(cell: str) -> Value:
    cell = cell.strip()
    if not cell:
        return None
    if cell == UNREADABLE:
        return UNREADABLE
    return float(cell)


def read_labels(path: Path) -> dict[str, tuple[dict[str, Value], str | None]]:
    """key → (field values, category) from one label file."""
    out: dict[str, tuple[dict[str, Value], str | None]] = {}
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    header = lines[0].split("\t")
    for number, line in enumerate(lines[1:], start=2):
        cells = dict(zip(header, line.split("\t"), strict=False))
        key = cells[header[0]]
        try:
            values = {f: _value(cells.get(f, "")) for f in FIELDS}
        except ValueError as exc:
            raise SystemExit(f"{path.name}: line {number}: {exc}") from None
        category = cells.get("category", "").strip() or None
        if key in out:
            raise SystemExit(f"{path.name}: key {key} labelled twice")
        out[key] = (values, category)
    return out


def _join(name: str, raw: list[tuple[str, str, str]], labels_file: str, *, split: bool,
          labels_dir: Path, all_held: bool = False) -> Corpus:
    """Rows (key, title, text) joined to their labels; unlabelled candidates are an error.

    ``all_held``: every row is held apart (a corpus labelled only to measure, never to tune on).
    """
    labels = read_labels(labels_dir / labels_file)
    keys = {key for key, _, _ in raw}
    unknown = sorted(set(labels) - keys)
    if unknown:
        raise SystemExit(f"{labels_file}: {len(unknown)} keys not in the data, e.g. {unknown[0]}")
    rows = []
    for key, title, text in raw:
        if key in labels:
            values, category = labels[key]
        elif CANDIDATE.search(title) or CANDIDATE.search(text):
            raise SystemExit(f"{labels_file}: row {key} mentions a casualty word but has no label")
        else:
            values, category = {f: None for f in FIELDS}, None
        held = all_held or (split and held_apart(name, key))
        rows.append(Row(name, key, title, text, values, category, held))
    return Corpus(name, tuple(rows), split)


def load_corpora(data: Path, labels_dir: Path = LABELS) -> list[Corpus]:
    """Every labelled corpus found in ``data`` (a missing file is skipped with a note)."""
    corpora: list[Corpus] = []
    cec = data / "cec_emergency_dev.jsonl"
    if cec.is_file():
        raw = [(r["file"], r.get("title") or "", r["text"]) for r in
               (json.loads(line) for line in cec.read_text(encoding="utf-8").splitlines() if line.strip())]
        labels = read_labels(labels_dir / "facts_cec.tsv")
        missing = [key for key, _, _ in raw if key not in labels]
        if missing:
            raise SystemExit(f"facts_cec.tsv: {len(missing)} articles have no label, e.g. {missing[0]}")
        # Every CEC article was read, so the join below never meets an unlabelled one.
        corpora.append(_join("cec", raw, "facts_cec.tsv", split=False, labels_dir=labels_dir))
    cnews = data / "cnews_fulltext_sample.csv"
    if cnews.is_file():
        with cnews.open(encoding="utf-8", newline="") as fh:
            raw = [(str(i), "", r["text"]) for i, r in enumerate(csv.DictReader(fh))]
        corpora.append(_join("cnews", raw, "facts_cnews.tsv", split=True, labels_dir=labels_dir))
    thuc = data / "thucnews_titles_dev.csv"
    if thuc.is_file():
        with thuc.open(encoding="utf-8", newline="") as fh:
            raw = [(str(i), r["title"], "") for i, r in enumerate(csv.DictReader(fh))]
        corpora.append(_join("thucnews", raw, "facts_thucnews.tsv", split=True, labels_dir=labels_dir))
    bdci = data / "bdci2019_news_sentiment_dev.csv"
    if bdci.is_file():
        with bdci.open(encoding="utf-8", newline="") as fh:
            raw = [(r["id"], r["title"], r["content"]) for r in csv.DictReader(fh)]
        corpora.append(_join("bdci", raw, "facts_bdci.tsv", split=True, labels_dir=labels_dir))
    hot = data / "weibo_hot_search_2026-08-01_14.jsonl"
    if hot.is_file():
        topics: dict[str, str] = {}  # a topic stays on the list for hours: its first description
        for line in hot.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                topics.setdefault(entry["title"], entry.get("description") or "")
        raw = [(title, title, description) for title, description in topics.items()]
        corpora.append(_join("hot", raw, "facts_hot.tsv", split=True, labels_dir=labels_dir, all_held=True))
    raw = list(_news_posts(data))
    if raw:
        corpora.append(_join("posts", raw, "facts_posts.tsv", split=True, labels_dir=labels_dir))
    return corpora


#: Which posts were read for ``facts_posts.tsv``: a news headline in 【】 and a casualty word.
NEWS_POST = re.compile(r"【[^】]{4,40}】")
POST_CASUALTY = re.compile(r"死亡|身亡|遇难|丧生|遇害|牺牲|溺亡|坠亡|猝死|[撞砸炸烧砍刺捅杀]死|不治|罹难|受伤|伤亡|失踪|失联")


def _news_posts(data: Path) -> Iterator[tuple[str, str, str]]:
    """(key, "", post) for each news-like Weibo post of the four Weibo corpora (keys as in ``events_weibo.tsv``)."""
    def chosen(text: str) -> bool:
        return bool(NEWS_POST.search(text) and POST_CASUALTY.search(text))

    smp = data / "smp2020_ewect_train_eval.jsonl"
    if smp.is_file():
        for line in smp.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if chosen(r["content"]):
                yield f"smp:{r['subset']}:{r['split']}:{r['id']}", "", r["content"]
    for name, prefix, key, column in (("weibo2018_train.csv", "weibo2018", "mid", "text"),
                                      ("weibo_senti_100k_recovered.csv", "senti100k", None, "review")):
        path = data / name
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                for i, r in enumerate(csv.DictReader(fh)):
                    if chosen(r[column]):
                        yield f"{prefix}:{r[key] if key else i}", "", r[column]
    clue = data / "clue_emotion2020_valid.jsonl"
    if clue.is_file():
        for line in clue.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            text = r.get("content") or r.get("text") or ""
            if chosen(text):
                yield f"clue:{r['id']}", "", text
