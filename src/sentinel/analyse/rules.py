"""Watch rules (关注方案) applied to an item's tokens.

A rule holds groups of words (region, subject, event ...): a text is relevant when every group has
at least one of its words (OR within a group, AND across groups), no exclusion word appears, every
required word appears and every regex matches, in the rule's scope (title, body or both).

Words are found in the tokens, not by scanning the raw string, so 市长 does not fire inside
南京市/长江大桥. A word of two or more characters is found when it

* is a token, or lies inside one token (郑州 in 郑州市, 爆炸 in 发生爆炸), or
* covers several whole tokens (食物中毒 split as 食物/中毒, COVID-19 as COVID/-/19);

a one-character word only when it is a token by itself. Each word also stands for its aliases from
the bundled dictionary (郑州市 ↔ 郑州, 卫生健康委员会 ↔ 卫健委). Latin letters match in any case.

Speed: words of every rule go into one inverted index, word → (rule, group). A text is read once,
looking up each token, its inner substrings and the two characters at each token start; only rules
with a hit are then checked. The cost does not grow with the number of rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from itertools import accumulate, compress
from operator import itemgetter
from typing import Any, NamedTuple

from sentinel.analyse.tokenize import Tokens, load_aliases
from sentinel.settings import WatchRule

TokenInput = Tokens | Sequence[str] | None


class _Kind(IntEnum):
    GROUP = 0
    EXCLUDE = 1
    REQUIRE = 2


class _Entry(NamedTuple):
    rule: int
    kind: _Kind
    group: str
    word: str  # as the rule writes it, for reporting


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """One rule that matched an item, and why."""

    rule_id: str
    department: str | None
    groups: dict[str, list[str]]  # group name -> the rule's words found, in rule order
    required: list[str]
    regexes: list[str]  # the patterns that matched
    fields: tuple[str, ...]  # "title" and/or "body": where the words were found
    policy_documents: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "department": self.department,
            "groups": self.groups,
            "required": self.required,
            "regexes": self.regexes,
            "fields": list(self.fields),
        }


@dataclass(slots=True)
class _Hits:
    groups: dict[str, set[str]] = field(default_factory=dict)
    required: set[str] = field(default_factory=set)
    excluded: bool = False
    fields: set[str] = field(default_factory=set)


class RuleSet:
    """Compiled watch rules. Build with :func:`compile_rules`; :meth:`match` is thread-safe."""

    def __init__(self, rules: Sequence[WatchRule], aliases: Mapping[str, Sequence[str]]) -> None:
        self.rules: tuple[WatchRule, ...] = tuple(rules)
        self._index: dict[str, list[_Entry]] = {}
        self._regexes = [[re.compile(p) for p in rule.regex] for rule in self.rules]
        # A rule with neither groups nor required words can only be reached through its regexes.
        self._regex_only = [i for i, rule in enumerate(self.rules) if not rule.groups and not rule.require]
        for i, rule in enumerate(self.rules):
            for group, words in rule.groups.items():
                for word in words:
                    self._add(word, _Entry(i, _Kind.GROUP, group, word), aliases)
            for word in rule.exclude:
                self._add(word, _Entry(i, _Kind.EXCLUDE, "", word), aliases)
            for word in rule.require:
                self._add(word, _Entry(i, _Kind.REQUIRE, "", word), aliases)
        # Words of 2+ characters by their first two characters, for words covering several tokens.
        self._by_prefix: dict[str, list[str]] = {}
        for key in self._index:
            if len(key) >= 2:
                self._by_prefix.setdefault(key[:2], []).append(key)
        self._longest = max((len(key) for key in self._index), default=0)
        self._heads = frozenset(key[0] for key in self._index if len(key) >= 2)
        # Keys are lower case; tokens need folding only when some key has cased letters at all.
        self._fold = any(key != key.upper() for key in self._index)

    def __len__(self) -> int:
        return len(self.rules)

    def _add(self, word: str, entry: _Entry, aliases: Mapping[str, Sequence[str]]) -> None:
        for spelling in (word, *aliases.get(word.strip(), ())):
            key = _key(spelling)
            if key:
                entries = self._index.setdefault(key, [])
                if entry not in entries:
                    entries.append(entry)

    def match(
        self,
        title_tokens: TokenInput,
        body_tokens: TokenInput,
        title: str = "",
        body: str = "",
    ) -> list[RuleMatch]:
        """The rules that match, in configuration order. ``title``/``body`` are used for regexes."""
        if not self.rules:
            return []
        found = {"title": self._found(title_tokens), "body": self._found(body_tokens)}
        hits: dict[int, _Hits] = {}
        for field_name, keys in found.items():
            for key in keys:
                for entry in self._index[key]:
                    scope = self.rules[entry.rule].scope
                    if scope != "both" and scope != field_name:
                        continue
                    hit = hits.get(entry.rule)
                    if hit is None:
                        hit = hits[entry.rule] = _Hits()
                    if entry.kind is _Kind.EXCLUDE:
                        hit.excluded = True
                        continue
                    if entry.kind is _Kind.GROUP:
                        hit.groups.setdefault(entry.group, set()).add(entry.word)
                    else:
                        hit.required.add(entry.word)
                    hit.fields.add(field_name)
        for i in self._regex_only:
            hits.setdefault(i, _Hits())
        texts = {"title": title, "body": body}
        matches = []
        for i in sorted(hits):
            match = self._check(i, hits[i], texts)
            if match is not None:
                matches.append(match)
        return matches

    def _check(self, i: int, hit: _Hits, texts: dict[str, str]) -> RuleMatch | None:
        rule = self.rules[i]
        if hit.excluded or len(hit.groups) < len(rule.groups) or len(hit.required) < len(set(rule.require)):
            return None
        fields = set(hit.fields)
        if self._regexes[i]:
            scoped = ("title", "body") if rule.scope == "both" else (rule.scope,)
            for pattern in self._regexes[i]:
                where = [name for name in scoped if pattern.search(texts[name] or "")]
                if not where:
                    return None
                fields.update(where)
        return RuleMatch(
            rule_id=rule.id,
            department=rule.department,
            groups={
                g: [w for w in dict.fromkeys(words) if w in hit.groups[g]] for g, words in rule.groups.items()
            },
            required=[w for w in dict.fromkeys(rule.require) if w in hit.required],
            regexes=list(rule.regex),
            fields=tuple(name for name in ("title", "body") if name in fields),
            policy_documents=rule.policy_documents,
        )

    def _found(self, tokens: TokenInput) -> set[str]:
        """The index keys present in one text's tokens.

        The loops that touch every token run in C (set intersection, ``accumulate``,
        ``compress``); Python only looks at tokens whose characters can start a word at all.
        """
        if not tokens:
            return set()
        words = tokens.words if isinstance(tokens, Tokens) else tuple(tokens)
        if self._fold:
            words = tuple(w.lower() for w in words)
        index, heads, longest = self._index, self._heads, self._longest
        unique = set(words)
        found = unique & index.keys()
        for word in unique:
            size = len(word)
            if size > 2 and not heads.isdisjoint(word):
                # Words inside one token: 郑州 in 郑州市, 爆炸 in 发生爆炸.
                for start in range(size - 1):
                    if word[start] in heads:
                        last = size - 1 if start == 0 else size  # the whole token was looked up above
                        for end in range(start + 2, min(last, start + longest) + 1):
                            piece = word[start:end]
                            if piece in index:
                                found.add(piece)
        # Words covering several whole tokens: they start at a token start and end at a token end.
        at_head = list(compress(range(len(words)), map(heads.__contains__, map(itemgetter(0), words))))
        if at_head:
            ends = list(accumulate(map(len, words)))
            bounds = set(ends)
            text = "".join(words)
            by_prefix = self._by_prefix
            for n in at_head:
                start = ends[n] - len(words[n])
                candidates = by_prefix.get(text[start : start + 2])
                if candidates:
                    size = len(words[n])
                    for key in candidates:
                        if len(key) > size and start + len(key) in bounds and text.startswith(key, start):
                            found.add(key)
        return found


def compile_rules(
    rules: Sequence[WatchRule], *, aliases: Mapping[str, Sequence[str]] | None = None
) -> RuleSet:
    """Index ``rules`` once; ``aliases`` defaults to the bundled table (郑州市 ↔ 郑州 ...)."""
    return RuleSet(rules, load_aliases() if aliases is None else aliases)


def _key(word: str) -> str:
    # Tokens never hold whitespace, so neither may a key; Latin letters compare case-folded.
    return "".join(word.split()).lower()
