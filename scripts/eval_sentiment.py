"""Measure the sentiment model on the labelled corpora: news and Weibo, dev and held-apart, and speed.

    .venv/bin/python scripts/eval_sentiment.py --data DIR
    .venv/bin/python scripts/eval_sentiment.py --data DIR --unseen        # every row of DIR is new text
    .venv/bin/python scripts/eval_sentiment.py --data DIR --model other.json.gz --snownlp-limit 0

"Negative" is the negative class against the rest: the BDCI 2019 news set's ``negative`` stance
against positive and neutral (read in the news register, headline and lead); the Weibo sets' negative
polarity or emotion (angry/sad/fear; sadness/anger/disgust/fear) against the rest (read as posts).
The parts are those of ``sentinel.analyse.sentiment_corpora``: ``dev`` (10%) is where the threshold
and the training options were tuned, ``test`` is held apart and never tuned on (SMP2020-EWECT: its
own eval split). ``--unseen`` counts every row of ``--data`` as held-apart, for a folder of text
the model never saw (files named as in the shared corpora). Weibo rows are scored as written and
with their emoticons ([哈哈], [泪] ...) stripped, to show what the model reads from words alone.
snownlp's bundled ``SnowNLP(text).sentiments`` is scored at 0.5 on ``--snownlp-limit`` held-apart
rows of each set (evenly spaced) (it runs at a few hundred posts a second).

Speed: rows per second of jieba tokens + score, and of the score alone, over the held-apart rows
(one core; noisy on a shared machine).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sentinel.analyse.sentiment import DEFAULT_MODEL, Register, SentimentModel  # noqa: E402
from sentinel.analyse.sentiment_corpora import CORPORA, EMOTICON, Example, load_corpora, score_example  # noqa: E402
from sentinel.analyse.sentiment_metrics import binary_metrics  # noqa: E402
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer  # noqa: E402

COLUMNS = ("n", "accuracy", "macro_f1", "auc", "negative_f1")
Scorer = Callable[[Example, bool], float]


def snownlp_scorer() -> Scorer:
    from snownlp import SnowNLP

    def score(row: Example, strip: bool) -> float:
        text = row.title + (EMOTICON.sub("", row.text) if strip else row.text)
        try:
            return float(SnowNLP(text).sentiments)
        except ZeroDivisionError:  # snownlp fails on text with no words (an emoticon-only post)
            return 0.5

    return score


def table(title: str, rows: list[Example], scorers: Sequence[tuple[str, Scorer, float, int | None]],
          *, strip_too: bool) -> None:
    print(f"\n## {title}\n")
    print("| set | part | emoticons | model | threshold | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---|---|---|" + "---|" * len(COLUMNS))
    for corpus in CORPORA:
        for part in ("dev", "test"):
            chosen = [row for row in rows if row.corpus == corpus and row.part == part]
            if {row.label for row in chosen} != {0, 1}:
                continue
            for strip in (False, True) if strip_too else (False,):
                for name, score, threshold, limit in scorers:
                    if limit is not None and part != "test":
                        continue
                    # every k-th row: a file's rows may be grouped by label
                    sample = chosen[:: max(1, len(chosen) // limit)][:limit] if limit else chosen
                    metrics = binary_metrics([score(row, strip) for row in sample], [row.label for row in sample],
                                             threshold)
                    cells = " | ".join(str(metrics[column]) for column in COLUMNS)
                    shown = "held-apart" if part == "test" else "dev"
                    kept = "stripped" if strip else "kept" if strip_too else "-"
                    print(f"| {corpus} | {shown} | {kept} | {name} | {threshold} | {cells} |", flush=True)


def speed(model: SentimentModel, tokenizer: Tokenizer, rows: list[Example]) -> None:
    print("\n## Speed (one core)\n")
    for register in Register:
        chosen = [row for row in rows if row.register is register and row.part == "test"]
        if not chosen:
            continue
        started = time.perf_counter()
        tokens = [(tokenizer.tokenize(row.title) if row.title else [], tokenizer.tokenize(row.text)) for row in chosen]
        tokenised = time.perf_counter() - started
        started = time.perf_counter()
        for title, body in tokens:
            model.score(title + body, title=title, register=register)
        scored = time.perf_counter() - started
        chars = sum(len(row.title) + len(row.text) for row in chosen) / len(chosen)
        print(f"- {register.value}: {len(chosen)} rows of {chars:.0f} characters: tokens + score "
              f"{len(chosen) / (tokenised + scored):,.0f} rows/s, score alone {len(chosen) / scored:,.0f} rows/s")


def _scorer(model: SentimentModel, tokenizer: Tokenizer) -> Scorer:
    return lambda row, strip: score_example(model, row, tokenizer, strip=strip)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="folder with the labelled corpora")
    parser.add_argument("--model", type=Path, action="append", help="model file(s); default: the bundled one")
    parser.add_argument("--unseen", action="store_true", help="every row of --data is held-apart text")
    parser.add_argument("--snownlp-limit", type=int, default=200, help="held-apart rows per set for SnowNLP; 0 skips it")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = default_tokenizer()
    rows = load_corpora(args.data, all_test=args.unseen)
    if not rows:
        raise SystemExit(f"no labelled corpora in {args.data}")
    scorers: list[tuple[str, Scorer, float, int | None]] = []
    models = [SentimentModel.read(path) for path in args.model or [DEFAULT_MODEL]]
    for path, model in zip(args.model or [DEFAULT_MODEL], models, strict=True):
        scorers.append((path.name, _scorer(model, tokenizer), model.threshold, None))
    if args.snownlp_limit:
        scorers.append(("snownlp bundled", snownlp_scorer(), 0.5, args.snownlp_limit))
    print(f"# Sentiment: negative vs the rest ({'every row held apart' if args.unseen else 'dev and held-apart'})")
    table("News (register news: BDCI 2019, negative stance)", [r for r in rows if r.register is Register.NEWS],
          scorers, strip_too=False)
    table("Weibo (register post)", [r for r in rows if r.register is Register.POST], scorers, strip_too=True)
    speed(models[0], tokenizer, rows)


if __name__ == "__main__":
    main()
