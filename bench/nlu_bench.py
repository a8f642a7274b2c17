"""Our embedded classifier against Rasa's DIET, trained and tested on the same files in one run.

    make bench-nlu        # = .venv/bin/python -m bench.nlu_bench --rasa-bin .venv-rasa/bin/rasa --rasa-epochs 100

Quality is the top intent each classifier gives before any fallback threshold (Rasa: DIET's own
ranking, under its FallbackClassifier). Training time is the wall time of the command that turns
the NLU file into a model (`frontdoor nlu train`, `rasa train nlu`); parse latency is measured
in-process for ours and over HTTP for both, through the same client (`RasaBackend`). Memory is
the peak RSS of each training process and the RSS of each server after the latency run. Prints a
table and writes the same to build/bench-nlu.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import httpx
import numpy as np
from sklearn.metrics import f1_score

from nlu.embedded import EmbeddedClassifier
from nlu.rasa_backend import RasaBackend
from nlu.rasa_data import Example, load_training_data
from nlu.rasa_export import export_rasa_project
from nlu.result import FALLBACK_INTENT, ParseResult

ROOT = Path(__file__).resolve().parent.parent
RASA_PORT = 5005
OUT_OF_SCOPE = "out_of_scope"
QUIET_RASA = {"RASA_TELEMETRY_ENABLED": "false", "RASA_MAX_CACHE_SIZE": "0", "TF_CPP_MIN_LOG_LEVEL": "2"}


class BenchError(RuntimeError):
    pass


Numbers = dict[str, float | None]


@dataclass(frozen=True)
class Row:
    label: str
    ours: str
    rasa: str
    better: str | None = None
    """None: higher is better; otherwise what "lower" is called (faster, less)."""
    digits: int = 3


ROWS = [
    Row("accuracy", "accuracy", "accuracy", digits=4),
    Row("macro-F1", "macro_f1", "macro_f1", digits=4),
    Row("out_of_scope recall", "out_of_scope_recall", "out_of_scope_recall", digits=4),
    Row("training wall time, command (s)", "train_seconds", "train_seconds", "faster", 2),
    Row("training (s): ours in-process, Rasa command", "train_seconds_in_process", "train_seconds", "faster", 2),
    Row("training peak RSS (MB)", "train_peak_rss_mb", "train_peak_rss_mb", "less", 0),
    Row("parse p50 (ms): ours in-process, Rasa HTTP", "p50_ms_in_process", "p50_ms_http", "faster"),
    Row("parse p99 (ms): ours in-process, Rasa HTTP", "p99_ms_in_process", "p99_ms_http", "faster"),
    Row("parse p50, HTTP (ms)", "p50_ms_http", "p50_ms_http", "faster"),
    Row("parse p99, HTTP (ms)", "p99_ms_http", "p99_ms_http", "faster"),
    Row("server RSS after the run (MB)", "server_rss_mb", "server_rss_mb", "less", 0),
    Row("server peak RSS (MB)", "server_peak_rss_mb", "server_peak_rss_mb", "less", 0),
]


def log(message: str) -> None:
    print(f"[bench-nlu {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def score(examples: list[Example], predicted: list[str]) -> Numbers:
    truth = [e.intent for e in examples]
    labels = sorted(set(truth))
    oos = [p for t, p in zip(truth, predicted, strict=True) if t == OUT_OF_SCOPE]
    return {
        "accuracy": float(np.mean([t == p for t, p in zip(truth, predicted, strict=True)])),
        "macro_f1": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
        "out_of_scope_recall": sum(p == OUT_OF_SCOPE for p in oos) / len(oos) if oos else None,
    }


def top_intent(result: ParseResult) -> str:
    """The classifier's own first choice: Rasa's nlu_fallback is left out of the ranking by RasaBackend."""
    if result.intent.name == FALLBACK_INTENT and result.ranking:
        return result.ranking[0].name
    return result.intent.name


def time_parses(parse: Callable[[str], ParseResult], texts: list[str], rounds: int) -> tuple[list[float], list[str]]:
    """Latencies in ms over `rounds` passes (after a warm-up), and the first pass's top intents."""
    for text in texts[:20]:
        parse(text)
    latencies, predicted = [], []
    for round_ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            result = parse(text)
            latencies.append((time.perf_counter() - started) * 1000)
            if round_ == 0:
                predicted.append(top_intent(result))
    return latencies, predicted


def percentiles(latencies: list[float], how: str) -> Numbers:
    return {f"p50_ms_{how}": float(np.percentile(latencies, 50)), f"p99_ms_{how}": float(np.percentile(latencies, 99))}


def run_timed(command: list[str], log_file: Path, env: dict[str, str] | None = None) -> tuple[float, float]:
    """Run to completion; wall seconds and the process's peak RSS in MB."""
    with log_file.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise BenchError(f"{' '.join(command)} failed ({process.returncode}); see {log_file}")
    return seconds, usage.ru_maxrss / 1024


def proc_memory_mb(pid: int) -> dict[str, float]:
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return {name: int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM")}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], url: str, log_file: Path, ready_within: float,
           env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, ready (GET /status answers 200) when entered, stopped on exit."""
    with httpx.Client(timeout=2.0) as probe:
        try:
            probe.get(url + "/status")
        except httpx.TransportError:
            pass
        else:
            raise BenchError(f"something already answers at {url}: stop it first")
    with log_file.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, **(env or {})})
        try:
            _wait_ready(process, url, log_file, ready_within)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(process: subprocess.Popen[bytes], url: str, log_file: Path, within: float) -> None:
    deadline = time.monotonic() + within
    with httpx.Client(timeout=2.0) as probe:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BenchError(f"server exited ({process.returncode}); see {log_file}")
            try:
                if probe.get(url + "/status").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
    raise BenchError(f"server at {url} not ready after {within:.0f} s; see {log_file}")


class _NoFallback:
    def parse(self, text: str) -> ParseResult:
        raise BenchError("the server gave no usable answer")


def over_http(url: str, texts: list[str], rounds: int) -> tuple[list[float], list[str]]:
    with RasaBackend(url, timeout=60.0, fallback=_NoFallback()) as backend:
        return time_parses(backend.parse, texts, rounds)


def bench_ours(args: argparse.Namespace, test: list[Example], work: Path) -> Numbers:
    ours: Numbers = {}
    texts = [e.text for e in test]
    log("ours: frontdoor nlu train")
    ours["train_seconds"], ours["train_peak_rss_mb"] = run_timed(
        [str(Path(sys.executable).with_name("frontdoor")), "nlu", "train", "--data", str(args.train),
         "--out", str(work / "embedded.pkl")], work / "embedded-train.log")
    data = load_training_data([args.train])
    started = time.perf_counter()
    classifier = EmbeddedClassifier.train(data)
    ours["train_seconds_in_process"] = time.perf_counter() - started
    log("ours: in-process latency")
    latencies, predicted = time_parses(classifier.parse, texts, args.rounds)
    ours.update(score(test, predicted) | percentiles(latencies, "in_process"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "bench.embedded_server", "--port", str(port), "--data", str(args.train)]
    with server(command, url, work / "embedded-server.log", ready_within=300) as process:
        log(f"ours: HTTP latency at {url}")
        latencies, _ = over_http(url, texts, args.rounds)
        memory = proc_memory_mb(process.pid)
    ours.update(percentiles(latencies, "http"))
    ours["server_rss_mb"], ours["server_peak_rss_mb"] = memory["VmRSS"], memory["VmHWM"]
    return ours


def bench_rasa(args: argparse.Namespace, test: list[Example], work: Path) -> Numbers:
    rasa: Numbers = {}
    texts, project = [e.text for e in test], work / "rasa"
    export_rasa_project(load_training_data([args.train]), project, epochs=args.rasa_epochs)
    log(f"Rasa: rasa train nlu, DIET {args.rasa_epochs} epochs (minutes)")
    rasa["train_seconds"], rasa["train_peak_rss_mb"] = run_timed(
        [str(args.rasa_bin), "train", "nlu", "--config", str(project / "config.yml"), "--domain",
         str(project / "domain.yml"), "--nlu", str(project / "data" / "nlu.yml"), "--out", str(project / "models"),
         "--fixed-model-name", "frontdoor"], work / "rasa-train.log", QUIET_RASA)
    url = f"http://127.0.0.1:{RASA_PORT}"
    command = [str(args.rasa_bin), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(RASA_PORT),
               "-m", str(project / "models" / "frontdoor.tar.gz")]
    with server(command, url, work / "rasa-server.log", ready_within=300, env=QUIET_RASA) as process:
        log(f"Rasa: HTTP latency at {url}")
        latencies, predicted = over_http(url, texts, args.rounds)
        memory = proc_memory_mb(process.pid)
    rasa.update(score(test, predicted) | percentiles(latencies, "http"))
    rasa["server_rss_mb"], rasa["server_peak_rss_mb"] = memory["VmRSS"], memory["VmHWM"]
    return rasa


def ratio(ours: float | None, rasa: float | None, better: str | None) -> tuple[float | None, str]:
    """ours ÷ Rasa, and how a person would say it."""
    if ours is None or rasa is None or ours == 0 or rasa == 0:
        return None, "—"
    value = ours / rasa
    if better is None:
        return value, f"{value:.2f}×"
    worse = {"faster": "slower", "less": "more"}[better]
    return value, f"{_times(1 / value)} {better}" if value < 1 else f"{_times(value)} {worse}"


def _times(value: float) -> str:
    return f"{value:.0f}×" if value >= 10 else f"{value:.1f}×"


def _number(value: float | None, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def report(args: argparse.Namespace, ours: Numbers, rasa: Numbers, train_size: int, test_size: int) -> dict[str, Any]:
    rows = []
    for row in ROWS:
        value, text = ratio(ours.get(row.ours), rasa.get(row.rasa), row.better)
        rows.append({"metric": row.label, "ours_key": row.ours, "rasa_key": row.rasa, "ours": ours.get(row.ours),
                     "rasa": rasa.get(row.rasa), "ratio": value, "ratio_text": text, "digits": row.digits})
    return {
        "command": reproduce_command(args),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "data": {"train": str(args.train), "test": str(args.test), "train_examples": train_size,
                 "test_examples": test_size, "rasa_epochs": args.rasa_epochs, "latency_rounds": args.rounds},
        "rows": rows,
        "table": render_table(rows),
    }


def render_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| metric | ours (embedded) | Rasa DIET | ours vs Rasa |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {row['metric']} | {_number(row['ours'], row['digits'])} | {_number(row['rasa'], row['digits'])} "
              f"| {row['ratio_text']} |" for row in rows]
    return "\n".join(lines)


def reproduce_command(args: argparse.Namespace) -> str:
    return (f".venv/bin/python -m bench.nlu_bench --train {args.train} --test {args.test} "
            f"--rasa-bin {args.rasa_bin} --rasa-epochs {args.rasa_epochs} --rounds {args.rounds}")


def print_report(result: dict[str, Any], out: TextIO = sys.stdout) -> None:
    data = result["data"]
    print(f"NLU benchmark {result['when']} on {result['machine']['cpus']} CPUs: trained on {data['train']} "
          f"({data['train_examples']} examples), tested on {data['test']} ({data['test_examples']} examples), "
          f"DIET {data['rasa_epochs']} epochs, {data['latency_rounds']} latency passes", file=out)
    print(result["table"], file=out)
    print("quality: each classifier's top intent before any fallback threshold; ratios are ours ÷ Rasa", file=out)
    print(f"reproduce: {result['command']}  (make bench-nlu runs it with the defaults)", file=out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.nlu_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=Path("nlu/data/nlu.yml"))
    parser.add_argument("--test", type=Path, default=Path("nlu/data/test/nlu_test.yml"))
    parser.add_argument("--rasa-bin", type=Path, default=Path(".venv-rasa/bin/rasa"))
    parser.add_argument("--rasa-epochs", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3, help="latency passes over the test set")
    parser.add_argument("--work", type=Path, default=Path("build/bench-nlu"))
    parser.add_argument("--out", type=Path, default=Path("build/bench-nlu.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (ROOT / args.rasa_bin).is_file():
        print(f"no Rasa at {args.rasa_bin}: run `make rasa-venv` first", file=sys.stderr)
        return 2
    work = ROOT / args.work
    work.mkdir(parents=True, exist_ok=True)
    test = load_training_data([ROOT / args.test]).examples
    train_size = len(load_training_data([ROOT / args.train]).examples)
    try:
        ours = bench_ours(args, test, work)
        rasa = bench_rasa(args, test, work)
    except BenchError as error:
        print(f"bench-nlu: {error}", file=sys.stderr)
        return 1
    result = report(args, ours, rasa, train_size, len(test))
    (ROOT / args.out).parent.mkdir(parents=True, exist_ok=True)
    (ROOT / args.out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
