"""Measure sentiment models on the held-out parts of the shared corpora.

    .venv/bin/python scripts/eval_sentiment.py --data ../shared/data
    .venv/bin/python scripts/eval_sentiment.py --data ../shared/data --model other.json.gz --snownlp-limit 0

Held out means never trained on and never used to tune the threshold: weibo2018's ``test`` part
(20% by id; hand-labelled polarity), SMP2020-EWECT's ``eval`` split (angry/sad/fear vs the rest),
CLUE emotion2020 whole (sadness/anger/disgust/fear vs like/happiness), weibo_senti_100k's ``test``
part (labels derived from emoticons). Every set is scored as written and with Weibo emoticons
([哈哈], [泪] ...) stripped. Models: the bundled one (or ``--model`` files, each at the threshold
stored beside it) and snownlp's bundled ``SnowNLP(text).sentiments`` at 0.5, on the first
``--snownlp-limit`` rows of each set because it runs at about 250 posts/s.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sentinel.analyse.sentiment import DEFAULT_MODEL, SentimentModel  # noqa: E402
from sentinel.analyse.sentiment_train import EMOTICON, Example, binary_metrics, load_corpora  # noqa: E402
from sentinel.analyse.tokenize import Tokenizer, default_tokenizer  # noqa: E402

COLUMNS = ("n", "accuracy", "macro_f1", "auc", "negative_f1")


def held_out(data: Path) -> dict[str, list[Example]]:
    rows = [row for row in load_corpora(data) if row.part == "test"]
    sets: dict[str, list[Example]] = {}
    for row in rows:
        sets.setdefault(row.corpus, []).append(row)
    smp = [row for row in rows if row.corpus.startswith("smp2020_")]
    if smp:
        sets["smp2020 (usual+virus)"] = smp
    order = [
        "weibo2018",
        "smp2020 (usual+virus)",
        "smp2020_usual",
        "smp2020_virus",
        "clue2020",
        "weibo_senti_100k",
    ]
    return {name: sets[name] for name in order if name in sets}


def _scorer(model: SentimentModel, tokenizer: Tokenizer) -> Callable[[str], float]:
    return lambda text: model.score(tokenizer.tokenize(text))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="folder with the shared corpora")
    parser.add_argument("--model", type=Path, action="append", help="model file(s); default: the bundled one")
    parser.add_argument("--snownlp-limit", type=int, default=500, help="rows per set for SnowNLP; 0 skips it")
    args = parser.parse_args()
    logging.getLogger("jieba").setLevel(logging.WARNING)
    tokenizer = default_tokenizer()
    scorers: list[tuple[str, Callable[[str], float], float, int | None]] = []
    for path in args.model or [DEFAULT_MODEL]:
        model = SentimentModel.read(path)
        name = f"{path.name} ({model.meta.get('method', '?')})"
        scorers.append((name, _scorer(model, tokenizer), model.threshold, None))
    if args.snownlp_limit:
        from snownlp import SnowNLP

        def snownlp_score(text: str) -> float:
            try:
                return SnowNLP(text).sentiments
            except ZeroDivisionError:  # snownlp fails on text with no words (an emoticon-only post)
                return 0.5

        scorers.append(("snownlp bundled", snownlp_score, 0.5, args.snownlp_limit))

    sets = held_out(args.data)
    if not sets:
        raise SystemExit(f"no labelled corpora in {args.data}")
    print("| held-out set | emoticons | model | threshold | " + " | ".join(COLUMNS) + " |")
    print("|---|---|---|---|" + "---|" * len(COLUMNS))
    for set_name, rows in sets.items():
        for stripped in (False, True):
            for model_name, score, threshold, limit in scorers:
                chosen = rows[:limit] if limit else rows
                texts = [EMOTICON.sub("", row.text) if stripped else row.text for row in chosen]
                metrics = binary_metrics(
                    [score(text) for text in texts], [row.label for row in chosen], threshold
                )
                cells = " | ".join(str(metrics[column]) for column in COLUMNS)
                kept = "stripped" if stripped else "kept"
                print(f"| {set_name} | {kept} | {model_name} | {threshold} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
