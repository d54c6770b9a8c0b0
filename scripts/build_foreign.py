"""Generate ``src/sentinel/analyse/dict/foreign.tsv``: countries, major foreign cities and regions in
Chinese, each with its country, for telling an event abroad from one at home (属地管理).

Sources, pinned so the output is reproducible:

* Countries and territories: the Simplified Chinese names of the Unicode CLDR (``zh`` locale's
  territory names) as shipped in the PyPI wheel ``babel==2.18.0`` (BSD; CLDR under the Unicode
  licence). China's own territories (CN, HK, MO, TW) are divisions, not foreign, and come from the
  division data; groupings (世界, 欧盟, 联合国 …) are left out.
* Cities: CLDR's exemplar cities of the time zones in the same locale (拉各斯, 拉巴斯, 埃达克 …), each
  with the territory of its zone, minus those in China.
* Common variants (沙特, 阿联酋, 北韩, 刚果金 …), further major cities and regions (阿留申群岛, 加州,
  北海道, 巴厘岛 …) and the compounds in which a foreign name is not a place (美国白蛾, 非洲猪瘟,
  蒙古族 …): the lists below, compiled by hand.

A name that is also a Chinese division or one of its short forms is dropped (and printed), so
that a domestic place never reads as foreign.

Run (downloads the babel wheel with pip unless ``--wheel`` is given; nothing is installed)::

    .venv/bin/python scripts/build_foreign.py
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "babel==2.18.0"
OUT = Path(__file__).resolve().parent.parent / "src" / "sentinel" / "analyse" / "dict"
_DOMESTIC = {"CN", "HK", "MO", "TW"}
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AQ", "UM", "IO", "TF", "HM", "BV", "DG", "CP", "TA",
                  "EA", "IC", "AC"}
# Exemplar cities that are also everyday words, names of people or places in China, or too small.
_CITY_DROP = set("昭和 戴维斯 帕尔默 道森 诺姆 朱诺 凤凰城 万象 亚丁 斯坦利 瓦利斯 威克 未知城市 特罗尔 "
                 "依伦尼贝 洛罗尼亚 巴伊亚 法罗 图勒 乌拉尔 梅诺米尼 博伊西 林德曼 麦格理 汉德加 乌斯内拉 "
                 "中科雷姆斯克 布辛根 可可斯 埃法特 卡塞 罗瑟拉 莫森 沃斯托克 麦克默多 迪蒙·迪维尔 上海 乌鲁木齐 "
                 "香港 澳门 台北 圣约翰斯 格莱斯贝 雷索卢特 兰今湾 剑桥湾 斯威夫特卡伦特 克雷斯顿 奥希纳加 "
                 "布兰克萨布隆 古斯湾 坎顿岛 下太子区 甘比尔 马克萨斯 恩德伯里 阿蒂科肯".split())
# Zones CLDR gives no territory for (links and old names).
_CITY_TERRITORY = {"加尔各答": "IN", "仰光": "MM", "加德满都": "NP", "基辅": "UA", "胡志明市": "VN",
                   "布宜诺斯艾利斯": "AR", "门多萨": "AR", "卡塔马卡": "AR", "胡胡伊": "AR", "科尔多瓦": "AR",
                   "印第安纳波利斯": "US", "路易斯维尔": "US", "阿斯马拉": "ER", "努克": "GL",
                   "特鲁克群岛": "FM", "波纳佩岛": "FM"}

#: CLDR names that read oddly as a country in an alert.
_RENAMED = {"PS": "巴勒斯坦"}
#: Other names of countries, as Chinese text writes them.
VARIANTS: dict[str, list[str]] = {
    "US": ["美利坚合众国"], "RU": ["俄国", "俄罗斯联邦"], "GB": ["大不列颠", "英格兰", "苏格兰", "威尔士", "北爱尔兰"],
    "KR": ["南韩", "大韩民国"], "KP": ["北韩", "朝鲜民主主义人民共和国"], "SA": ["沙特"], "AE": ["阿联酋"],
    "ID": ["印尼"], "AU": ["澳洲"], "NZ": ["纽西兰"], "BD": ["孟加拉"], "CZ": ["捷克共和国"], "BA": ["波黑"],
    "MK": ["马其顿"], "SZ": ["埃斯瓦蒂尼"], "CI": ["象牙海岸"], "CD": ["刚果金", "刚果民主共和国", "刚果"],
    "CG": ["刚果布", "刚果共和国"], "KG": ["吉尔吉斯"], "UZ": ["乌兹别克"], "TM": ["土库曼"], "TJ": ["塔吉克"],
    "KZ": ["哈萨克"], "BY": ["白俄"], "DO": ["多米尼加"], "PS": ["巴勒斯坦领土"], "CC": ["科科斯群岛"],
    "MM": ["缅北"], "PH": ["菲国"], "DE": ["德意志"],
}

#: Major cities and regions CLDR's list lacks, by country.
PLACES: dict[str, list[str]] = {
    "US": ["阿留申群岛", "阿拉斯加", "夏威夷", "加利福尼亚", "加州", "得克萨斯", "德克萨斯", "得州", "佛罗里达",
           "纽约州", "华盛顿州", "俄勒冈", "亚利桑那", "内华达", "路易斯安那", "密歇根", "伊利诺伊", "俄亥俄",
           "宾夕法尼亚", "马萨诸塞", "新泽西", "弗吉尼亚", "科罗拉多", "犹他", "明尼苏达", "威斯康星", "田纳西",
           "肯塔基", "俄克拉何马", "堪萨斯", "密苏里", "阿拉巴马", "密西西比", "北卡罗来纳", "南卡罗来纳", "马里兰",
           "蒙大拿", "爱达荷", "怀俄明", "新墨西哥", "华盛顿", "旧金山", "西雅图", "波士顿", "休斯敦", "达拉斯",
           "迈阿密", "费城", "亚特兰大", "拉斯维加斯", "圣迭戈", "奥兰多", "新奥尔良", "匹兹堡", "巴尔的摩",
           "克利夫兰", "盐湖城", "硅谷", "曼哈顿", "布鲁克林", "好莱坞", "纽约市"],
    "JP": ["大阪", "京都", "横滨", "名古屋", "神户", "福冈", "札幌", "仙台", "广岛", "长崎", "冲绳", "北海道",
           "福岛县", "福岛核电站", "熊本", "静冈", "千叶", "埼玉", "奈良", "鹿儿岛", "宫城县", "岩手县", "新潟",
           "石川县", "能登半岛", "富山县", "本州", "东京都"],
    "KR": ["釜山", "仁川", "大邱", "光州", "济州岛", "梨泰院", "江原道", "京畿道"],
    "RU": ["圣彼得堡", "西伯利亚", "车臣", "达吉斯坦", "克拉斯诺达尔", "喀山", "下诺夫哥罗德", "别尔哥罗德",
           "库尔斯克", "摩尔曼斯克", "索契", "海参崴", "哈巴罗夫斯克", "伯力"],
    "UA": ["克里米亚", "顿涅茨克", "卢甘斯克", "哈尔科夫", "敖德萨", "扎波罗热", "马里乌波尔", "利沃夫", "顿巴斯",
           "赫尔松"],
    "GB": ["曼彻斯特", "伯明翰", "利物浦", "爱丁堡", "格拉斯哥"],
    "FR": ["马赛", "里昂", "尼斯", "波尔多", "斯特拉斯堡", "图卢兹"],
    "DE": ["慕尼黑", "法兰克福", "汉堡", "科隆", "杜塞尔多夫", "斯图加特"],
    "IT": ["米兰", "威尼斯", "佛罗伦萨", "那不勒斯", "都灵", "西西里", "撒丁岛"],
    "ES": ["巴塞罗那", "瓦伦西亚", "塞维利亚", "加泰罗尼亚"],
    "IN": ["孟买", "新德里", "德里", "班加罗尔", "金奈", "北方邦", "比哈尔邦", "喀拉拉邦", "古吉拉特邦",
           "马哈拉施特拉邦", "泰米尔纳德邦", "拉贾斯坦邦", "中央邦", "奥里萨邦", "西孟加拉邦", "阿萨姆邦", "曼尼普尔邦"],
    "PK": ["伊斯兰堡", "拉合尔", "白沙瓦", "奎达", "俾路支省", "开伯尔-普什图赫瓦省", "信德省"],
    "AF": ["坎大哈", "赫拉特", "马扎里沙里夫", "贾拉拉巴德"],
    "ID": ["巴厘岛", "苏门答腊", "爪哇", "苏拉威西", "加里曼丹", "龙目岛", "泗水", "万隆", "棉兰", "日惹"],
    "PH": ["吕宋岛", "棉兰老岛", "宿务", "达沃"],
    "TH": ["普吉岛", "清迈", "芭提雅"],
    "VN": ["河内", "岘港", "海防"],
    "MY": ["槟城", "沙巴", "沙捞越", "新山"],
    "MM": ["曼德勒", "内比都", "若开邦", "掸邦", "克钦邦", "果敢"],
    "TR": ["安卡拉", "伊兹密尔", "安塔利亚", "加济安泰普", "卡赫拉曼马拉什", "哈塔伊"],
    "IR": ["伊斯法罕", "设拉子", "马什哈德", "克尔曼"],
    "IQ": ["摩苏尔", "巴士拉", "基尔库克", "埃尔比勒"],
    "SY": ["阿勒颇", "霍姆斯", "伊德利卜"],
    "IL": ["特拉维夫", "海法"],
    "PS": ["加沙地带", "约旦河西岸", "拉法"],
    "SA": ["吉达", "麦加", "麦地那"],
    "AE": ["阿布扎比"],
    "EG": ["苏伊士", "卢克索"],
    "NG": ["阿布贾", "卡诺", "迈杜古里", "博尔诺州", "卡杜纳", "扎姆法拉州"],
    "KE": ["蒙巴萨"],
    "ZA": ["开普敦", "德班", "比勒陀利亚"],
    "SD": ["达尔富尔"],
    "BR": ["里约热内卢", "巴西利亚"],
    "MX": ["瓜达拉哈拉"],
    "CL": ["瓦尔帕莱索"],
    "PE": ["库斯科"],
    "BO": ["科恰班巴", "波托西"],
    "CO": ["麦德林"],
    "CA": ["蒙特利尔", "渥太华", "卡尔加里", "魁北克", "不列颠哥伦比亚", "安大略", "阿尔伯塔"],
    "AU": ["堪培拉", "昆士兰", "新南威尔士", "维多利亚州", "塔斯马尼亚"],
    "NZ": ["惠灵顿", "基督城", "克赖斯特彻奇"],
    "": ["中东", "印度洋"],  # regions of several countries: abroad, country unknown
}

#: Compounds in which a foreign name names no place: species, diseases, dishes, peoples of China,
#: newspapers (a source, not where the event was).
NOT_PLACES = (
    "美国白蛾 非洲猪瘟 日本脑炎 日本血吸虫 日本料理 德国小蠊 中东呼吸综合征 西班牙流感 巴西龟 意大利面 土耳其浴 "
    "法国梧桐 蒙古族 朝鲜族 蒙古包 韩国料理 泰国香米 印度飞饼 荷兰猪 加拿大一枝黄花 美国大片 英国短毛猫 中东部 "
    "纽约时报 华盛顿邮报 华尔街日报 洛杉矶时报 韩国瑜 日本人民 朝鲜战争 抗美援朝 中非合作 中东欧 东京热"
).split()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--wheel", type=Path, help="the babel wheel (default: download it with pip)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    wheel = args.wheel or _download(WHEEL)
    unpacked = Path(tempfile.mkdtemp(prefix="sentinel-babel-"))
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    sys.path.insert(0, str(unpacked))
    from babel import Locale  # noqa: PLC0415 (imported from the unpacked wheel)
    from babel.core import get_global  # noqa: PLC0415

    locale = Locale("zh")
    countries = {code: _RENAMED.get(code, name) for code, name in locale.territories.items()
                 if len(code) == 2 and code.isalpha() and code not in _DOMESTIC | _NOT_COUNTRIES}
    rows: dict[str, tuple[str, str, str]] = {}  # name -> (kind, country code, country name)

    def add(name: str, kind: str, code: str) -> None:
        name = name.strip()
        if len(name) < 2 or name in rows:
            return
        rows[name] = (kind, code, countries.get(code, name if not code else code))

    for code, name in sorted(countries.items()):
        add(name, "country", code)
        plain = re.sub(r"（[^）]*）", "", name)
        if plain != name:
            add(name.replace("（", "").replace("）", ""), "country", code)
    for code, names in sorted(VARIANTS.items()):
        for name in names:
            add(name, "country", code)
    zones = get_global("zone_territories")
    for zone, data in sorted(locale.time_zones.items()):
        city = data.get("city")
        code = zones.get(zone) or _CITY_TERRITORY.get(city or "")
        if city and code in countries and city not in _CITY_DROP:
            add(city, "city", code)
    for code, names in sorted(PLACES.items()):
        for name in names:
            if code:
                add(name, "region", code)
            else:
                rows.setdefault(name, ("region", "", name))

    domestic = _domestic_names(args.out / "divisions.tsv")
    clashes = sorted(name for name in rows if name in domestic)
    for name in clashes:
        del rows[name]
    out: Path = args.out / "foreign.tsv"
    with out.open("w", encoding="utf-8") as handle:
        handle.write("# name\tkind (country, city, region; stop: a compound that names no place)\t"
                     "country code (ISO 3166)\tcountry\n")
        for name, (kind, code, country) in sorted(rows.items()):
            handle.write(f"{name}\t{kind}\t{code}\t{country}\n")
        for name in sorted(set(NOT_PLACES)):
            handle.write(f"{name}\tstop\t\t\n")
    print(f"{len(rows)} foreign names, {len(set(NOT_PLACES))} compounds that are not places -> {out}")
    if clashes:
        print("dropped as names of Chinese divisions: " + " ".join(clashes))


def _domestic_names(path: Path) -> set[str]:
    names: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        _code, _level, _parent, name, aliases = line.split("\t")
        names.add(name)
        names.update(a for a in aliases.split(",") if a)
    return names


def _download(spec: str) -> Path:
    target = Path(tempfile.mkdtemp(prefix="sentinel-foreign-"))
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
                    "-d", str(target), spec], check=True)
    return next(target.glob("*.whl"))


if __name__ == "__main__":
    main()
