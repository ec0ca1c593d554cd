# ruff: noqa: E501 - the report is built from long table rows
"""`make bench`: this bot and a stock `rasa init` bot, side by side, in one run.

Both are trained and started here (same machine, same Python, loopback only), then driven
by a bounded asyncio client over the REST channel:
- per-turn latency p50/p95/p99 for 1, 8, 24 and 64 concurrent clients sending back to back;
- throughput at saturation (turns/s);
- server memory (RSS) idle and under load, model size, training time, time to ready;
- latency at turn 5 and turn 40 of one long conversation.
Writes benchmarks/RESULTS.md (with ratios to stock Rasa) and benchmarks/latency.svg.
All load comes from one address, so our bot runs with a benchmark copy of credentials.yml
whose rate limits are raised; everything else is the default configuration.

    python benchmarks/bench.py [--seconds 20] [--clients 1,8,24,64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks"
BIN = Path(sys.executable).parent

# A realistic preparation (answers whatever comes next; the form skips what it knows),
# then review requests, so a conversation can go on as long as needed.
OURS_SCRIPT = ["hi", "/consent_accept", "she looked at the clock while I talked about my divorce",
               "small and embarrassed", "yes", "I've been holding back", "skip",
               "she'll think I'm needy", "no", "no", "no", "to talk it through", "gentle"]
OURS_LOOP = ["why do you ask?", "more direct", "more gentle", "make it shorter"]
STOCK_SCRIPT = ["hi", "I am sad", "yes", "great", "bye"]
STOCK_LOOP = ["hello", "I am feeling good", "are you a bot?", "goodbye"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    pids.append(int(entry.name))
            except OSError:
                continue
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class Bot:
    name: str
    workdir: Path
    model: Path
    script: list[str]
    loop: list[str]
    port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    rasa_pid: int = 0
    train_seconds: float = 0.0
    ready_seconds: float = 0.0

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def start(self, command: list[str], env: dict[str, str], extra: list[list[str]] | None = None) -> None:
        log = open(self.workdir / "server.log", "ab")
        for cmd in extra or []:
            self.procs.append(subprocess.Popen(cmd, cwd=self.workdir, env=env, stdout=log, stderr=log))
        began = time.time()
        rasa = subprocess.Popen(command, cwd=self.workdir, env=env, stdout=log, stderr=log)
        self.procs.append(rasa)
        self.rasa_pid = rasa.pid
        while time.time() - began < 300:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    pass
                import urllib.request
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/webhooks/rest/", timeout=2)
                self.ready_seconds = time.time() - began
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{self.name} did not start; see {self.workdir / 'server.log'}")

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


async def conversation(session: aiohttp.ClientSession, bot: Bot, turns: int | None,
                       deadline: float, latencies: list[float], by_turn: dict[int, list[float]]) -> int:
    """One client: conversations back to back until the deadline (or `turns` turns)."""
    done = 0
    while time.time() < deadline and (turns is None or done < turns):
        sender = str(uuid.uuid4())
        messages = bot.script + bot.loop * 100
        for k, text in enumerate(messages):
            if time.time() >= deadline or (turns is not None and done >= turns):
                break
            began = time.perf_counter()
            async with session.post(bot.url(), json={"sender": sender, "message": text}) as resp:
                await resp.read()
                if resp.status != 200:
                    raise SystemExit(f"{bot.name}: HTTP {resp.status} at turn {k}")
            elapsed = (time.perf_counter() - began) * 1000
            latencies.append(elapsed)
            by_turn.setdefault(k + 1, []).append(elapsed)
            done += 1
            if turns is None and k + 1 >= len(bot.script) + 8:
                break  # a realistic conversation length for the load runs
    return done


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def load(bot: Bot, clients: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        began = time.time()
        deadline = began + seconds
        peak = [0.0]

        async def sample() -> None:
            while time.time() < deadline:
                peak[0] = max(peak[0], rss_mb(bot.rasa_pid))
                await asyncio.sleep(1)

        sampler = asyncio.create_task(sample())
        counts = await asyncio.gather(*(conversation(session, bot, None, deadline, latencies, {})
                                        for _ in range(clients)))
        sampler.cancel()
        elapsed = time.time() - began
    return {"clients": clients, "turns": sum(counts), "throughput": sum(counts) / elapsed,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "rss_peak": peak[0]}


async def growth(bot: Bot, turns: int = 45, repeats: int = 3) -> dict[int, float]:
    by_turn: dict[int, list[float]] = {}
    async with aiohttp.ClientSession() as session:
        for _ in range(repeats):
            await conversation(session, bot, turns, time.time() + 600, [], by_turn)
    return {k: statistics.median(v) for k, v in by_turn.items()}


def train(cmd: list[str], cwd: Path, env: dict[str, str]) -> float:
    began = time.time()
    subprocess.run(cmd, cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - began


def prepare(work: Path, env: dict[str, str]) -> tuple[Bot, Bot]:
    stock_dir = work / "stock"
    stock_dir.mkdir()
    began = time.time()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(stock_dir)],
                   cwd=work, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stock = Bot("stock Rasa (rasa init)", stock_dir, next((stock_dir / "models").glob("*.tar.gz")),
                STOCK_SCRIPT, STOCK_LOOP)
    stock.train_seconds = time.time() - began  # includes writing the project (seconds)

    ours_out = work / "ours-models"
    ours = Bot("Bring It Up", ROOT, ours_out / "bring-it-up.tar.gz", OURS_SCRIPT, OURS_LOOP)
    ours.train_seconds = train([str(BIN / "rasa"), "train", "--domain", "domain", "--fixed-model-name",
                                "bring-it-up", "--out", str(ours_out), "--force", "--quiet"], ROOT, env)
    return ours, stock


def start_ours(bot: Bot, work: Path, env: dict[str, str]) -> None:
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    channel = credentials["service.channel.BringItUpRest"]
    channel.update({"sender_per_minute": 100_000, "ip_per_minute": 1_000_000})
    bench_credentials = work / "credentials.yml"
    bench_credentials.write_text(yaml.safe_dump(credentials))
    action_port = free_port()
    env = {**env, "TRACKER_DB": str(work / "ours.db"), "SANIC_HOST": "127.0.0.1",
           "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook", "PYTHONPATH": str(ROOT)}
    action = [str(BIN / "python"), "-m", "service.action_server", "--port", str(action_port)]
    bot.start([str(BIN / "rasa"), "run", "--model", str(bot.model), "--port", str(bot.port),
               "--interface", "127.0.0.1", "--credentials", str(bench_credentials),
               "--endpoints", "endpoints.yml"], env, extra=[action])


def start_stock(bot: Bot, env: dict[str, str]) -> None:
    bot.start([str(BIN / "rasa"), "run", "--model", str(bot.model), "--port", str(bot.port),
               "--interface", "127.0.0.1", "--credentials", "credentials.yml"], env)


def measure(bot: Bot, levels: list[int], seconds: float) -> dict[str, object]:
    time.sleep(2)
    idle = rss_mb(bot.rasa_pid)
    asyncio.run(load(bot, 1, 3))  # warm up
    runs = [asyncio.run(load(bot, n, seconds)) for n in levels]
    grows = asyncio.run(growth(bot))
    return {"idle_rss": idle, "runs": runs, "growth": grows,
            "model_mb": bot.model.stat().st_size / 1e6, "train_s": bot.train_seconds,
            "ready_s": bot.ready_seconds}


def svg(results: dict[str, dict[str, object]], path: Path) -> None:
    """Latency (p95) against concurrent clients, one line per bot."""
    width, height, pad = 560, 320, 50
    series = {name: [(r["clients"], r["p95"]) for r in data["runs"]] for name, data in results.items()}
    xs = sorted({x for points in series.values() for x, _ in points})
    top = max(y for points in series.values() for _, y in points) * 1.1
    colours = ["#1d4f91", "#8a1c1c"]

    def pos(x: float, y: float) -> tuple[float, float]:
        k = xs.index(x)
        return (pad + k * (width - 2 * pad) / max(1, len(xs) - 1), height - pad - y / top * (height - 2 * pad))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{width / 2}" y="20" text-anchor="middle">p95 latency per turn (ms) vs concurrent clients</text>']
    for x in xs:
        px, _ = pos(x, 0)
        parts.append(f'<text x="{px}" y="{height - pad + 18}" text-anchor="middle">{x}</text>')
    for k in range(5):
        y = top * k / 4
        _, py = pos(xs[0], y)
        parts.append(f'<text x="{pad - 6}" y="{py + 4}" text-anchor="end">{y:.0f}</text>'
                     f'<line x1="{pad}" x2="{width - pad}" y1="{py}" y2="{py}" stroke="#ddd"/>')
    for (name, points), colour in zip(series.items(), colours, strict=False):
        path_d = " ".join(f"{'M' if i == 0 else 'L'}{pos(x, y)[0]:.1f},{pos(x, y)[1]:.1f}"
                          for i, (x, y) in enumerate(points))
        parts.append(f'<path d="{path_d}" fill="none" stroke="{colour}" stroke-width="2"/>')
        lx, ly = pos(points[-1][0], points[-1][1])
        parts.append(f'<text x="{lx - 4}" y="{ly - 8}" text-anchor="end" fill="{colour}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def report(results: dict[str, dict[str, object]], seconds: float) -> str:
    ours, stock = results["Bring It Up"], results["stock Rasa (rasa init)"]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "n/a"

    lines = [
        "# Benchmark: Bring It Up vs a stock `rasa init` bot",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine "
        f"({os.cpu_count()} CPUs), one Rasa process each, REST channel, loopback, "
        f"{seconds:.0f} s per load level, clients sending back to back. Generated by "
        "`make bench` (benchmarks/bench.py); numbers vary by machine, ratios are the point.",
        "",
        "Our bot runs its default configuration (embedded SQLite tracker store, action server, "
        "guarded channel, spaCy pipeline) except that the benchmark raises the per-IP and "
        "per-sender rate limits, since all load comes from one address. The stock bot is "
        "`rasa init` (moodbot): in-memory tracker store, no action server, lighter NLU.",
        "",
        "## Per-turn latency (ms) and throughput",
        "",
        "| clients | ours p50 | ours p95 | ours p99 | stock p50 | stock p95 | stock p99 | p95 ratio (ours/stock) "
        "| ours turns/s | stock turns/s | throughput ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for a, b in zip(ours["runs"], stock["runs"], strict=True):  # type: ignore[call-overload]
        lines.append(f"| {a['clients']} | {a['p50']:.0f} | {a['p95']:.0f} | {a['p99']:.0f} | {b['p50']:.0f} | "
                     f"{b['p95']:.0f} | {b['p99']:.0f} | {ratio(a['p95'], b['p95'])} | {a['throughput']:.1f} | "
                     f"{b['throughput']:.1f} | {ratio(a['throughput'], b['throughput'])} |")
    g_ours, g_stock = ours["growth"], stock["growth"]
    lines += [
        "",
        "![p95 latency vs concurrent clients](latency.svg)",
        "",
        "## Latency as a conversation gets longer (median of 3 conversations, one client)",
        "",
        "| turn | ours (ms) | stock (ms) |",
        "|---|---|---|",
    ]
    for turn in (1, 5, 10, 20, 30, 40):
        if turn in g_ours and turn in g_stock:  # type: ignore[operator]
            lines.append(f"| {turn} | {g_ours[turn]:.0f} | {g_stock[turn]:.0f} |")  # type: ignore[index]
    if 5 in g_ours and 40 in g_ours:  # type: ignore[operator]
        lines.append("")
        lines.append(f"Ours, turn 40 vs turn 5: {ratio(g_ours[40], g_ours[5])}; "  # type: ignore[index]
                     f"stock: {ratio(g_stock[40], g_stock[5])}.")  # type: ignore[index]
    peak_ours = max(r["rss_peak"] for r in ours["runs"])  # type: ignore[attr-defined]
    peak_stock = max(r["rss_peak"] for r in stock["runs"])  # type: ignore[attr-defined]
    lines += [
        "",
        "## Resources",
        "",
        "| | ours | stock | ratio |",
        "|---|---|---|---|",
        f"| server RSS idle (MB) | {ours['idle_rss']:.0f} | {stock['idle_rss']:.0f} | "
        f"{ratio(ours['idle_rss'], stock['idle_rss'])} |",
        f"| server RSS peak under load (MB) | {peak_ours:.0f} | {peak_stock:.0f} | {ratio(peak_ours, peak_stock)} |",
        f"| model size (MB) | {ours['model_mb']:.1f} | {stock['model_mb']:.1f} | "
        f"{ratio(ours['model_mb'], stock['model_mb'])} |",
        f"| training time (s) | {ours['train_s']:.0f} | {stock['train_s']:.0f} | "
        f"{ratio(ours['train_s'], stock['train_s'])} |",
        f"| start to ready (s) | {ours['ready_s']:.0f} | {stock['ready_s']:.0f} | "
        f"{ratio(ours['ready_s'], stock['ready_s'])} |",
        "",
        "RSS counts the Rasa server process (ours: plus nothing else; the action server is "
        "a separate process of about 150-250 MB).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", default="1,8,24,64")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    work = Path(tempfile.mkdtemp(prefix="biu-bench-"))
    results: dict[str, dict[str, object]] = {}
    try:
        print("training both bots...", flush=True)
        ours, stock = prepare(work, env)
        for bot, starter in ((ours, lambda b: start_ours(b, work, env)), (stock, lambda b: start_stock(b, env))):
            print(f"measuring {bot.name}...", flush=True)
            starter(bot)
            try:
                results[bot.name] = measure(bot, levels, args.seconds)
            finally:
                bot.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(exist_ok=True)
    svg(results, OUT / "latency.svg")
    (OUT / "RESULTS.md").write_text(report(results, args.seconds))
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print((OUT / "RESULTS.md").read_text())


if __name__ == "__main__":
    main()
