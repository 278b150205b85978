"""The top costs of a V8 ``.cpuprofile`` (``node --cpu-prof``, or benchmarks/node_cpu_profile.js).

    python benchmarks/cpuprofile_top.py FILE.cpuprofile [--top 25] [--json OUT.json]

Prints the sampled time (busy, idle, garbage collector), then the functions with the most self
time, the functions with the most total time (self plus callees, each sample counted once per
function however deep its recursion) and self time by package (``node_modules/<package>``; the
project's own files as ``project``; Node's internals as ``node``). Shares are of the busy time
(every sample but ``(idle)``), which is what a server's CPU time is made of.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

_PACKAGE = re.compile(r"node_modules/((?:@[^/]+/)?[^/]+)/")


def package_of(url: str) -> str:
    """The package a script belongs to: its last node_modules/<name>, ``node`` or ``project``."""
    found = _PACKAGE.findall(url)
    if found:
        return found[-1]
    if url.startswith("node:") or not url:
        return "node"
    return "project"


def summarize(profile: dict[str, Any], top: int = 25) -> dict[str, Any]:
    """Self/total/package time (ms) of a parsed profile."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent: dict[int, int] = {}
    for n in profile["nodes"]:
        for child in n.get("children", []):
            parent[child] = n["id"]
    per_node: Counter[int] = Counter()
    samples, deltas = profile.get("samples", []), profile.get("timeDeltas", [])
    # timeDeltas[i] is the time before sample i: the time a sample stands for is the next delta.
    for i, node_id in enumerate(samples):
        per_node[node_id] += deltas[i + 1] if i + 1 < len(deltas) else 0
    def label(node_id: int) -> str:
        frame = nodes[node_id]["callFrame"]
        name = frame.get("functionName") or "(anonymous)"
        url = frame.get("url", "")
        where = url.rsplit("node_modules/", 1)[-1] if url else ""
        return f"{name} {where}:{frame.get('lineNumber', -1) + 1}" if where else name

    self_time: Counter[str] = Counter()
    total_time: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    idle = gc = 0.0
    for node_id, us in per_node.items():
        name = nodes[node_id]["callFrame"].get("functionName")
        if name == "(idle)":
            idle += us
            continue
        if name == "(garbage collector)":
            gc += us
        self_time[label(node_id)] += us
        packages[package_of(nodes[node_id]["callFrame"].get("url", ""))] += us
        seen: set[str] = set()
        walk: int | None = node_id
        while walk is not None:
            lab = label(walk)
            if lab not in seen:
                seen.add(lab)
                total_time[lab] += us
            walk = parent.get(walk)
    busy = sum(self_time.values())

    def rows(counter: Counter[str]) -> list[dict[str, Any]]:
        return [{"what": k, "ms": round(v / 1000, 1), "share": round(v / busy, 4) if busy else 0.0}
                for k, v in counter.most_common(top)]

    total_time.pop("(root)", None)
    return {"busy_ms": round(busy / 1000, 1), "idle_ms": round(idle / 1000, 1), "gc_ms": round(gc / 1000, 1),
            "self": rows(self_time), "total": rows(total_time), "packages": rows(packages)}


def render(summary: dict[str, Any]) -> list[str]:
    lines = [f"busy {summary['busy_ms']} ms (garbage collector {summary['gc_ms']} ms), idle {summary['idle_ms']} ms"]
    for title in ("packages", "self", "total"):
        lines.append(f"-- {title} (share of busy time)")
        lines += [f"{r['share'] * 100:6.1f}%  {r['ms']:9.1f} ms  {r['what']}" for r in summary[title]]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--json", default=None, help="also write the summary as JSON here")
    args = parser.parse_args(argv)
    try:
        profile = json.loads(Path(args.profile).read_text(encoding="utf-8"))
        summary = summarize(profile, args.top)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"cpuprofile_top: {args.profile}: not a readable .cpuprofile ({exc})", file=sys.stderr)
        return 2
    print("\n".join(render(summary)))
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
