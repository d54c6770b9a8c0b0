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
    r"|生命体征|生命迹象|夺走|丧命|[勒掐杀冻害摔]死|[扎击]伤|弑|致死|[碾轧压坠]亡|猝死|溺毙"
    r"|杀害|[枪射]杀|击毙"
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
    post: bool = False                                       # a Weibo post: read without its #topics#

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
          labels_dir: Path, all_held: bool = False, posts: bool = False) -> Corpus:
    """Rows (key, title, text) joined to their labels; unlabelled candidates are an error.

    ``all_held``: every row is held apart (a corpus labelled only to measure, never to tune on);
    ``posts``: the rows are Weibo posts (read without their #topics#).
    """
    labels = read_labels(labels_dir / labels_file)
    # A row of the fresh set is measured there alone (with its own split), not here too.
    fresh = _fresh_keys(labels_dir)
    raw = [(key, title, text) for key, title, text in raw if f"{name}:{key}" not in fresh]
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
        rows.append(Row(name, key, title, text, values, category, held, posts))
    return Corpus(name, tuple(rows), split)


def _fresh_keys(labels_dir: Path) -> set[str]:
    path = labels_dir / "facts_fresh.tsv"
    return set(read_labels(path)) if path.is_file() else set()


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
    fresh = load_fresh(data, labels_dir)
    if fresh is not None:
        corpora.append(fresh)
    raw = list(ced_posts(data))
    if raw:
        corpora.append(_join("ced", raw, "facts_ced.tsv", split=True, labels_dir=labels_dir, posts=True))
    archive = load_hot_archive(data, labels_dir)
    if archive is not None:
        corpora.append(archive)
    toutiao = load_toutiao(data, labels_dir)
    if toutiao is not None:
        corpora.append(toutiao)
    reposts = load_reposts(data, labels_dir)
    if reposts is not None:
        corpora.append(reposts)
    weibo21 = load_weibo21(data, labels_dir)
    if weibo21 is not None:
        corpora.append(weibo21)
    return corpora


def load_toutiao(data: Path, labels_dir: Path = LABELS) -> Corpus | None:
    """``facts_toutiao.tsv`` joined to the Toutiao headlines (None when either is absent): every
    headline with a casualty word (:data:`CANDIDATE`) read alone, split by ``part_of(key)``."""
    from sentinel.analyse.event_report_train import toutiao_headlines  # the callers have put src on the path

    path = labels_dir / "facts_toutiao.tsv"
    headlines = {key: headline for key, headline, _ in toutiao_headlines(data)}
    if not path.is_file() or not headlines:
        return None
    labels = read_labels(path)
    unknown = sorted(set(labels) - set(headlines))
    if unknown:
        raise SystemExit(f"facts_toutiao.tsv: {len(unknown)} keys not in {data}, e.g. {unknown[0]}")
    unread = [key for key, headline in headlines.items() if CANDIDATE.search(headline) and key not in labels]
    if unread:
        raise SystemExit(f"facts_toutiao.tsv: {len(unread)} headlines with a casualty word have no label, e.g. {unread[0]}")
    rows = [Row("toutiao", key.partition(":")[2], headlines[key], "", values, category, fresh_held(key))
            for key, (values, category) in labels.items()]
    return Corpus("toutiao", tuple(rows), True)


# --- A hot-search archive outside the shared data (``facts_hot2.tsv``): the daily Weibo hot-search
# lists of github.com/arandomguyhere/weibo-daily-hot-search, 2025-01 to 2026-08, copied into the data
# folder as ``weibo-daily-hot-search/raw/YYYY-MM-DD.json`` (``event_report_train.HOT_ARCHIVE``).

#: The topics read: a casualty or incident word (topics also on the shared 2026-08 list left out).
HOT_ARCHIVE_WORDS = re.compile(
    r"死亡|身亡|遇难|罹难|丧生|遇害|溺亡|坠亡|坠楼|不治|[0-9一二两三四五六七八九十]+[人名]?死|[撞砸炸烧砍刺捅杀勒掐摔]死"
    r"|受伤|伤者|重伤|伤亡|死伤|失踪|失联|中毒|地震|车祸|火灾|爆炸|起火|坍塌|事故|袭击"
)


def load_hot_archive(data: Path, labels_dir: Path = LABELS) -> Corpus | None:
    """``facts_hot2.tsv`` joined to the archive's topics (None when either is absent): each topic
    read alone as a headline, split by ``part_of("hot2:" + topic)`` (a quarter held)."""
    from sentinel.analyse.event_report_train import hot_archive_topics  # the callers have put src on the path

    path = labels_dir / "facts_hot2.tsv"
    topics = set(hot_archive_topics(data))
    if not path.is_file() or not topics:
        return None
    labels = read_labels(path)
    unknown = sorted(set(labels) - topics)
    if unknown:
        raise SystemExit(f"facts_hot2.tsv: {len(unknown)} topics not in the archive, e.g. {unknown[0]}")
    shared = set()
    listing = data / "weibo_hot_search_2026-08-01_14.jsonl"
    if listing.is_file():
        shared = {json.loads(line)["title"] for line in listing.read_text(encoding="utf-8").splitlines() if line.strip()}
    unread = sorted(t for t in topics if HOT_ARCHIVE_WORDS.search(t) and t not in shared and t not in labels)
    if unread:
        raise SystemExit(f"facts_hot2.tsv: {len(unread)} topics with a casualty word have no label, e.g. {unread[0]}")
    rows = [Row("hot2", topic, topic, "", values, category, fresh_held(f"hot2:{topic}"))
            for topic, (values, category) in labels.items()]
    return Corpus("hot2", tuple(rows), True)


def ced_posts(data: Path) -> Iterator[tuple[str, str, str]]:
    """(key, "", post) for each original post of the Chinese Rumor Dataset's CED part copied into
    ``data`` (``sentinel.analyse.event_report_train.ced_posts``), keyed by its file name."""
    from sentinel.analyse.event_report_train import ced_posts as posts  # the callers have put src on the path

    for name, text in posts(data):
        yield name, "", text


# --- Reposts of the CED part (``facts_cedrepost.tsv``): a reposter's comment, with the //@ chain it
# carries, as the daemon reads a repost. Chosen by :func:`repost_selection`, read before any rule was
# run on them; the same split as ``events_cedrepost.tsv`` (``part_of("cedrepost:" + key)``).

def repost_selection(data: Path) -> list[tuple[str, str]]:
    """(key, text) of the reposts chosen for ``facts_cedrepost.tsv``: every repost whose own words
    (before //@, more than 30 characters) have a word of :data:`FRESH_DEATH`, in the order of the
    SHA-1 of ``"fresh2:" + key``, a text whose first 60 characters (without spaces, #topics# and the
    chain) repeat an earlier one's left out. Keys are ``cedrepost:<file name>:<mid>``."""
    from sentinel.analyse.event_report_train import CED_REPOSTS  # the callers have put src on the path

    rows = []
    for folder in CED_REPOSTS:
        if not (data / folder).is_dir():
            continue
        for path in sorted((data / folder).glob("*.json")):
            try:
                reposts = json.loads(path.read_text(encoding="utf-8"))
            except ValueError:
                continue
            for repost in reposts:
                text = repost.get("text") or ""
                own = re.sub(r"//@.*", "", text)
                if len(own) > 30 and FRESH_DEATH.search(own):
                    rows.append((f"cedrepost:{path.stem}:{repost['mid']}", text))
    return _shuffled_without_copies(rows, "fresh2:")


def _shuffled_without_copies(rows: list[tuple[str, str]], salt: str,
                             seen: set[str] | None = None) -> list[tuple[str, str]]:
    """(key, text) rows in the order of the SHA-1 of ``salt + key``, a text whose :func:`_opening`
    repeats an earlier one's (or one of ``seen``) left out."""
    seen = set() if seen is None else seen
    chosen = []
    for key, text in sorted(rows, key=lambda row: hashlib.sha1(f"{salt}{row[0]}".encode()).hexdigest()):
        copy = _opening(text)
        if copy not in seen:
            seen.add(copy)
            chosen.append((key, text))
    return chosen


def _keyed_posts(name: str, path: Path, labels: dict[str, tuple[dict[str, Value], str | None]],
                 texts: dict[str, str], data: Path) -> Corpus:
    """The labels of ``path``, keyed ``<name>:<key>``, joined to their posts and split by
    ``fresh_held``; a key not in ``texts`` is an error."""
    unknown = sorted(set(labels) - set(texts))
    if unknown:
        raise SystemExit(f"{path.name}: {len(unknown)} keys not in {data}, e.g. {unknown[0]}")
    rows = [Row(name, key.partition(":")[2], "", texts[key], values, category, fresh_held(key), True)
            for key, (values, category) in labels.items()]
    return Corpus(name, tuple(rows), True)


def load_reposts(data: Path, labels_dir: Path = LABELS) -> Corpus | None:
    """``facts_cedrepost.tsv`` joined to its reposts (None when the file or the reposts are absent).

    Only the files of the labelled reposts are read (the whole choice, 1.3 million reposts, is
    ``repost_selection``'s, for ``pick_fresh_facts.py --reposts``)."""
    from sentinel.analyse.event_report_train import ced_reposts  # the callers have put src on the path

    path = labels_dir / "facts_cedrepost.tsv"
    if not path.is_file():
        return None
    labels = {f"cedrepost:{key}": value for key, value in read_labels(path).items()}
    texts = dict(ced_reposts(data, labels))
    return _keyed_posts("cedrepost", path, labels, texts, data) if texts else None


# --- Weibo21 posts (``facts_weibo21.tsv``): the news and rumours of Weibo's fake-news dataset Weibo21
# (github.com/kennqiang/MDFEND-Weibo21, ``data/{train,val,test}.pkl``, pandas frames of ``content``,
# ``label``, ``category``), copied into the data folder as ``weibo21/``. Chosen by
# :func:`weibo21_selection` and read before any rule was run on them; split by ``part_of(key)``.

WEIBO21 = Path("weibo21")
WEIBO21_PARTS = ("train", "val", "test")


def weibo21_posts(data: Path) -> Iterator[tuple[str, str]]:
    """(``weibo21:<file>:<row>``, post) for every post of the Weibo21 frames in ``data`` (none when
    they are absent); reading them needs pandas (``pip install pandas``)."""
    paths = [data / WEIBO21 / f"{part}.pkl" for part in WEIBO21_PARTS]
    if not any(path.is_file() for path in paths):
        return
    try:
        import pandas  # type: ignore[import-untyped]
    except ImportError:
        raise SystemExit(f"{data / WEIBO21}: reading the Weibo21 frames needs pandas (pip install pandas)") from None
    for path in paths:
        if path.is_file():
            for row, text in enumerate(pandas.read_pickle(path)["content"]):
                yield f"weibo21:{path.stem}:{row}", str(text)


#: How many posts the second pass over Weibo21 takes (:func:`weibo21_selection`).
WEIBO21_SECOND_PASS = 150


def weibo21_selection(data: Path) -> list[tuple[str, str]]:
    """(key, post) of the posts chosen for ``facts_weibo21.tsv``, in two passes: every Weibo21 post with
    a word of :data:`FRESH_DEATH`, in the order of the SHA-1 of ``"fresh3:" + key``; then the first
    :data:`WEIBO21_SECOND_PASS` of the posts with a word of :data:`CANDIDATE` and none of
    ``FRESH_DEATH``, in the order of the SHA-1 of ``"fresh4:" + key``. A post whose first 60
    characters (:func:`_opening`) repeat an earlier one's or a CED post's (read for ``facts_ced.tsv``)
    is left out."""
    posts = list(weibo21_posts(data))
    seen = {_opening(text) for _, _, text in ced_posts(data)}
    first = _shuffled_without_copies([(key, text) for key, text in posts if FRESH_DEATH.search(text)], "fresh3:", seen)
    second = _shuffled_without_copies([(key, text) for key, text in posts
                                       if CANDIDATE.search(text) and not FRESH_DEATH.search(text)], "fresh4:", seen)
    return first + second[:WEIBO21_SECOND_PASS]


def load_weibo21(data: Path, labels_dir: Path = LABELS) -> Corpus | None:
    """``facts_weibo21.tsv`` joined to its Weibo21 posts (None when the file or the posts are absent);
    keys in the file are ``<file>:<row>`` (``weibo21:`` + key in the code)."""
    path = labels_dir / "facts_weibo21.tsv"
    if not path.is_file():
        return None
    labels = {f"weibo21:{key}": value for key, value in read_labels(path).items()}
    texts = {key: text for key, text in weibo21_posts(data) if key in labels}
    return _keyed_posts("weibo21", path, labels, texts, data / WEIBO21) if texts else None

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


# --- The fresh set (``facts_fresh.tsv``): rows of the corpora no other facts_*.tsv holds, read by hand
# before any rule was tuned on them, to measure the rules on text they were never written on.

#: News rows (hot-search topics, THUCNews headlines, BDCI rows) chosen for reading: an incident word.
#: Every such row outside the older sets lacks ``CANDIDATE``'s words, so most state no figure: they
#: measure false positives and the casualty phrasings ``CANDIDATE`` did not foresee.
FRESH_NEWS = re.compile(
    r"坠楼|跳楼|车祸|火灾|失火|起火|着火|爆炸|爆燃|溺水|落水|被困|坍塌|垮塌|倒塌|塌方|踩踏|侧翻|追尾|相撞|撞车"
    r"|泄漏|枪击|袭击|命案|凶杀|行凶|砍人|持刀|遇险|搜救|获救|送医|抢救|灭门|泥石流|滑坡|山洪|杀害|残害|枪杀|射杀|砍杀|刺杀|殴打致|打死|毙"
)
#: Weibo posts chosen for reading: a casualty word of a reported event (posts with a 【headline】 and a
#: casualty word are in ``facts_posts.tsv`` already).
FRESH_POST = re.compile(
    r"死亡|身亡|遇难|罹难|丧生|遇害|溺亡|坠亡|不治|[0-9０-９一二两三四五六七八九十]+[人名]?死"
    r"|[撞砸炸烧砍刺捅杀勒掐]死|受伤|伤者|重伤|伤亡|死伤|失踪|失联|下落不明|中毒|地震|坠楼|车祸"
)
#: Then, from the posts left, more that say someone was killed or hurt (most posts with a casualty
#: word are chatter, so the first pass alone gives few rows stating a count).
FRESH_DEATH = re.compile(
    r"遇难|身亡|遇害|罹难|丧生|不治|[0-9０-９一二两三四五六七八九十]+[人名][^，,。！!？?]{0,6}(?:死亡|受伤|失踪)"
)
#: How many rows each source gives, taken in the order of the SHA-1 of their keys (a fixed shuffle);
#: ``deaths`` is the second pass over the posts of every corpus.
FRESH_QUOTA = {"hot": 45, "thucnews": 40, "bdci": 40, "smp:usual": 55, "smp:virus": 25,
               "weibo2018": 35, "clue": 15, "senti100k": 45, "deaths": 60}
#: Key prefixes of Weibo posts: read as the daemon reads a post (without its #topics#).
POST_PREFIXES = ("smp:", "weibo2018:", "clue:", "senti100k:")


def _fresh_source(key: str) -> str:
    return ":".join(key.split(":")[:2]) if key.startswith("smp:") else key.split(":")[0]


def fresh_pool(data: Path) -> dict[str, tuple[str, str]]:
    """key → (title, text) of every row of the corpora, keyed as in ``labels/README.md``.

    A hot-search topic is read with its first description, as in ``facts_hot.tsv``.
    """
    pool: dict[str, tuple[str, str]] = {}
    hot = data / "weibo_hot_search_2026-08-01_14.jsonl"
    if hot.is_file():
        for line in hot.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                pool.setdefault(f"hot:{entry['title']}", (entry["title"], entry.get("description") or ""))
    thuc = data / "thucnews_titles_dev.csv"
    if thuc.is_file():
        with thuc.open(encoding="utf-8", newline="") as fh:
            pool.update((f"thucnews:{i}", (r["title"], "")) for i, r in enumerate(csv.DictReader(fh)))
    bdci = data / "bdci2019_news_sentiment_dev.csv"
    if bdci.is_file():
        with bdci.open(encoding="utf-8", newline="") as fh:
            pool.update((f"bdci:{r['id']}", (r["title"], r["content"])) for r in csv.DictReader(fh))
    smp = data / "smp2020_ewect_train_eval.jsonl"
    if smp.is_file():
        for line in smp.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            pool[f"smp:{r['subset']}:{r['split']}:{r['id']}"] = ("", r["content"])
    for name, prefix, key, column in (("weibo2018_train.csv", "weibo2018", "mid", "text"),
                                      ("weibo_senti_100k_recovered.csv", "senti100k", None, "review")):
        path = data / name
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                pool.update((f"{prefix}:{r[key] if key else i}", ("", r[column]))
                            for i, r in enumerate(csv.DictReader(fh)))
    clue = data / "clue_emotion2020_valid.jsonl"
    if clue.is_file():
        for line in clue.read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            pool[f"clue:{r['id']}"] = ("", r.get("content") or r.get("text") or "")
    return pool


def _older_keys(labels_dir: Path) -> set[str]:
    """Keys (prefixed as in the fresh set) of every row an older facts_*.tsv holds."""
    keys: set[str] = set()
    for name, prefix in (("facts_thucnews.tsv", "thucnews:"), ("facts_bdci.tsv", "bdci:"),
                         ("facts_hot.tsv", "hot:"), ("facts_posts.tsv", "")):
        keys |= {prefix + k for k in read_labels(labels_dir / name)}
    return keys


def _opening(text: str) -> str:
    """What tells a copy: the first 60 characters without spaces, #topics# and the //@ chain."""
    return re.sub(r"\s+|#[^#]*#|//@.*", "", text)[:60]


def fresh_selection(data: Path, labels_dir: Path = LABELS) -> list[tuple[str, str, str]]:
    """The rows chosen for ``facts_fresh.tsv``: (key, title, text), source by source.

    A row is a candidate when no older facts set holds it, its text is not a copy of an earlier
    candidate's, and it has a word of ``FRESH_NEWS`` (news) or ``FRESH_POST`` (posts); each source
    gives its ``FRESH_QUOTA`` of candidates in SHA-1 order of the key. A second pass takes
    ``FRESH_QUOTA["deaths"]`` more posts, of any corpus, with a word of ``FRESH_DEATH``.
    """
    older = _older_keys(labels_dir)
    seen: set[str] = set()
    taken: dict[str, list[tuple[str, str, str]]] = {source: [] for source in FRESH_QUOTA}
    pool = fresh_pool(data)
    order = sorted(pool, key=lambda k: hashlib.sha1(f"fresh:{k}".encode()).hexdigest())
    for second in (False, True):
        for key in order:
            source = "deaths" if second else _fresh_source(key)
            title, text = pool[key]
            if source not in taken or key in older or len(taken[source]) >= FRESH_QUOTA[source]:
                continue
            post = key.startswith(POST_PREFIXES)
            if second and not (post and FRESH_DEATH.search(text)):
                continue
            if not (FRESH_POST if post else FRESH_NEWS).search(title + text):
                continue
            if NEWS_POST.search(text) and POST_CASUALTY.search(text):
                continue  # the rule that chose facts_posts.tsv (all of them, senti100k's too)
            copy = _opening(title + text)
            if copy in seen:
                continue
            seen.add(copy)
            taken[source].append((key, title, text))
    return [row for source in FRESH_QUOTA for row in taken[source]]


def fresh_held(key: str) -> bool:
    """The fresh set's split: the rule of every ``events_*.tsv`` (a quarter held, by SHA-1)."""
    from sentinel.analyse.event_report_train import part_of  # the callers have put src on the path

    return part_of(key) == "held"


def load_fresh(data: Path, labels_dir: Path = LABELS) -> Corpus | None:
    """``facts_fresh.tsv`` joined to its rows (None when the file or the corpora are absent).

    Every row of the set was read; rows of the corpora outside it are not part of this corpus.
    """
    path = labels_dir / "facts_fresh.tsv"
    if not path.is_file():
        return None
    labels = read_labels(path)
    pool = fresh_pool(data)
    if not pool:
        return None
    unknown = sorted(set(labels) - set(pool))
    if unknown:
        raise SystemExit(f"facts_fresh.tsv: {len(unknown)} keys not in the data, e.g. {unknown[0]}")
    rows = []
    for key, (values, category) in labels.items():
        title, text = pool[key]
        rows.append(Row("fresh", key, title, text, values, category, fresh_held(key), key.startswith(POST_PREFIXES)))
    return Corpus("fresh", tuple(rows), True)
