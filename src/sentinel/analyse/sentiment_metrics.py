"""How well scores separate negative from the rest: AUC, F1 of the negative class, the threshold.

The negative class is the one detected (a score below the threshold): it is what sentinel alerts
on, so precision, recall and F1 are the negative class's.
"""

from __future__ import annotations

from collections.abc import Sequence


def auc(scores: Sequence[float], labels: Sequence[int]) -> float:
    """Area under the ROC curve: the chance a positive row scores above a negative one (ties half)."""
    ranked = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return float("nan")
    rank_sum, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        mean_rank = (i + j + 1) / 2
        rank_sum += mean_rank * sum(1 for k in range(i, j) if ranked[k][1] == 1)
        i = j
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def binary_metrics(scores: Sequence[float], labels: Sequence[int], threshold: float) -> dict[str, float]:
    """Accuracy, macro-F1, negative-class F1 (a score below ``threshold`` is negative) and AUC."""
    tp, fp, fn, tn = _confusion(scores, labels, threshold)
    f1_negative = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    f1_positive = 2 * tn / (2 * tn + fn + fp) if tn else 0.0
    return {
        "n": len(labels),
        "accuracy": round((tp + tn) / len(labels), 4) if labels else 0.0,
        "macro_f1": round((f1_negative + f1_positive) / 2, 4),
        "negative_f1": round(f1_negative, 4),
        "auc": round(auc(scores, labels), 4),
    }


def best_threshold(scores: Sequence[float], labels: Sequence[int]) -> float:
    """The threshold that maximises negative-class F1: the midpoint between the two scores it falls
    between (the middle of the best run when several tie)."""
    pairs = sorted(zip(scores, labels, strict=True))
    negatives = len(pairs) - sum(labels)
    if not pairs or not negatives:
        raise ValueError("best_threshold needs scores of negative rows")
    # cutting after the k lowest scores calls those k negative: tp = negatives among them
    best, cuts = -1.0, [0]
    tp = fp = 0
    for k, (score, label) in enumerate(pairs, start=1):
        tp, fp = tp + (label == 0), fp + (label == 1)
        if k < len(pairs) and pairs[k][0] == score:
            continue  # a threshold cannot fall between equal scores
        f1 = 2 * tp / (tp + negatives + fp)
        if f1 > best:
            best, cuts = f1, [k]
        elif f1 == best:
            cuts.append(k)
    k = cuts[len(cuts) // 2]
    return (pairs[k - 1][0] + pairs[k][0]) / 2 if k < len(pairs) else pairs[-1][0] + 1e-9


def _confusion(scores: Sequence[float], labels: Sequence[int], threshold: float) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) with the negative class as the one detected."""
    tp = fp = fn = tn = 0
    for score, label in zip(scores, labels, strict=True):
        if score < threshold:
            if label == 0:
                tp += 1
            else:
                fp += 1
        elif label == 0:
            fn += 1
        else:
            tn += 1
    return tp, fp, fn, tn
