"""How often an undeclared body is decoded right: Chinese (GBK) news and Weibo text cut to several
lengths, and Japanese, Korean and traditional Chinese sentences, through ``decode_body`` with no
charset anywhere.

    python bench/charset_detection.py --data DIR

``DIR`` holds the project's corpora (its data notes). The detection thresholds in
``sentinel.collect.charset`` (``_FEW_CHARS``, ``_UNSURE``) were tuned on ``cnews_fulltext_sample.csv``
and every 200th row of ``smp2020_ewect_train_eval.jsonl`` (rows 0, 200, 400 ...); the held-out part,
never looked at while tuning, is ``bdci2019_news_sentiment_dev.csv`` (titles and article starts) and
the rows 100, 300, 500 ... of the Weibo file. Both figures are printed. The Japanese, Korean and Big5 sentences below were written for this
script (news-style, invented) and are few: their figures are indicative only.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from sentinel.collect.charset import decode_body
from sentinel.errors import ParseError

LENGTHS = (2, 4, 8, 16, 40, 200)
OTHERS = {
    "ja": ["東京都は２日、新型コロナウイルスの感染者が新たに確認されたと発表した。都の担当者は「引き続き警戒が必要だ」と話している。",
           "大雨の影響で、九州地方では川の氾濫や土砂災害の危険性が高まっています。気象庁は最新の情報に注意するよう呼びかけています。",
           "日本の首相は記者会見で、経済対策の規模を拡大する方針を明らかにしました。",
           "地震の発生を受けて、政府は対策本部を設置し、被害状況の確認を急いでいる。"],
    "ko": ["서울시는 2일 신종 코로나바이러스 감염증 확진자가 새로 확인됐다고 밝혔다. 시 관계자는 계속 주의가 필요하다고 말했다.",
           "기상청은 내일 전국에 강한 비가 내릴 것으로 예상된다며 피해가 없도록 주의해 달라고 당부했다.",
           "정부는 경제 대책의 규모를 확대하는 방안을 검토하고 있다고 밝혔습니다.",
           "지진이 발생하자 정부는 대책본부를 설치하고 피해 상황을 확인하고 있다."],
    "zh-hant": ["政府資訊公開條例規定，行政機關應當主動公開政府資訊。市民可以依申請查詢相關文件，機關應當在二十個工作日內答覆。",
                "颱風來襲，中央氣象局發布海上警報，提醒民眾注意防範強風豪雨。",
                "臺北市政府今日舉行記者會，說明防疫措施的最新進展。"],
}
CODECS = {"zh": ["gbk"], "ja": ["euc_jp", "shift_jis"], "ko": ["euc_kr"], "zh-hant": ["big5"]}


def tuning_part(data: Path) -> list[str]:
    with open(data / "cnews_fulltext_sample.csv", encoding="utf-8") as file:
        texts = [row["text"] for row in csv.DictReader(file)]
    return texts + weibo(data, offset=0)


def held_out_part(data: Path) -> list[str]:
    with open(data / "bdci2019_news_sentiment_dev.csv", encoding="utf-8") as file:
        texts = [f"{row['title']}。{row['content']}" for row in csv.DictReader(file)]
    return texts + weibo(data, offset=100)


def weibo(data: Path, *, offset: int) -> list[str]:
    with open(data / "smp2020_ewect_train_eval.jsonl", encoding="utf-8") as file:
        return [json.loads(line)["content"] for number, line in enumerate(file) if number % 200 == offset]


def score(texts: list[str], language: str) -> tuple[Counter[str], Counter[str]]:
    right: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    for text in texts:
        for length in LENGTHS:
            sample = text[:length]
            if len(sample) < length and length != LENGTHS[-1]:
                continue
            for codec in CODECS[language]:
                try:
                    content = sample.encode(codec)
                except UnicodeEncodeError:
                    continue
                group = f"{language} {codec} {'≤8 chars' if length <= 8 else '>8 chars'}"
                seen[group] += 1
                try:
                    right[group] += decode_body(content, None)[0] == sample
                except ParseError:
                    pass
    return right, seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    args = parser.parse_args()
    for part, rows in (("tuning", tuning_part(args.data)), ("held out", held_out_part(args.data))):
        right, seen = score(rows, "zh")
        for group in sorted(seen):
            print(f"{part:20} {group:26} {right[group]:5}/{seen[group]:<5} {right[group] / seen[group]:6.1%}")
    for language, sentences in OTHERS.items():
        right, seen = score(sentences, language)
        for group in sorted(seen):
            print(f"{'written for this':20} {group:26} {right[group]:5}/{seen[group]:<5} {right[group] / seen[group]:6.1%}")


if __name__ == "__main__":
    main()
