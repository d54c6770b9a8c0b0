"""The search language and the tokens of the items' full-text index (pure functions, no database).

Chinese has no spaces between words, so the index holds no words but overlapping character pairs
(bigrams), as Lucene's CJK analyser does: 燃气爆炸事故 is indexed as 燃气 气爆 爆炸 炸事 事故 故 (the
run's last character alone, so one-character searches find it). A Chinese word of any length is
then a phrase of consecutive pairs (爆炸事故 → 爆炸 炸事 事故), which matches exactly where the word
occurs as a substring, never across punctuation; a one-character word is a prefix search (爆*).
Latin letters and digits are indexed as whole words, case-folded after NFKC (全角 → half width);
a search word matches them from their start (pm2.5 finds PM2.5, covid finds COVID-19, 100% finds
100 but not 1000). Characters that are neither (punctuation, symbols) separate tokens and are not
searchable by themselves.

The same tokens serve both stores: SQLite's FTS5 (a contentless table, ``ascii`` tokenizer over the
space-joined tokens) and PostgreSQL's ``tsvector`` (lexemes with positions, GIN-indexed).

Why not FTS5's trigram tokenizer: it cannot use the index for words under three characters, and
most Chinese words people search (爆炸, 拆迁, 欠薪) have two. jieba tokens written by the analysis
pass would lag the insert and split differently from what people type (爆炸 inside 燃气爆炸).

The query language is the watch rules' (关注方案) logic written out: words separated by spaces must
all appear (AND, as a rule's groups), ``OR`` or ``|`` between words offers alternatives (as the words
of one group), ``-word`` or ``NOT word`` excludes (as ``exclude``), ``"quoted words"`` are a
phrase, and parentheses group: ``(郑州 OR 郑州市) 燃气爆炸 -演习``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: the tokens of one item that are indexed: PostgreSQL keeps lexeme positions up to 16,383, and
#: both stores index the same, so an item's first ~15,000 characters (title first) are searchable
MAX_TOKENS = 16000

_CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af\U00020000-\U0002fa1f]+)")
_WORD = re.compile(r"[^\W_]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_LEXEME = re.compile(r"\"[^\"]*\"?|[()]|[^\s()\"]+")


class QueryError(ValueError):
    """A search that cannot be run: the message says what to change."""


def _pieces(text: str) -> list[tuple[bool, str]]:
    """(is Chinese, run) in order: runs of CJK characters and words of other letters and digits."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    pieces: list[tuple[bool, str]] = []
    for i, part in enumerate(_CJK.split(folded)):
        if i % 2:
            pieces.append((True, part))
        else:
            pieces.extend((False, word) for word in _WORD.findall(part))
    return pieces


def _run_tokens(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def doc_tokens(title: str | None, text: str | None) -> list[str]:
    """The indexed tokens of an item, in order (positions matter for phrases)."""
    tokens: list[str] = []
    for part in (title, text):
        for chinese, piece in _pieces(part or ""):
            if chinese:
                tokens.extend(_run_tokens(piece))
            else:
                tokens.append(piece)
            if len(tokens) >= MAX_TOKENS:
                return tokens[:MAX_TOKENS]
    return tokens


def doc_text(title: str | None, text: str | None) -> str:
    """The tokens space-joined: what SQLite's FTS5 table indexes."""
    return " ".join(doc_tokens(title, text))


@dataclass(frozen=True, slots=True)
class Term:
    """One word or phrase as typed, and the consecutive tokens it stands for; ``prefix``: the last
    token may be longer in the item (a Latin word's start, or a lone Chinese character)."""

    text: str
    tokens: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


@dataclass(frozen=True, slots=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    parts: tuple[Node, ...]


Node = Term | Not | All | Any_


def term(text: str) -> Term:
    """The tokens a word or phrase must have, consecutively, in an item."""
    pieces = _pieces(text)
    if not pieces:
        raise QueryError(f"{text!r}: a search word needs a letter, a digit or a Chinese character")
    folded = unicodedata.normalize("NFKC", text).casefold().rstrip()
    open_end = bool(folded) and (folded[-1] == pieces[-1][1][-1])  # no punctuation after the last piece
    tokens: list[str] = []
    prefix = False
    for i, (chinese, piece) in enumerate(pieces):
        last = i == len(pieces) - 1
        if not chinese:
            tokens.append(piece)
            prefix = last and open_end
        elif last and open_end:
            # the item's run may go on after it: pairs only (a lone character as a prefix)
            tokens.extend(_run_tokens(piece)[:-1] if len(piece) > 1 else [piece])
            prefix = len(piece) == 1
        else:
            tokens.extend(_run_tokens(piece))  # the run ends here in the item too
    return Term(text=text, tokens=tuple(tokens), prefix=prefix)


def parse(query: str) -> Node | None:
    """The query's tree; None for an empty query. QueryError when it cannot be searched."""
    lexemes = _LEXEME.findall(query.translate(_QUOTES).replace("（", "(").replace("）", ")"))
    if not lexemes:
        return None
    position = 0

    def peek() -> str | None:
        return lexemes[position] if position < len(lexemes) else None

    def take() -> str:
        nonlocal position
        position += 1
        return lexemes[position - 1]

    def alternatives() -> Node:
        parts = [conjunction()]
        while peek() in ("OR", "|"):
            take()
            parts.append(conjunction())
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def conjunction() -> Node:
        parts: list[Node] = []
        while peek() not in (None, ")", "OR", "|"):
            if peek() in ("AND", "&"):
                take()
                continue
            parts.append(unary())
        if not parts:
            raise QueryError("OR, | and parentheses need words on both sides")
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def unary() -> Node:
        lexeme = take()
        if lexeme == "NOT":
            if peek() in (None, ")", "OR", "|"):
                raise QueryError("NOT needs a word after it")
            return Not(unary())
        if lexeme == "(":
            inner = alternatives()
            if peek() != ")":
                raise QueryError("a parenthesis is not closed")
            take()
            return inner
        if lexeme.startswith("-") and len(lexeme) > 1:
            return Not(_word(lexeme[1:]))
        return _word(lexeme)

    tree = alternatives()
    if peek() is not None:
        raise QueryError(f"unexpected {peek()!r}")
    _check(tree)
    return tree


def _word(lexeme: str) -> Term:
    if lexeme.startswith('"'):
        return term(lexeme.strip('"'))
    return term(lexeme)


def _check(node: Node) -> None:
    """Every alternative must look for something: an exclusion alone would read every item."""
    if isinstance(node, Not):
        raise QueryError("a search cannot only exclude words: add a word to look for")
    if isinstance(node, Any_):
        for part in node.parts:
            _check(part)
    if isinstance(node, All):
        if all(isinstance(part, Not) for part in node.parts):
            raise QueryError("a search cannot only exclude words: add a word to look for")
        for part in node.parts:
            if not isinstance(part, Not):
                _check(part)


def fts5(node: Node) -> str:
    """The tree as an FTS5 MATCH expression over :func:`doc_text`."""
    if isinstance(node, Term):
        return '"' + " ".join(node.tokens) + '"' + ("*" if node.prefix else "")
    if isinstance(node, Any_):
        return "(" + " OR ".join(fts5(part) for part in node.parts) + ")"
    if isinstance(node, All):
        wanted = [fts5(part) for part in node.parts if not isinstance(part, Not)]
        unwanted = [fts5(part.part) for part in node.parts if isinstance(part, Not)]
        return "(" + " AND ".join(wanted) + ")" + "".join(f" NOT {text}" for text in unwanted)
    raise QueryError("a search cannot only exclude words")  # parse() lets no bare Not through


def tsquery(node: Node) -> str:
    """The tree as a PostgreSQL tsquery (its input syntax: lexemes taken as they are)."""
    if isinstance(node, Term):
        lexemes = [f"'{token}'" for token in node.tokens]
        if node.prefix:
            lexemes[-1] += ":*"
        return "(" + " <-> ".join(lexemes) + ")"
    if isinstance(node, Any_):
        return "(" + " | ".join(tsquery(part) for part in node.parts) + ")"
    if isinstance(node, All):
        return "(" + " & ".join(tsquery(part) for part in node.parts) + ")"
    return "!" + tsquery(node.part)


def wanted_terms(node: Node | None) -> list[Term]:
    """The terms looked for (not excluded), in query order, each once."""
    found: dict[Term, None] = {}

    def walk(part: Node) -> None:
        if isinstance(part, Term):
            found.setdefault(part)
        elif isinstance(part, (All, Any_)):
            for child in part.parts:
                walk(child)

    if node is not None:
        walk(node)
    return list(found)


def contains(tokens: Sequence[str], wanted: Term) -> bool:
    """Whether the item's tokens hold the term's tokens consecutively (what the index matched)."""
    size = len(wanted.tokens)
    head = wanted.tokens[0]
    for start in range(len(tokens) - size + 1):
        if size == 1:
            token = tokens[start]
            if token == head or (wanted.prefix and token.startswith(head)):
                return True
            continue
        if tokens[start] != head or tuple(tokens[start : start + size - 1]) != wanted.tokens[:-1]:
            continue
        last = tokens[start + size - 1]
        if last == wanted.tokens[-1] or (wanted.prefix and last.startswith(wanted.tokens[-1])):
            return True
    return False


def matched(title: str, text: str, terms: Iterable[Term]) -> list[str]:
    """The searched words an item holds, as typed: why it matched."""
    tokens = doc_tokens(title, text)
    return [t.text for t in terms if contains(tokens, t)]


def snippet(title: str, text: str, words: Sequence[str], width: int = 40) -> str | None:
    """Some text around the first searched word found in the text (the title is shown anyway)."""
    lowered = text.casefold()
    for word in words:
        at = lowered.find(word.casefold())
        if at >= 0:
            start, end = max(0, at - width), min(len(text), at + len(word) + width)
            return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return None
