"""One item read once: jieba tokens computed a single time and reused by every step.

``Analyzer.analyze(title, text, register=...)`` → :class:`Analysis`: watch-rule matches (relevance
and the responsible department), sentiment read in the text's register (news or post), event facts,
category, the grade floor those facts reach, whether the item reports an event (or a complaint) or
is chatter, where it happened, TF-IDF keywords, a 64-bit simhash and the place names mentioned.
Heavy resources (jieba with the user dictionaries, the sentiment model, lexicons) are loaded once
per :class:`Analyzer`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel.analyse.category import Classification, classify, load_lexicon
from sentinel.analyse.event_report import (
    NOT_JUDGED,
    EventReportModel,
    ReportJudgement,
    features,
    guard,
    own_facts,
)
from sentinel.analyse.facts import Facts, extract_facts, facts_to_dict
from sentinel.analyse.grading import GradeDecision, grade_floor, load_tables
from sentinel.analyse.keywords import content_counts, keyword_scores, load_idf
from sentinel.analyse.places import UNKNOWN, Place, resolve_place
from sentinel.analyse.rules import RuleMatch, compile_rules
from sentinel.analyse.sentiment import Register, SentimentModel, guess_register
from sentinel.analyse.simhash import simhash
from sentinel.analyse.tokenize import DICT_DIR, Tokenizer, Tokens, load_aliases
from sentinel.errors import ConfigError
from sentinel.settings import Settings

_PLACE_SUFFIXES = ("省", "市", "区", "县", "州", "盟", "旗", "自治区", "特别行政区")


@dataclass(frozen=True, slots=True)
class Analysis:
    title_tokens: Tokens
    body_tokens: Tokens
    matches: tuple[RuleMatch, ...]
    register: Register
    sentiment: float
    negative: bool
    facts: Facts
    category: Classification
    grade: GradeDecision
    keywords: tuple[tuple[str, float], ...]
    simhash: int
    regions: tuple[str, ...]
    report: ReportJudgement
    place: Place = UNKNOWN  # where the event happened, and whether that is inside the jurisdiction
    # The facts in the item's own words (a post's #topics# are others' headlines: own_facts); judged items only.
    stated: Facts | None = None

    @property
    def relevant(self) -> bool:
        return bool(self.matches)

    @property
    def opens_incident(self) -> bool:
        """A watched item that reports an event or a complaint; chatter only joins a story."""
        return self.relevant and self.report.opens_incident

    @property
    def department(self) -> str | None:
        return next((m.department for m in self.matches if m.department), None)

    def to_json(self, item_id: Any) -> dict[str, Any]:
        """The line ``sentinel analyze`` prints (docs/architecture.md#sentinel-analyze)."""
        return {
            "id": item_id,
            "register": self.register.value,
            "sentiment": round(self.sentiment, 4),
            "negative": self.negative,
            "relevance": {"relevant": self.relevant, "rules": [m.to_dict() for m in self.matches]},
            "facts": facts_to_dict(self.facts),
            "category": self.category.code,
            "category_name": self.category.name,
            "subtype": self.category.subtype,
            "grade": self.grade.grade.value if self.grade.grade is not None else None,
            "grade_reasons": list(self.grade.reasons),
            "keywords": [word for word, _ in self.keywords],
            "regions": list(self.regions),
            "report": self.report.to_dict(),
            "place": self.place.to_dict(),
            "simhash": f"{self.simhash:016x}",
        }


class Analyzer:
    def __init__(self, settings: Settings) -> None:
        config = settings.analysis
        for path in config.user_dicts:
            if not Path(path).is_file():
                raise ConfigError(f"no such dictionary file {path!r}", key="analysis.user_dicts")
        self.tokenizer = Tokenizer(config.user_dicts)
        self.rules = compile_rules(settings.watch)
        try:
            self.sentiment = SentimentModel.load(config.sentiment_model)
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot load the sentiment model: {exc}", key="analysis.sentiment_model") from None
        self.threshold = config.negative_threshold
        try:
            self.event_model = EventReportModel.load(config.event_model)
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(f"cannot load the event-report model: {exc}", key="analysis.event_model") from None
        self.lexicon = load_lexicon(config.categories, source="analysis.categories")
        self.tables = load_tables(config.grading, source="analysis.grading") if config.grading else None
        self.top_keywords = config.keywords
        self.idf = load_idf()
        self.places = place_names()
        self.scope = settings.scope

    def analyze(self, title: str | None, text: str, *, register: Register | None = None,
                judge: bool | None = None) -> Analysis:
        """Everything sentinel reads in one item. ``register`` is who wrote it (the source's kind
        says; :func:`~sentinel.analyse.sentiment.register_of_source`); unknown, a text with a title
        is read as news and one without as a post. Whether it reports an event and where are
        judged (``judge``), and its keywords and fingerprint for clustering computed, by default
        only for a watched item, the only kind that can join or open an incident: most of a feed is
        not watched, and these steps cost half of the analysis. Sentiment, facts, category and
        grade floor are read for every item."""
        register = register or guess_register(title)
        title = title or ""
        title_tokens = self.tokenizer.tokens(title)
        body_tokens = self.tokenizer.tokens(text)
        words = title_tokens.words + body_tokens.words
        matches = tuple(self.rules.match(title_tokens, body_tokens, title, text))
        score = self.sentiment.score(words, title=title_tokens.words, register=register)
        negative = score < self.threshold if self.threshold is not None else self.sentiment.negative(score)
        facts = extract_facts(text, title)
        category = classify(text, title, tokens=words, lexicon=self.lexicon)
        grade = grade_floor(facts, category.code, category.subtype, self.tables)
        regions = tuple(dict.fromkeys(filter(self.places.__contains__, words)))
        keywords: tuple[tuple[str, float], ...] = ()
        fingerprint, report, place, stated = 0, NOT_JUDGED, UNKNOWN, None
        if judge or (judge is None and matches):
            counts = content_counts(words, self.tokenizer.stopwords)  # shared by keywords and simhash
            keywords = tuple(keyword_scores(words, self.top_keywords, idf=self.idf, counts=counts))
            fingerprint = simhash(words, idf=self.idf[0], counts=counts)
            stated = own_facts(title, text, facts, post=register is Register.POST)
            report = self.event_model.judge(features(title, text, words, stated, regions, title_tokens.words),
                                            guard=guard(title, text, post=register is Register.POST))
            place = resolve_place(title, text, title_tokens=title_tokens.words, body_tokens=body_tokens.words,
                                  jurisdiction=self.scope)
        return Analysis(title_tokens, body_tokens, matches, register, score, negative, facts, category, grade,
                        keywords, fingerprint, regions, report, place, stated)


@functools.cache
def place_names(dict_dir: Path = DICT_DIR) -> frozenset[str]:
    """Administrative place names and their short forms (郑州市, 郑州), for telling stories apart.

    Only names with an administrative suffix and the short forms the alias table gives for them:
    bare words in the place dictionary such as 七星 or 平安 are too often ordinary words.
    """
    full = set()
    for line in (dict_dir / "places.txt").read_text(encoding="utf-8").splitlines():
        word = line.split(" ", 1)[0].strip()
        if len(word) >= 2 and word.endswith(_PLACE_SUFFIXES):
            full.add(word)
    aliases: Mapping[str, tuple[str, ...]] = load_aliases(dict_dir)
    names = set(full)
    for name in full:
        names.update(short for short in aliases.get(name, ()) if len(short) >= 2)
    return frozenset(names)
