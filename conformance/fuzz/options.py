"""The ``conformance fuzz`` options, apart from the fuzzer: building the command line must not
import schemathesis and hypothesis (half a second of every ``conformance`` command's start-up)."""

from __future__ import annotations

import argparse

DEFAULT_SEED = 20240917
DEFAULT_MAX_EXAMPLES = 20
SERVED_PATH = "/openapi.json"
PHASES = ("stateless", "stateful", "methods")
HOSTILE = "hostile"


def add_fuzz_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"hypothesis seed (default {DEFAULT_SEED})")
    parser.add_argument("--max-examples", type=int, default=DEFAULT_MAX_EXAMPLES,
                        help="cases per operation and generation mode, and stateful scenarios "
                             f"(default {DEFAULT_MAX_EXAMPLES})")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help=f"comma-separated subset of {','.join(PHASES)},{HOSTILE} "
                             f"(default: {','.join(PHASES)})")
    parser.add_argument("--openapi", default="harness",
                        help="the document to fuzz: 'harness' (generated from the fixture's schema.json, "
                             f"default), 'served' (the target's own {SERVED_PATH}) or a JSON file")
    parser.add_argument("--report-dir", default=None, help="default: reports/<target>/fuzz/")
    parser.add_argument("--corpus-dir", default=None,
                        help="where drawn stateless cases are kept between runs (default: "
                             "$XDG_CACHE_HOME/conformance/fuzz-corpus)")
    parser.add_argument("--no-corpus", action="store_true",
                        help="draw every stateless case again, neither reading nor writing the corpus")
    parser.add_argument("--record-only", action="store_true",
                        help="write the findings but exit 0 (for targets whose bugs are not ours, e.g. real Strapi)")
