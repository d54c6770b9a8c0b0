"""Judge a dev stream with models that never saw its texts (``eval_stream.py --folds K``).

The bundled event-report model is trained on every dev label, so a dev stream judged by it shows
how well the model fits what it was trained on, not how it does on new text: its chatter count is
0 by construction. Here the dev labels are cut into K folds as the training's cross-validation cuts
them (by the SHA-1 of the key, so the reports of one CEC event share a fold), one model is trained
without each fold (the bundled model's C and threshold), and each item of the stream is judged by
the model that did not see its fold. The held part needs none of this: no held text is trained on.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sentinel.analyse.event_report import EventReportModel, ReportJudgement
from sentinel.analyse.event_report_train import _fit, featurize, fold_of, load_examples
from sentinel.analyse.pipeline import Analyzer
from sentinel.normalise.text import nfkc


def _text_key(text: str) -> str:
    """What is left of a text through the store's normalisation (NFKC, whitespace): enough to know it again."""
    return "".join(nfkc(text).split())[:60]


class FoldRouter:
    """An event-report model that judges each item with the fold model chosen for its text."""

    def __init__(self, models: list[EventReportModel], folds_by_text: Mapping[str, int], threshold: float) -> None:
        self.models, self.folds_by_text, self.threshold = models, folds_by_text, threshold
        self.current = 0
        self.unrouted = 0

    def route(self, text: str) -> None:
        fold = self.folds_by_text.get(_text_key(text))
        if fold is None:
            self.unrouted += 1
        self.current = fold or 0

    def judge(self, found: Mapping[str, float], **options: Any) -> ReportJudgement:
        return self.models[self.current].judge(found, **options)


@contextmanager
def judged_by_folds(data: Path, labels: Path, texts: Mapping[str, str], folds: int,
                    model: Path | None = None) -> Iterator[FoldRouter]:
    """While open, every Analyzer judges with fold models; ``texts`` maps each stream text to its key;
    ``model`` (default: the bundled one) gives the fold models their C and threshold."""
    base: EventReportModel = EventReportModel.load(model)
    examples = load_examples(data, labels)
    dev = [i for i, e in enumerate(examples) if e.part == "dev"]
    rows = featurize([examples[i] for i in dev])
    c = float(base.meta.get("c", 10.0))
    models = []
    for fold in range(folds):
        keep = [n for n, i in enumerate(dev) if fold_of(examples[i].key, folds) != fold]
        trained = _fit([rows[n] for n in keep], [examples[dev[n]].label for n in keep], c)
        trained.threshold = base.threshold
        models.append(trained)
    router = FoldRouter(models, {_text_key(text): fold_of(key, folds) for text, key in texts.items()}, base.threshold)
    original_load, original_analyze = EventReportModel.load, Analyzer.analyze

    def analyze(self: Analyzer, title: str | None, text: str, **options: Any) -> Any:
        router.route(text)
        return original_analyze(self, title, text, **options)

    EventReportModel.load = classmethod(lambda cls, path=None: router)  # type: ignore[assignment,method-assign]
    Analyzer.analyze = analyze  # type: ignore[method-assign]
    try:
        yield router
    finally:
        EventReportModel.load = original_load  # type: ignore[method-assign]
        Analyzer.analyze = original_analyze  # type: ignore[method-assign]
