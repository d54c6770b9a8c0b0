"""Training the event-report model (:mod:`sentinel.analyse.event_report`) from hand labels.

Kept apart from the runtime module so the daemon never imports scikit-learn. The labelled texts
are keyed by id in ``labels/`` (``events_news.tsv``, ``events_weibo.tsv``, ``events_senti100k.tsv``,
``events_ced.tsv``, ``events_toutiao.tsv``, ``events_cedrepost.tsv``, ``cec_events.tsv``; how
they were labelled is in ``labels/README.md``); the texts themselves are read from the corpora
folder given with ``--data``, which the repository does not hold.

Every key belongs to one part for good: ``held`` when the first byte of its SHA-1 is below 64
(a quarter of the keys), else ``dev`` (:func:`part_of`; ``scripts/eval_stream.py`` splits the
stream's texts the same way). A CEC article's key is its event's (``labels/cec_events.tsv``), so
reports of one event are never on both sides. The model is trained on ``dev`` only; the regularisation and the
threshold are chosen by 5-fold cross-validation inside ``dev``; ``held`` is only measured.

The CED reposts (``events_cedrepost.tsv``, :data:`MEASURED`) are measured, both parts, and not
trained on: trained on, they made the cross-validated dev stream's chatter worse on each of five
seeds (``labels/README.md``). So are the hot-search archive's topics (``events_hot2.tsv``), a set
from outside the shared data read to measure. The Toutiao headlines (``events_toutiao.tsv``), a portal's
register of history, commentary and clickbait about deaths, are trained on (their dev part) as the
other sets are: measured first, then trained on, they cut the stream's chatter on both portals.

A CEC article gives three examples, as it appears in a stream: its title with its text (the news
report), its first sentences without a title (a first report on Weibo), and its title with the second
half of the text (a follow-up). Labels ``event`` and ``complaint`` are classes of their own; every
``other:*`` label is ``other``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sentinel.analyse.event_report import EventReportModel, ReportKind, features, own_facts

__all__ = ["CED_POSTS", "CED_REPOSTS", "HOT_ARCHIVE", "MEASURED", "TOUTIAO", "TOUTIAO_SECTIONS", "TRAINED", "Example",
           "TrainingReport", "ced_posts", "ced_reposts", "fold_of", "hot_archive_topics", "load_examples", "part_of",
           "toutiao_headlines", "train_event_model"]

_SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
_PAGE_HEADER = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(:\d{2})?\s*来源[:：]\s*\S+\s*")
_CLASSES = [kind.value for kind in EventReportModel.CLASSES]

#: The label files trained on, and those only measured (every row, after training).
TRAINED = ("events_news.tsv", "events_weibo.tsv", "events_senti100k.tsv", "events_ced.tsv", "events_toutiao.tsv")
MEASURED = ("events_cedrepost.tsv", "events_hot2.tsv")


def fold_of(key: str, folds: int) -> int:
    """The cross-validation fold of a dev key (by SHA-1, so the reports of one CEC event share one)."""
    return hashlib.sha1(key.encode("utf-8")).digest()[1] % folds


def part_of(key: str) -> str:
    """``held`` for a quarter of the keys (by SHA-1), ``dev`` for the rest: the same everywhere."""
    return "held" if hashlib.sha1(key.encode("utf-8")).digest()[0] < 64 else "dev"


@dataclass(frozen=True, slots=True)
class Example:
    key: str  # the corpus row's key; for CEC, the event's key (reports of one event share a part)
    corpus: str
    label: str  # event, complaint or other
    title: str
    text: str

    @property
    def part(self) -> str:
        return part_of(self.key)


@dataclass
class TrainingReport:
    model_path: Path
    examples: dict[str, dict[str, int]]  # part -> label -> count
    c: float
    threshold: float
    features: int
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)  # part/corpus -> figures

    def lines(self) -> Iterator[str]:
        yield f"wrote {self.model_path}: {self.features} features, C={self.c}, threshold {self.threshold:.2f}"
        for part, counts in self.examples.items():
            yield f"  {part}: " + ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
        for name, row in self.figures.items():
            yield (f"  {name:<22} n={row['n']:>5}  report recall {row['recall']:.3f}  precision "
                   f"{row['precision']:.3f}  other kept out {row['specificity']:.3f}  accuracy {row['accuracy']:.3f}")


# ------------------------------------------------------------------------------------- reading


def _tsv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


def _label(row: dict[str, str]) -> str:
    label = (row.get("label") or "").split(":", 1)[0].strip()
    return label if label in ("event", "complaint") else "other"


def _texts(data: Path, keys: Iterable[str] = ()) -> dict[str, tuple[str, str]]:
    """key → (title, text) for every labelled corpus present in ``data``; of the CED reposts (over a
    million), only those of ``keys``."""
    texts: dict[str, tuple[str, str]] = {}

    def rows_csv(name: str) -> Iterator[dict[str, str]]:
        path = data / name
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as handle:
                yield from csv.DictReader(handle)

    def rows_jsonl(name: str) -> Iterator[dict[str, Any]]:
        path = data / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    yield json.loads(line)

    for number, row in enumerate(rows_csv("thucnews_titles_dev.csv")):
        texts[f"thucnews:{number}"] = (row["title"], row["title"])
    for number, row in enumerate(rows_csv("cnews_fulltext_sample.csv")):
        texts[f"cnews:{number}"] = ("", row["text"])
    for row in rows_csv("bdci2019_news_sentiment_dev.csv"):
        texts[f"bdci:{row['id']}"] = (row.get("title") or "", row.get("content") or "")
    for number, row in enumerate(rows_csv("weibo_senti_100k_recovered.csv")):
        texts[f"senti100k:{number}"] = ("", row["review"])
    for row in rows_csv("weibo2018_train.csv"):
        texts[f"weibo2018:{row['mid']}"] = ("", row["text"])
    for jrow in rows_jsonl("weibo_hot_search_2026-08-01_14.jsonl"):
        texts.setdefault(f"hot:{jrow['title']}", (jrow["title"], jrow.get("description") or jrow["title"]))
    for jrow in rows_jsonl("smp2020_ewect_train_eval.jsonl"):
        texts[f"smp:{jrow['subset']}:{jrow['split']}:{jrow['id']}"] = ("", jrow["content"])
    for jrow in rows_jsonl("clue_emotion2020_valid.jsonl"):
        texts[f"clue:{jrow['id']}"] = ("", jrow["content"])
    for name, text in ced_posts(data):
        texts[f"ced:{name}"] = ("", text)
    keys = set(keys)
    for key, text in ced_reposts(data, keys):
        texts[key] = ("", text)
    if any(key.startswith("hot2:") for key in keys):
        texts.update((f"hot2:{topic}", (topic, topic)) for topic in hot_archive_topics(data))
    texts.update((key, (headline, headline)) for key, headline, _ in toutiao_headlines(data))
    return texts


#: Where the original posts of the Chinese Rumor Dataset's CED part (github.com/thunlp/
#: Chinese_Rumor_Dataset) are, copied into the data folder as the release has them.
CED_POSTS = Path("CED_Dataset") / "original-microblog"
#: A daily Weibo hot-search archive (github.com/arandomguyhere/weibo-daily-hot-search, 2025-01 to
#: 2026-08), copied into the data folder: ``raw/YYYY-MM-DD.json``, each a list of entries with ``text``.
HOT_ARCHIVE = Path("weibo-daily-hot-search") / "raw"
#: Where their reposts are (each file: the reposts of one original post, with the reposter's comment).
CED_REPOSTS = (Path("CED_Dataset") / "rumor-repost", Path("CED_Dataset") / "non-rumor-repost")


#: Toutiao news headlines of 2018 (github.com/moon-hotel/BertWithPretrained,
#: ``data/SingleSentenceClassification/toutiao_test.txt``: a tenth of the public Toutiao headline set,
#: one ``headline_!_section`` a line), copied into the data folder.
TOUTIAO = Path("toutiao_test.txt")
#: The portal's sections, by the index the file gives.
TOUTIAO_SECTIONS = ("story", "culture", "entertainment", "sports", "finance", "house", "car", "edu", "tech",
                    "military", "travel", "world", "stock", "agriculture", "game")


def toutiao_headlines(data: Path) -> Iterator[tuple[str, str, str]]:
    """(``toutiao:<line number>``, headline, section) for each line of the Toutiao file in ``data``
    (none when it is absent)."""
    path = data / TOUTIAO
    if not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            headline, separator, section = line.rstrip("\n").rpartition("_!_")
            if separator and section.isdigit() and int(section) < len(TOUTIAO_SECTIONS):
                yield f"toutiao:{number}", headline.strip(), TOUTIAO_SECTIONS[int(section)]


def ced_posts(data: Path) -> Iterator[tuple[str, str]]:
    """(file name without ``.json``, post) for each CED post in ``data`` (none when it is absent);
    the macOS resource forks shipped with the release (``._*``) are no posts."""
    for path in sorted((data / CED_POSTS).glob("[!.]*.json")):
        yield path.stem, json.loads(path.read_text(encoding="utf-8"))["text"]


def hot_archive_topics(data: Path) -> list[str]:
    """Every distinct topic of the hot-search archive in ``data``, in the order the daily files first
    list it (none when it is absent)."""
    topics: dict[str, None] = {}
    for path in sorted((data / HOT_ARCHIVE).glob("*.json")):
        for entry in json.loads(path.read_text(encoding="utf-8")):
            text = (entry.get("text") or "").strip()
            if text:
                topics.setdefault(text, None)
    return list(topics)


def ced_reposts(data: Path, keys: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(key, comment) for the CED reposts named by ``keys`` (``cedrepost:<file name>:<mid>``) that are
    in ``data``; each file named is read once."""
    wanted: dict[str, set[str]] = {}
    for key in keys:
        corpus, _, rest = key.partition(":")
        name, _, mid = rest.rpartition(":")
        if corpus == "cedrepost" and name:
            wanted.setdefault(name, set()).add(mid)
    for name, mids in sorted(wanted.items()):
        for folder in CED_REPOSTS:
            path = data / folder / f"{name}.json"
            if path.is_file():
                for repost in json.loads(path.read_text(encoding="utf-8")):
                    if repost.get("mid") in mids:
                        yield f"cedrepost:{name}:{repost['mid']}", repost.get("text") or ""
                break


def cec_views(title: str, text: str) -> list[tuple[str, str]]:
    """A CEC article as a stream shows it: news report, first report on Weibo, follow-up."""
    body = _PAGE_HEADER.sub("", text).strip()
    parts = [s.strip() for s in _SENTENCE.findall(body) if s.strip()]
    lead = ""
    for sentence in parts:
        if lead and len(lead) + len(sentence) > 140:
            break
        lead += sentence
    half = "".join(parts[len(parts) // 2:]) if len(parts) > 1 else body
    return [(title, body), ("", lead or title), (title, half)]


def load_examples(data: Path, labels: Path, files: tuple[str, ...] = TRAINED, *, cec: bool = True) -> list[Example]:
    """Every labelled example whose text is in ``data``; CEC articles three times (:func:`cec_views`)."""
    rows_of = {name: _tsv(labels / name) for name in files}
    texts = _texts(data, {row["key"] for rows in rows_of.values() for row in rows})
    examples: list[Example] = []
    for rows in rows_of.values():
        for row in rows:
            key = row["key"]
            if key in texts:
                title, text = texts[key]
                examples.append(Example(key, key.split(":", 1)[0], _label(row), title, text))
    cec_path = data / "cec_emergency_dev.jsonl"
    if not cec:
        return examples
    cec_rows = {row["file"]: row for row in _tsv(labels / "cec_events.tsv")}
    if cec_path.is_file():
        for line in cec_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            article = json.loads(line)
            row = cec_rows.get(article["file"], {})
            label, event = _label(row) if row else "event", row.get("event") or article["file"]
            for title, text in cec_views(article["title"], article["text"]):
                examples.append(Example(event, "cec", label, title, text))
    return examples


# ------------------------------------------------------------------------------------ training


def featurize(examples: list[Example]) -> list[dict[str, float]]:
    """The runtime's own features for each example (sentinel's tokenizer, facts and places)."""
    from sentinel.analyse.facts import extract_facts
    from sentinel.analyse.pipeline import place_names
    from sentinel.analyse.tokenize import default_tokenizer

    tokenizer = default_tokenizer()
    places = place_names()
    rows = []
    for example in examples:
        title_words = tokenizer.tokens(example.title).words if example.title else ()
        body_words = tokenizer.tokens(example.text).words
        words = (*title_words, *body_words)
        regions = [w for w in words if w in places]
        facts = own_facts(example.title, example.text, extract_facts(example.text, example.title or None),
                          post=not example.title)
        rows.append(features(example.title, example.text, words, facts, regions, title_words))
    return rows


def _fit(rows: list[dict[str, float]], labels: list[str], c: float) -> EventReportModel:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = DictVectorizer()
    matrix = vectorizer.fit_transform(rows)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
    model.fit(matrix, labels)
    order = [list(model.classes_).index(name) if name in model.classes_ else None for name in _CLASSES]
    names = vectorizer.get_feature_names_out()
    weights = {}
    for column, name in enumerate(names):
        row = [float(model.coef_[i, column]) if i is not None else 0.0 for i in order]
        if any(abs(x) >= 1e-4 for x in row):
            weights[str(name)] = row
    bias = [float(model.intercept_[i]) if i is not None else -10.0 for i in order]
    return EventReportModel(weights, bias, 0.5, {"features": len(weights)})


def _figures(scores: list[float], labels: list[str], threshold: float) -> dict[str, Any]:
    """Report recall and precision, and how much ``other`` is kept out, at ``threshold``."""
    pairs = list(zip(scores, labels, strict=True))
    tp = sum(s >= threshold and label != "other" for s, label in pairs)
    fp = sum(s >= threshold and label == "other" for s, label in pairs)
    fn = sum(s < threshold and label != "other" for s, label in pairs)
    tn = len(pairs) - tp - fp - fn
    return {"n": len(pairs), "recall": tp / max(tp + fn, 1), "precision": tp / max(tp + fp, 1),
            "specificity": tn / max(tn + fp, 1), "accuracy": (tp + tn) / max(len(pairs), 1)}


def _scores(model: EventReportModel, rows: list[dict[str, float]]) -> list[float]:
    return [sum(model.probabilities(row)[:2]) for row in rows]


def choose_threshold(scores: list[float], labels: list[str], *, min_recall: float) -> float:
    """The highest threshold keeping report recall at ``min_recall`` or more (cross-validated scores)."""
    positives = sorted(s for s, label in zip(scores, labels, strict=True) if label != ReportKind.OTHER.value)
    if not positives:
        return 0.5
    index = int((1 - min_recall) * len(positives) + 1e-9)  # (1 - 0.8) * 5 is 0.999…: still one may go
    return min(max(positives[index] - 1e-6, 0.05), 0.95)


def train_event_model(data: Path, labels: Path, out: Path, *, min_recall: float = 0.95,
                      grid: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0), folds: int = 5) -> TrainingReport:
    """Train on the ``dev`` part, choose C and the threshold by cross-validation, measure ``held``."""
    examples = load_examples(data, labels)
    if not examples:
        raise ValueError(f"no labelled examples: is {data} the corpora folder and {labels} the labels folder?")
    rows = featurize(examples)
    dev = [i for i, e in enumerate(examples) if e.part == "dev"]
    held = [i for i, e in enumerate(examples) if e.part == "held"]
    groups = [fold_of(examples[i].key, folds) for i in dev]

    def cross_validated(c: float) -> list[float]:
        scores = [0.0] * len(dev)
        for fold in range(folds):
            train = [i for i, g in zip(dev, groups, strict=True) if g != fold]
            model = _fit([rows[i] for i in train], [examples[i].label for i in train], c)
            for position, (i, g) in enumerate(zip(dev, groups, strict=True)):
                if g == fold:
                    scores[position] = sum(model.probabilities(rows[i])[:2])
        return scores

    dev_labels = [examples[i].label for i in dev]
    best: tuple[float, float, float] | None = None  # (specificity at threshold, c, threshold)
    for c in grid:
        scores = cross_validated(c)
        threshold = choose_threshold(scores, dev_labels, min_recall=min_recall)
        negatives = [s for s, label in zip(scores, dev_labels, strict=True) if label == ReportKind.OTHER.value]
        specificity = sum(s < threshold for s in negatives) / max(len(negatives), 1)
        if best is None or specificity > best[0]:
            best = (specificity, c, threshold)
    assert best is not None
    _, c, threshold = best
    model = _fit([rows[i] for i in dev], dev_labels, c)
    model.threshold = threshold
    model.meta = {"trained_on": "dev part of labels/ (see sentinel.analyse.event_report_train)",
                  "c": c, "min_recall": min_recall, "examples": len(dev), "features": model.meta["features"]}
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save(out)
    report = TrainingReport(out, {}, c, threshold, model.meta["features"])
    for part, indexes in (("dev", dev), ("held", held)):
        report.examples[part] = dict(Counter(examples[i].label for i in indexes))
        if part == "held":
            scores = _scores(model, [rows[i] for i in indexes])
            report.figures["held (all)"] = _figures(scores, [examples[i].label for i in indexes], threshold)
            for corpus in sorted({examples[i].corpus for i in indexes}):
                subset = [n for n, i in enumerate(indexes) if examples[i].corpus == corpus]
                report.figures[f"held {corpus}"] = _figures([scores[n] for n in subset],
                                                            [examples[indexes[n]].label for n in subset], threshold)
    report.figures = {"dev (cross-validated)": _figures(cross_validated(c), dev_labels, threshold),
                      **report.figures}
    measured = load_examples(data, labels, MEASURED, cec=False)
    for corpus in sorted({e.corpus for e in measured}):
        of_corpus = [e for e in measured if e.corpus == corpus]
        report.figures[f"not trained: {corpus}"] = _figures(_scores(model, featurize(of_corpus)),
                                                            [e.label for e in of_corpus], threshold)
    return report

