"""Benchmark of the harness's own I/O: what a client costs to build, how soon a waiting webhook step
sees a delivery, what proving the capabilities of the in-process reference costs.

    python scripts/bench_harness_io.py [--out reports/bench/harness-io.json] [--rounds 30]

Compares the way the harness did it before (a default httpx client per use, which loads the CA
bundle; the receiver polled every 50 ms) with now (one client, no TLS set-up for plain HTTP; a long
poll that the receiver answers as soon as a delivery lands). Writes JSON, prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from conformance.probes import verify
from conformance.targets.base import make_client
from conformance.targets.http import discover
from conformance.targets.registry import TargetOptions, parse
from conformance.webhooks import WebhookReceiver, feed

OLD_POLL_S = 0.05


def _ms(values: list[float]) -> dict[str, float]:
    return {"median_ms": round(statistics.median(values) * 1000, 3), "max_ms": round(max(values) * 1000, 3)}


def client_creation(rounds: int) -> dict[str, Any]:
    def build(factory: Any) -> float:
        started = time.perf_counter()
        factory().close()
        return time.perf_counter() - started

    default = [build(lambda: httpx.Client(base_url="http://127.0.0.1:1")) for _ in range(rounds)]
    plain = [build(lambda: make_client("http://127.0.0.1:1")) for _ in range(rounds)]
    return {"default_httpx_client": _ms(default), "make_client_plain_http": _ms(plain)}


def _post_later(receiver: WebhookReceiver, delay: float, body: dict[str, Any]) -> None:
    time.sleep(delay)
    with httpx.Client(verify=False) as client:
        client.post(receiver.hook_url, json=body)


def delivery_wakeup(rounds: int) -> dict[str, Any]:
    """Time from a delivery's arrival at the receiver to the moment a waiting reader has it."""
    receiver = WebhookReceiver().start()
    events = feed(receiver.events_url)
    old: list[float] = []
    new: list[float] = []
    try:
        for i in range(rounds):
            delay = 0.01 + (i % 7) * 0.013
            # Before: a new client per poll (httpx.get), every 50 ms.
            start = len(httpx.get(receiver.events_url).json())
            threading.Thread(target=_post_later, args=(receiver, delay, {"n": i}), daemon=True).start()
            while True:
                found = httpx.get(receiver.events_url, timeout=5.0).json()
                if len(found) > start:
                    old.append(time.time() - found[start]["received_at"])
                    break
                time.sleep(OLD_POLL_S)
            # Now: one long poll on the process's feed.
            start = len(httpx.get(receiver.events_url).json())
            threading.Thread(target=_post_later, args=(receiver, delay, {"n": i}), daemon=True).start()
            got = events.after(start, wait_s=5.0)
            new.append(time.time() - got[0]["received_at"])
    finally:
        receiver.stop()
    return {"polling_50ms_new_client": _ms(old), "long_poll_one_client": _ms(new)}


def probe_cost(rounds: int) -> dict[str, Any]:
    receiver = WebhookReceiver().start()
    target = parse("reference").build(TargetOptions(webhook_url=receiver.hook_url))
    target.start()
    costs: list[float] = []
    latencies: list[float] = []
    try:
        for _ in range(rounds):
            info = discover(target.http, "reference", "reference", "in-process")
            started = time.perf_counter()
            verify(target.http, info, receiver.events_url)
            costs.append(time.perf_counter() - started)
            latencies.append(info.webhook_latency_s or 0.0)
    finally:
        target.stop()
        receiver.stop()
    return {"verify_all_capabilities": _ms(costs), "measured_webhook_latency": _ms(latencies)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "reports" / "bench" / "harness-io.json"))
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    doc = {
        "command": f"python scripts/bench_harness_io.py --rounds {args.rounds}",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_1m": round(os.getloadavg()[0], 2)},
        "client_creation": client_creation(args.rounds),
        "delivery_wakeup": delivery_wakeup(args.rounds),
        "probes_in_process_reference": probe_cost(max(3, args.rounds // 5)),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
