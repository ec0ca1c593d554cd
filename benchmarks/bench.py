# ruff: noqa: E501 - the report is built from long table rows
"""`make bench`: this bot and a stock `rasa init` bot, side by side, in one run.

Both are trained and started here (same machine, same Python, loopback only), then driven
by a bounded asyncio client over the REST channel. All three setups (ours embedded, ours in
clinic mode, stock) are up at once and take turns: each load level is split in rounds
(A B C, C B A, ...), so a change in the machine's speed during the run (these are shared
virtual machines) falls on all three alike instead of on whichever ran then.
- per-turn latency p50/p95/p99 for 1, 8, 24 and 64 concurrent clients sending back to back;
- throughput at saturation (turns/s), for the embedded default and for clinic mode
  (PostgreSQL + Redis from scripts/services.sh, SANIC_WORKERS=2, endpoints.clinic.yml);
- server memory (RSS) idle and under load, model size, training time, time to ready;
- how latency grows with conversation length: the same message (a "probe") sent at turn 5
  and at turn 40 of a conversation, so the two turns do the same work.
Writes benchmarks/RESULTS.md (with ratios to stock Rasa) and benchmarks/latency.svg.
All load comes from one address, so our bot runs with a benchmark copy of credentials.yml
whose rate limits are raised; everything else is the default configuration.

    python benchmarks/bench.py [--seconds 20] [--clients 1,8,24,64] [--rounds 4]
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
from typing import Any

import aiohttp
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.servers.helpers import free_port  # noqa: E402 - ports outside the outgoing range

OUT = ROOT / "benchmarks"
BIN = Path(sys.executable).parent

# A realistic preparation (answers whatever comes next; the form skips what it knows),
# then review requests, so a conversation can go on as long as needed.
OURS_SCRIPT = ["hi", "/consent_accept", "she looked at the clock while I talked about my divorce",
               "small and embarrassed", "yes", "I've been holding back", "skip",
               "she'll think I'm needy", "no", "no", "no", "to talk it through", "gentle"]
OURS_LOOP = ["why do you ask?", "more direct", "more gentle", "make it shorter"]
OURS_PROBE = "why do you ask?"
STOCK_SCRIPT = ["hi", "I am sad", "yes", "great", "bye"]
STOCK_LOOP = ["hello", "I am feeling good", "are you a bot?", "goodbye"]
STOCK_PROBE = "are you a bot?"
PROBE_TURNS = (5, 40)
OURS, CLINIC, STOCK = "Bring It Up", "Bring It Up, clinic mode", "stock Rasa (rasa init)"
UNPATCHED = "Bring It Up, Rasa's own code"  # RASA_PATCHES_OFF=all: what the patches are worth


def largest_rss_mb(pid: int) -> float:
    """The largest single process of `pid` and its children (Sanic workers), in MB."""
    children = [pid]
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
        except OSError:
            continue
    return max(rss_mb_one(p) for p in children)


def rss_mb_one(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class Bot:
    name: str
    workdir: Path
    model: Path
    script: list[str]
    loop: list[str]
    probe: str
    port: int = field(default_factory=free_port)
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    rasa_pid: int = 0
    train_seconds: float = 0.0
    ready_seconds: float = 0.0
    logdir: Path | None = None  # the benchmark's temporary directory, never the repository

    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def start(self, command: list[str], env: dict[str, str], extra: list[list[str]] | None = None) -> None:
        log = open((self.logdir or self.workdir) / f"server-{self.port}.log", "ab")
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
        raise SystemExit(f"{self.name} did not start; see {log.name}")

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


@dataclass
class Client:
    """One simulated client: the conversation it is in and how far it got (a conversation
    cut by the end of one measuring round goes on in the next)."""
    sender: str = field(default_factory=lambda: str(uuid.uuid4()))
    turn: int = 0


async def conversation(session: aiohttp.ClientSession, bot: Bot, turns: int | None,
                       deadline: float, latencies: list[float], by_turn: dict[int, list[float]],
                       messages: list[str] | None = None, client: Client | None = None) -> int:
    """One client: conversations back to back until the deadline (or `turns` turns). Load
    runs end a conversation after a realistic length (the script and 8 review turns)."""
    done = 0
    client = client or Client()
    script = messages or bot.script + bot.loop * 100
    length = len(script) if messages or turns is not None else len(bot.script) + 8
    while time.time() < deadline and (turns is None or done < turns):
        if client.turn >= length:
            client.sender, client.turn = str(uuid.uuid4()), 0
        began = time.perf_counter()
        async with session.post(bot.url(), json={"sender": client.sender,
                                                 "message": script[client.turn]}) as resp:
            await resp.read()
            if resp.status != 200:
                raise SystemExit(f"{bot.name}: HTTP {resp.status} at turn {client.turn}")
        elapsed = (time.perf_counter() - began) * 1000
        latencies.append(elapsed)
        by_turn.setdefault(client.turn + 1, []).append(elapsed)
        client.turn += 1
        done += 1
    return done


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def load(bot: Bot, clients: int | list[Client], seconds: float) -> dict[str, Any]:
    """`clients` clients (or these clients, going on with their conversations) sending back
    to back for `seconds`."""
    pool = clients if isinstance(clients, list) else [Client() for _ in range(clients)]
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=len(pool))
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=120)) as session:
        began = time.time()
        deadline = began + seconds
        peak = [0.0]

        async def sample() -> None:
            while time.time() < deadline:
                peak[0] = max(peak[0], largest_rss_mb(bot.rasa_pid))
                await asyncio.sleep(1)

        sampler = asyncio.create_task(sample())
        counts = await asyncio.gather(*(conversation(session, bot, None, deadline, latencies, {},
                                                     client=client) for client in pool))
        sampler.cancel()
        elapsed = time.time() - began
    return summary(len(pool), latencies, sum(counts), elapsed, peak[0])


def summary(clients: int, latencies: list[float], turns: int, elapsed: float,
            rss_peak: float) -> dict[str, Any]:
    return {"clients": clients, "turns": turns, "throughput": turns / elapsed,
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99), "rss_peak": rss_peak,
            "latencies": latencies, "elapsed": elapsed}


def interleaved(bots: list[Bot], levels: list[int], seconds: float, rounds: int
                ) -> dict[str, list[dict[str, Any]]]:
    """Each load level for every bot, in `rounds` turns (A B C, C B A, A B C...): a change
    in the machine's speed during the run falls on all of them alike. Each bot's clients
    go on with their conversations from one round to the next."""
    runs: dict[str, list[dict[str, Any]]] = {bot.name: [] for bot in bots}
    for clients in levels:
        pools = {bot.name: [Client() for _ in range(clients)] for bot in bots}
        parts: dict[str, list[dict[str, Any]]] = {bot.name: [] for bot in bots}
        for r in range(rounds):
            for bot in bots if r % 2 == 0 else reversed(bots):
                parts[bot.name].append(asyncio.run(load(bot, pools[bot.name], seconds / rounds)))
        for name, done in parts.items():
            result = summary(clients, [x for part in done for x in part["latencies"]],
                             sum(part["turns"] for part in done),
                             sum(part["elapsed"] for part in done),
                             max(part["rss_peak"] for part in done))
            del result["latencies"]
            runs[name].append(result)
        print(f"  {clients} clients: " + ", ".join(
            f"{name} p95 {found[-1]['p95']:.0f} ms" for name, found in runs.items()), flush=True)
    return runs


def probe_conversation(bot: Bot, turns: int = 45) -> list[str]:
    """The bot's usual conversation with the probe message at turn 5 and at turn 40."""
    first, second = PROBE_TURNS
    messages = bot.script[:first - 1] + [bot.probe] + bot.script[first - 1:] + bot.loop * 20
    messages[second - 1] = bot.probe
    return messages[:turns]


async def growth(bot: Bot, turns: int = 45, repeats: int = 7) -> dict[int, float]:
    by_turn: dict[int, list[float]] = {}
    async with aiohttp.ClientSession() as session:
        for _ in range(repeats):
            await conversation(session, bot, turns, time.time() + 600, [], by_turn,
                               probe_conversation(bot, turns))
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
                STOCK_SCRIPT, STOCK_LOOP, STOCK_PROBE)
    stock.train_seconds = time.time() - began  # includes writing the project (seconds)

    ours_out = work / "ours-models"
    ours = Bot(OURS, ROOT, ours_out / "bring-it-up.tar.gz", OURS_SCRIPT, OURS_LOOP, OURS_PROBE)
    ours.train_seconds = train([str(BIN / "python"), "-m", "service.cli", "train", "--domain", "domain", "--fixed-model-name",
                                "bring-it-up", "--out", str(ours_out), "--force", "--quiet"], ROOT, env)
    return ours, stock


def start_ours(bot: Bot, work: Path, env: dict[str, str], clinic: dict[str, str] | None = None) -> None:
    """Our bot; with `clinic` (scripts/services.sh settings) in clinic mode."""
    credentials = yaml.safe_load((ROOT / "credentials.yml").read_text())
    channel = credentials["service.channel.BringItUpRest"]
    channel.update({"sender_per_minute": 100_000, "ip_per_minute": 1_000_000})
    bench_credentials = work / "credentials.yml"
    bench_credentials.write_text(yaml.safe_dump(credentials))
    # Started the way `make run` / `make run-clinic` start it (scripts/run.sh and its settings).
    env = {**env, "TRACKER_DB": str(work / f"ours-{bot.port}.db"), "VENV": str(BIN.parent),
           "RASA_PORT": str(bot.port), "ACTION_PORT": str(free_port()),
           "MODEL": str(bot.model), "CREDENTIALS": str(bench_credentials)}
    if clinic:
        env = {**env, **clinic, "SANIC_WORKERS": "2", "ENDPOINTS": "endpoints.clinic.yml"}
    bot.start(["bash", "scripts/run.sh", "rasa"], env, extra=[["bash", "scripts/run.sh", "actions"]])


def start_stock(bot: Bot, env: dict[str, str]) -> None:
    bot.start([str(BIN / "rasa"), "run", "--model", str(bot.model), "--port", str(bot.port),
               "--interface", "127.0.0.1", "--credentials", "credentials.yml"], env)


def measure(bot: Bot, runs: list[dict[str, Any]], idle: float) -> dict[str, Any]:
    grows = asyncio.run(growth(bot))
    return {"idle_rss": idle, "runs": runs, "growth": grows,
            "model_mb": bot.model.stat().st_size / 1e6, "train_s": bot.train_seconds,
            "ready_s": bot.ready_seconds}


def svg(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Latency (p95) against concurrent clients, one line per bot."""
    width, height, pad = 560, 320, 50
    series = {name: [(r["clients"], r["p95"]) for r in data["runs"]] for name, data in results.items()}
    xs = sorted({x for points in series.values() for x, _ in points})
    top = max(y for points in series.values() for _, y in points) * 1.1
    colours = ["#1d4f91", "#b26a00", "#2e7d32", "#8a1c1c"]

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


TARGETS_NOTE = "Targets from issue #7 for this machine; see benchmarks/TRIED.md for what was tried."


def report(results: dict[str, dict[str, Any]], seconds: float, rounds: int) -> str:
    ours, clinic, stock = results[OURS], results[CLINIC], results[STOCK]

    def ratio(a: float, b: float) -> str:
        return f"{a / b:.2f}x" if b else "n/a"

    def run(data: dict[str, Any], clients: int) -> dict[str, float]:
        return next(r for r in data["runs"] if r["clients"] == clients)

    def best(data: dict[str, Any]) -> float:
        return max(r["throughput"] for r in data["runs"])

    lines = [
        "# Benchmark: Bring It Up vs a stock `rasa init` bot",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on this machine "
        f"({os.cpu_count()} CPUs), REST channel, loopback, {seconds:.0f} s per load level and "
        f"setup in {rounds} rounds, clients sending back to back. The four setups are up at "
        "once and take turns (A B C D, D C B A, ...), so a change in the machine's speed during "
        "the run falls on all of them alike; a client's conversation goes on from one round to "
        "the next. Generated by `make bench` (benchmarks/bench.py); "
        "numbers vary by machine, ratios are the point.",
        "",
        "- **Bring It Up**: the embedded default (one Rasa process, SQLite tracker store, action "
        "server, guarded channel, spaCy pipeline and safety screen), started by scripts/run.sh "
        "with its settings, as `make run` does.",
        "- **Bring It Up, Rasa's own code**: the same, started with `RASA_PATCHES_OFF=all` "
        "(service/rasa_patches: every speed patch off, the two fixes on): what the patches are worth.",
        "- **Bring It Up, clinic mode**: PostgreSQL and Redis (scripts/services.sh), "
        "endpoints.clinic.yml, one Rasa server with `SANIC_WORKERS=2`, one action server, as "
        "`make run-clinic` starts them.",
        "- **stock Rasa**: `rasa init` (moodbot) with its default config: in-memory tracker "
        "store, no action server, lighter NLU.",
        "",
        "All load comes from one address, so our bot runs with a benchmark copy of "
        "credentials.yml whose rate limits are raised; everything else is as shipped.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    one = run(ours, 1)["p95"]
    p95_24, which = min((run(ours, 24)["p95"], "embedded"), (run(clinic, 24)["p95"], "clinic mode"))
    stock_24 = run(stock, 24)["p95"]
    g_ours: dict[int, float] = ours["growth"]
    grow = g_ours[PROBE_TURNS[1]] / g_ours[PROBE_TURNS[0]]
    rss = max(max(d["idle_rss"], *(r["rss_peak"] for r in d["runs"])) for d in (ours, clinic))
    rows = [
        ("single-client p95 <= 100 ms", f"{one:.0f} ms", one <= 100),
        ("24 clients: p95 <= half of stock's", f"{p95_24:.0f} ms ({which}) vs stock {stock_24:.0f} ms "
         f"({ratio(p95_24, stock_24)})", p95_24 <= stock_24 / 2),
        ("clinic mode saturation throughput >= 1.5x stock", f"{best(clinic):.1f} vs {best(stock):.1f} "
         f"turns/s ({ratio(best(clinic), best(stock))})", best(clinic) >= 1.5 * best(stock)),
        ("turn 40 within 20% of turn 5 (same message)", f"{ratio(g_ours[PROBE_TURNS[1]], g_ours[PROBE_TURNS[0]])}",
         grow <= 1.2),
        ("RSS per server process <= 1.5 GB", f"{rss:.0f} MB", rss <= 1536),
    ]
    lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in rows]
    lines += ["", TARGETS_NOTE, "", "## Per-turn latency (ms) and throughput (turns/s)", "",
              "| clients | " + " | ".join(f"{n} p50 | {n} p95 | {n} p99 | {n} turns/s" for n in ("ours", "clinic", "stock"))
              + " | p95 ours/stock | throughput clinic/stock |",
              "|---" * 15 + "|"]
    for clients in [r["clients"] for r in stock["runs"]]:
        a, c, b = run(ours, clients), run(clinic, clients), run(stock, clients)
        cells = " | ".join(f"{x['p50']:.0f} | {x['p95']:.0f} | {x['p99']:.0f} | {x['throughput']:.1f}" for x in (a, c, b))
        lines.append(f"| {clients} | {cells} | {ratio(a['p95'], b['p95'])} | {ratio(c['throughput'], b['throughput'])} |")
    g_stock: dict[int, float] = stock["growth"]
    lines += [
        "",
        "![p95 latency vs concurrent clients](latency.svg)",
        "",
        "## Latency as a conversation gets longer (median of 7 conversations, one client)",
        "",
        f"The same message is sent at turn {PROBE_TURNS[0]} and at turn {PROBE_TURNS[1]} "
        f"(ours: \"{OURS_PROBE}\", stock: \"{STOCK_PROBE}\"); the other rows are whatever the "
        "conversation says at that turn (ours: answers, then review requests that recompose the draft).",
        "",
        "| turn | ours (ms) | stock (ms) |",
        "|---|---|---|",
    ]
    for turn in (1, PROBE_TURNS[0], 10, 20, 30, PROBE_TURNS[1]):
        mark = " (probe)" if turn in PROBE_TURNS else ""
        lines.append(f"| {turn}{mark} | {g_ours[turn]:.0f} | {g_stock[turn]:.0f} |")
    lines += ["", f"Probe at turn {PROBE_TURNS[1]} vs turn {PROBE_TURNS[0]}: ours "
              f"{ratio(g_ours[PROBE_TURNS[1]], g_ours[PROBE_TURNS[0]])}, stock "
              f"{ratio(g_stock[PROBE_TURNS[1]], g_stock[PROBE_TURNS[0]])}."]

    def peak(data: dict[str, Any]) -> float:
        return max(r["rss_peak"] for r in data["runs"])

    lines += [
        "",
        "## Resources",
        "",
        "| | ours | clinic mode | stock | ours/stock |",
        "|---|---|---|---|---|",
        f"| largest server process RSS idle (MB) | {ours['idle_rss']:.0f} | {clinic['idle_rss']:.0f} | "
        f"{stock['idle_rss']:.0f} | {ratio(ours['idle_rss'], stock['idle_rss'])} |",
        f"| largest server process RSS under load (MB) | {peak(ours):.0f} | {peak(clinic):.0f} | "
        f"{peak(stock):.0f} | {ratio(peak(ours), peak(stock))} |",
        f"| model size (MB) | {ours['model_mb']:.1f} | same | {stock['model_mb']:.1f} | "
        f"{ratio(ours['model_mb'], stock['model_mb'])} |",
        f"| training time (s) | {ours['train_s']:.0f} | same | {stock['train_s']:.0f} | "
        f"{ratio(ours['train_s'], stock['train_s'])} |",
        f"| start to ready (s) | {ours['ready_s']:.0f} | {clinic['ready_s']:.0f} | {stock['ready_s']:.0f} | "
        f"{ratio(ours['ready_s'], stock['ready_s'])} |",
        "",
        "RSS is per process: the Rasa server (in clinic mode, each Sanic worker). The action "
        "server is a separate process of about 150-250 MB.",
    ]
    own = results.get(UNPATCHED)
    if own:
        g_own: dict[int, float] = own["growth"]
        lines += [
            "",
            "## What the patches are worth (embedded, patched vs `RASA_PATCHES_OFF=all`)",
            "",
            "| clients | p50 patched | p50 Rasa's own | p95 patched | p95 Rasa's own | p95 own/patched "
            "| turns/s patched | turns/s Rasa's own | throughput patched/own |",
            "|---" * 9 + "|",
        ]
        for clients in [r["clients"] for r in ours["runs"]]:
            a, o = run(ours, clients), run(own, clients)
            lines.append(f"| {clients} | {a['p50']:.0f} | {o['p50']:.0f} | {a['p95']:.0f} | {o['p95']:.0f} | "
                         f"{ratio(o['p95'], a['p95'])} | {a['throughput']:.1f} | {o['throughput']:.1f} | "
                         f"{ratio(a['throughput'], o['throughput'])} |")
        lines += ["", f"Probe at turn {PROBE_TURNS[1]}: patched {g_ours[PROBE_TURNS[1]]:.0f} ms, Rasa's own "
                  f"{g_own[PROBE_TURNS[1]]:.0f} ms; idle RSS {ours['idle_rss']:.0f} vs {own['idle_rss']:.0f} MB. "
                  "What each patch is worth alone is in benchmarks/TRIED.md (measured as it was added)."]
    encoder = ours.get("encoder")
    if encoder:
        lines += [
            "",
            "## The safety screen's sentence encoder",
            "",
            "all-MiniLM-L6-v2 on TensorFlow (bring_it_up/semantic.py), measured alone in a process of "
            f"its own over {encoder['messages']:.0f} client messages of the probe conversation "
            "(every sentence of a message in one call, none cached): "
            f"**{encoder['p50']:.1f} ms per message at the median, {encoder['p95']:.1f} ms at p95**; "
            f"it adds **{encoder['rss_mb']:.0f} MB** to a process that already has TensorFlow. "
            "Both are inside the latency and RSS figures above.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", default="1,8,24,64")
    parser.add_argument("--rounds", type=int, default=4,
                        help="each load level is measured in this many turns per bot")
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    work = Path(tempfile.mkdtemp(prefix="biu-bench-"))
    services = work / "services"
    results: dict[str, dict[str, Any]] = {}
    try:
        print("training both bots...", flush=True)
        ours, stock = prepare(work, env)
        subprocess.run(["bash", "scripts/services.sh", "start", str(services)], cwd=ROOT, check=True,
                       env={**env, "PG_PORT": str(free_port()), "REDIS_PORT": str(free_port())})
        clinic_env = read_env(services / "env")
        clinic = Bot(CLINIC, ROOT, ours.model, OURS_SCRIPT, OURS_LOOP, OURS_PROBE,
                     train_seconds=ours.train_seconds)
        unpatched = Bot(UNPATCHED, ROOT, ours.model, OURS_SCRIPT, OURS_LOOP, OURS_PROBE,
                        train_seconds=ours.train_seconds)
        starts = ((ours, lambda b: start_ours(b, work, env)),
                  (unpatched, lambda b: start_ours(b, work, {**env, "RASA_PATCHES_OFF": "all"})),
                  (clinic, lambda b: start_ours(b, work, env, clinic_env)),
                  (stock, lambda b: start_stock(b, env)))
        bots = [bot for bot, _ in starts]
        try:
            idle = {}
            for bot, starter in starts:  # one after the other, each measured alone
                bot.logdir = work
                print(f"starting {bot.name}...", flush=True)
                starter(bot)
                time.sleep(2)
                idle[bot.name] = largest_rss_mb(bot.rasa_pid)
                asyncio.run(load(bot, 1, 3))  # warm up
            print("measuring the four in turns...", flush=True)
            runs = interleaved(bots, levels, args.seconds, args.rounds)
            for bot in bots:
                results[bot.name] = measure(bot, runs[bot.name], idle[bot.name])
        finally:
            for bot in bots:
                bot.stop()
    finally:
        subprocess.run(["bash", "scripts/services.sh", "stop", str(services)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)
    results[OURS]["encoder"] = encoder_cost(env)
    OUT.mkdir(exist_ok=True)
    svg(results, OUT / "latency.svg")
    (OUT / "RESULTS.md").write_text(report(results, args.seconds, args.rounds))
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print((OUT / "RESULTS.md").read_text())


ENCODER_PROBE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from bring_it_up import semantic
from bring_it_up.screening import sentences_of
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
import tensorflow  # noqa: F401 - Rasa has it loaded anyway: not the encoder's cost
import transformers  # noqa: F401
before = rss()
encoder = semantic.load_encoder()
encoder.embed(["ready"])
after = rss()
messages = [line.split("|", 1)[1] for line in sys.stdin.read().splitlines()]
times = []
for round_ in range(3):
    for n, text in enumerate(messages):
        sentences = sentences_of(f"{text} ({round_} {n})")  # never a cached sentence
        began = time.perf_counter()
        encoder.embed(sentences)
        times.append((time.perf_counter() - began) * 1000)
times.sort()
print(json.dumps({"rss_mb": after - before, "p50": times[len(times) // 2],
                  "p95": times[int(len(times) * 0.95)], "messages": len(times)}))
"""


def encoder_cost(env: dict[str, str]) -> dict[str, float]:
    """The semantic safety layer's encoder alone, in a process of its own: the memory it adds
    to a Rasa process (TensorFlow is there already) and its time per message (every sentence
    of a message in one call), over the probe conversation's client messages."""
    messages = "\n".join(f"x|{m}" for m in OURS_SCRIPT if not m.startswith("/"))
    done = subprocess.run([sys.executable, "-c", ENCODER_PROBE, str(ROOT)], input=messages,
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def read_env(path: Path) -> dict[str, str]:
    """KEY=value pairs of a scripts/services.sh env file."""
    return dict(pair.split("=", 1) for line in path.read_text().splitlines()
                for pair in line.removeprefix("export ").split())


if __name__ == "__main__":
    main()
