"""Several `sentinel run` processes on one PostgreSQL: ingest + analysis throughput with 1, 2 and 4.

    python bench/scale.py [--items 3000] [--processes 1,2,4] [--batch 50] [--corpus DIR] [--timeout 900]

Run it from the repository root. It starts one throwaway PostgreSQL server as the tests do
(tests/support/postgres.py) and, for each count of processes, a fresh database on it and that many
real ``python -m sentinel --config X run`` processes, each on its own HTTP port, all on that
database (the first is started alone and answers /healthz before the others start, so the
migrations run once), and 20 items are pushed to each and analysed first (the analyser loads its
models on first use; that is not counted). Then ``--items`` items are pushed through ``POST /api/items`` with an ingest
token in batches of ``--batch``, the batches dealt in turn to the processes, one pushing thread per
process. The figure is items/s from the first push until every stored item has its analysis row
(``item_analysis``), its ratio to one process, and the CPU seconds each ``sentinel run`` used in
that time with its children (``/proc/PID/stat``, the process tree), the PostgreSQL server's, and
how many cores were busy on average (all of it and the pushing client, over the run's seconds).

The items are a mix as an office sees it: with ``--corpus DIR`` (the folder of labelled corpora
that bench/stage.py reads: posts, headlines, news and emergency reports, each report carried by
three sources) real texts; without it, news-like texts made from a few built-in templates.

Every process analyses what it is pushed, and places it in incidents under the database's
``incidents`` lease row, so the placing is serial across processes and the analysis parallel. The
ratio is capped by the machine's cores: on a 2-core machine near 2 at best (and the pushing
client and PostgreSQL share those cores), so read the figure again on a bigger machine.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import stage  # bench/stage.py, beside this script
import yaml

TOKEN = "bench-scale-ingest"
SOURCES = stage.SOURCES  # the same push sources as bench/stage.py
WATCH = [
    {"id": "safety", "department": "应急管理局",
     "groups": {"event": ["爆炸", "坍塌", "火灾", "死亡", "事故", "相撞", "地震", "中毒", "遇难"]}},
    {"id": "livelihood", "department": "信访局", "groups": {"subject": ["医院", "学校", "物业", "房价", "工资"],
                                                         "tone": ["投诉", "曝光", "无人管", "维权"]}},
]
PLACES = ["郑州市", "金水区", "洛阳", "开封", "新乡县", "南阳市", "信阳", "周口", "许昌", "平顶山", "安阳", "商丘"]
SUBJECTS = ["居民楼", "小区", "学校", "医院", "菜市场", "高速公路", "化工厂", "地铁站", "幼儿园", "建筑工地", "商场"]
EVENTS = ["发生燃气爆炸", "突发火灾", "发生交通事故", "出现食物中毒", "发生坍塌", "被曝拖欠工资", "出现停水停电",
          "被投诉乱收费", "环境污染遭举报", "举办文化活动", "开展安全检查", "新增公交线路"]
TAILS = ["已造成{n}人受伤", "{n}人被送医救治", "相关部门已介入调查", "现场已得到控制", "网友质疑处置不力",
         "官方通报称{n}人死亡", "当地回应称将妥善处理", "市民反响良好"]
BODIES = ["据现场目击者称，{place}{subject}附近浓烟滚滚，消防救援人员迅速赶到。", "记者从{place}应急管理局获悉，",
          "网传视频显示，{subject}门口聚集了大量群众。", "截至发稿时，{n}名伤者已转入{place}人民医院。",
          "{place}市场监管部门表示已成立专班。", "多名居民反映，问题已持续{n}个月之久。",
          "今天上午，{place}召开新闻发布会，通报了近期工作进展。", "{place}今年以来共投入资金{n}亿元用于民生工程。"]


def builtin_items(count: int, seed: int = 18) -> list[tuple[str, str | None, str]]:
    """(source, title, text) made from the templates above: a post, a portal story or an official
    notice each, a tenth of the stories told again by a second source."""
    rng = random.Random(seed)
    items: list[tuple[str, str | None, str]] = []
    while len(items) < count:
        place, subject, n = rng.choice(PLACES), rng.choice(SUBJECTS), rng.randint(1, 60)
        title = f"{place}{subject}{rng.choice(EVENTS)}，{rng.choice(TAILS).format(n=n)}"
        body = "".join(rng.choice(BODIES).format(place=place, subject=subject, n=n) for _ in range(rng.randint(1, 4)))
        source = rng.choice(["weibo", "portal", "daily", "crawler"])
        items.append((source, None if source == "weibo" else title, f"{title}。{body}"))
        if rng.random() < 0.1:
            items.append(("gov", title, f"通报：{title}。{body}"))
    return items[:count]


def corpus_items(data: Path, count: int) -> list[tuple[str, str | None, str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent))

    items = stage.load_items(data, count)  # the same mix of the corpora
    if len(items) < count:  # a small corpus: its items again, told by another source
        items += [("crawler", title, f"{text}（转载{n}）") for n, (_, title, text) in
                  enumerate(itertools.islice(itertools.cycle(items), count - len(items)))]
    return items


def batches(items: list[tuple[str, str | None, str]], size: int, run: int) -> list[tuple[str, list[dict[str, Any]]]]:
    """The items as push batches of one source each, in the items' order, ids unique to the run."""
    now = datetime.now(UTC)
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for n, (source, title, text) in enumerate(items):
        item: dict[str, Any] = {"id": f"scale-{run}-{n}", "text": text,
                                "published_at": (now - timedelta(seconds=len(items) - n)).isoformat()}
        if title:
            item["title"] = title
        if not out or out[-1][0] != source or len(out[-1][1]) >= size:
            out.append((source, []))
        out[-1][1].append(item)
    return out


def write_config(folder: Path, url: str, port: int) -> Path:
    path = folder / f"sentinel-{port}.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": url},
        "http": {"listen": f"127.0.0.1:{port}",
                 "tokens": [{"name": "crawler", "role": "ingest", "token_env": "BENCH_INGEST",
                             "sources": [source["id"] for source in SOURCES]}]},
        "collect": {"parse_workers": 0},
        "sources": SOURCES,
        "watch": WATCH,
    }, allow_unicode=True), encoding="utf-8")
    return path


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its descendants, the reaped ones included (cutime, cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        each = pending.pop()
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
        for task in Path(f"/proc/{each}/task").glob("*"):
            with contextlib.suppress(OSError):
                pending += [int(child) for child in (task / "children").read_text().split()]
    return total


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(port: int, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sentinel run on port {port} exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"sentinel run on port {port} did not serve /healthz in time")


def counts(dsn: str) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute("SELECT (SELECT count(*) FROM item), (SELECT count(*) FROM item_analysis)").fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def warm_up(daemons: list[tuple[int, subprocess.Popen[bytes]]], dsn: str, timeout: float) -> None:
    """A few items through every process, waited for until analysed: the analyser's models and
    dictionaries load on first use, which the measured run should not count."""
    for n, (port, _) in enumerate(daemons):
        for source, batch in batches(builtin_items(20, seed=n), 50, -1 - n):
            httpx.post(f"http://127.0.0.1:{port}/api/items", json={"source": source, "items": batch},
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60).raise_for_status()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stored, analysed = counts(dsn)
        if analysed >= stored:
            return
        time.sleep(0.2)
    raise SystemExit("the warm-up items were not analysed in time")


def run(server: Any, processes: int, items: list[tuple[str, str | None, str]], args: argparse.Namespace,
        folder: Path) -> dict[str, Any]:
    name = f"scale_{processes}"
    url = server.create_database(name)
    dsn = f"host=127.0.0.1 port={server.port} user={server.user} dbname={name}"
    env = {**os.environ, "BENCH_INGEST": TOKEN, "PYTHONUNBUFFERED": "1", "OMP_NUM_THREADS": "1"}
    daemons: list[tuple[int, subprocess.Popen[bytes]]] = []
    logs = []
    try:
        for n in range(processes):
            port = free_port()
            log = (folder / f"{name}-{n}.log").open("wb")
            logs.append(log)
            daemon = subprocess.Popen([sys.executable, "-m", "sentinel", "--config",
                                       str(write_config(folder, url, port)), "run"],
                                      stdout=log, stderr=subprocess.STDOUT, env=env)
            daemons.append((port, daemon))
            if n == 0:  # migrations once, by the first
                wait_healthy(port, daemon)
        for port, daemon in daemons:
            wait_healthy(port, daemon)
        warm_up(daemons, dsn, args.timeout)
        stored_before, _ = counts(dsn)
        work = batches(items, args.batch, processes)
        shares = [work[n::processes] for n in range(processes)]
        postgres_pid = int((server.data / "postmaster.pid").read_text().split()[0])
        cpu_before = [tree_cpu_seconds(daemon.pid) for _, daemon in daemons]
        postgres_before = tree_cpu_seconds(postgres_pid)
        client_before = time.process_time()
        accepted = [0] * processes
        failures: list[str] = []

        def push(index: int) -> None:
            port = daemons[index][0]
            try:
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60,
                                  headers={"Authorization": f"Bearer {TOKEN}"}) as client:
                    for source, batch in shares[index]:
                        answer = client.post("/api/items", json={"source": source, "items": batch})
                        answer.raise_for_status()
                        accepted[index] += int(answer.json()["new"])
            except httpx.HTTPError as error:
                failures.append(f"port {port}: {error!r}")

        pushers = [threading.Thread(target=push, args=(n,), daemon=True) for n in range(processes)]
        started = time.monotonic()
        for pusher in pushers:
            pusher.start()
        for pusher in pushers:
            pusher.join()
        pushed = time.monotonic() - started
        if failures:
            raise SystemExit("pushes failed: " + "; ".join(failures))
        deadline = started + args.timeout
        stored = analysed = 0
        while time.monotonic() < deadline:
            stored, analysed = counts(dsn)
            if stored >= stored_before + sum(accepted) and analysed >= stored:
                break
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        client = time.process_time() - client_before
        cpu = [tree_cpu_seconds(daemon.pid) - before for (_, daemon), before in zip(daemons, cpu_before, strict=True)]
        return {"processes": processes, "items": stored - stored_before, "analysed": analysed - stored_before, "seconds": elapsed,
                "push_seconds": pushed, "cpu": cpu, "postgres_cpu": tree_cpu_seconds(postgres_pid) - postgres_before,
                "client_cpu": client, "complete": analysed >= stored}
    finally:
        for _, daemon in daemons:
            daemon.terminate()
        for _, daemon in daemons:
            try:
                daemon.wait(timeout=60)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
        for log in logs:
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--processes", default="1,2,4", help="comma-separated counts of sentinel run processes")
    parser.add_argument("--batch", type=int, default=50, help="items per POST /api/items")
    parser.add_argument("--corpus", type=Path, help="the folder of labelled corpora (as bench/stage.py --data)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for the analysis of one run")
    parser.add_argument("--keep-logs", type=Path, help="copy the daemons' logs into this folder")
    args = parser.parse_args()
    counts_wanted = [int(each) for each in args.processes.split(",")]
    items = corpus_items(args.corpus, args.items) if args.corpus else builtin_items(args.items)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.support
    from tests.support.postgres import PostgresServer

    results = []
    with contextlib.ExitStack() as cleanup:
        folder = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="sentinel-scale-")))
        server = PostgresServer().start()
        cleanup.callback(server.stop)
        for processes in counts_wanted:
            result = run(server, processes, items, args, folder)
            results.append(result)
            print(f"{processes} process(es): {result['items']:,} items in {result['seconds']:.1f} s "
                  f"(pushed in {result['push_seconds']:.1f} s), {result['analysed']:,} analysed", flush=True)
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for log in folder.glob("*.log"):
                (args.keep_logs / log.name).write_bytes(log.read_bytes())
    source = f"corpora in {args.corpus}" if args.corpus else "built-in templates"
    print(f"\ningest + analysis on one PostgreSQL, {args.items:,} items ({source}), batches of {args.batch}, "
          f"{os.cpu_count()} CPU(s)")
    print(f"{'processes':>9} {'items/s':>9} {'× 1 proc':>9} {'CPU s per process':>24} {'PostgreSQL CPU s':>17} {'cores busy':>11}")
    base = next((r["items"] / r["seconds"] for r in results if r["processes"] == 1), None)
    for result in results:
        rate = result["items"] / result["seconds"]
        ratio = f"{rate / base:.2f}" if base else "—"
        cpu = " ".join(f"{each:.1f}" for each in result["cpu"])
        busy = (sum(result["cpu"]) + result["postgres_cpu"] + result["client_cpu"]) / result["seconds"]
        note = "" if result["complete"] else f"  (timed out: {result['analysed']:,} analysed)"
        print(f"{result['processes']:>9} {rate:>9.0f} {ratio:>9} {cpu:>24} {result['postgres_cpu']:>17.1f} {busy:>11.2f}{note}")
    print("cores busy: the CPU seconds of the processes, PostgreSQL and this pushing client over the run's seconds")


if __name__ == "__main__":
    main()
