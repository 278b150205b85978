#!/usr/bin/env bash
# The tool as a new user gets it: build the wheel, check it holds every file a run needs, install it
# in a fresh virtual environment, and run it from a folder outside the repository.
#
#   bash scripts/check-wheel.sh [--keep]     (--keep leaves the temporary folder for inspection)
#
# Needs python3 with pip and venv, and PyPI (or a pip cache) for the dependencies. Exit 0 when
# every check passes, 1 otherwise; each failed check says what it expected.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-python3}
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1

WORK=$(mktemp -d -t conformance-wheel-check.XXXXXX)
cleanup() { if [[ $KEEP == 1 ]]; then echo "check-wheel: left $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT

STARTED=$SECONDS
say() { printf 'check-wheel [%3ss] %s\n' "$((SECONDS - STARTED))" "$*"; }
fail() { echo "check-wheel: FAILED: $*" >&2; exit 1; }

# 1. Build. A copy of the tracked files keeps local junk (reports, caches) out of the wheel.
say "building the wheel"
mkdir -p "$WORK/src" "$WORK/dist"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
        | (cd "$ROOT" && xargs -0 -I{} sh -c '[ -e "$1" ] && printf "%s\0" "$1"' _ {}) \
        | tar -C "$ROOT" --null -T - -cf - | tar -C "$WORK/src" -xf -
    TRACKED=1
else
    cp -R "$ROOT/." "$WORK/src/"
    TRACKED=0
fi
"$PYTHON" -m pip wheel "$WORK/src" -w "$WORK/dist" --no-deps --quiet
WHEEL=$(ls "$WORK"/dist/*.whl)
say "built $(basename "$WHEEL")"

# 2. Contents: every file of conformance/, reference_impl/ and features/ (as conformance/features/).
if [[ $TRACKED == 1 ]]; then
    MISSING=$("$PYTHON" - "$WHEEL" "$WORK/src" <<'EOF'
import pathlib, sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
src = pathlib.Path(sys.argv[2])
wanted = {}
for top in ("conformance", "reference_impl", "features"):
    for path in sorted((src / top).rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            rel = path.relative_to(src).as_posix()
            wanted[rel] = "conformance/" + rel if top == "features" else rel
missing = [f"{rel} (as {inside})" for rel, inside in wanted.items() if inside not in names]
print("\n".join(missing))
if not any(n.startswith("conformance/features/") and n.endswith(".feature") for n in names):
    print("no conformance/features/*.feature")
EOF
)
    [[ -z "$MISSING" ]] || fail "files missing from the wheel:"$'\n'"$MISSING"
    say "wheel holds every file of conformance/, reference_impl/ and features/"
fi

# 3. A fresh virtual environment; nothing of the checkout on the path (with the checkout on
# PYTHONPATH, pip would take its egg-info for an installed strapi-conformance and skip the wheel).
unset PYTHONPATH CONFORMANCE_FEATURES VIRTUAL_ENV
say "installing into a fresh virtual environment (dependencies from PyPI or pip's cache)"
# Where a user would have it: a .venv inside their own project, whose pyproject.toml has a pytest
# configuration of its own. pytest reads the configuration nearest the suite, so the suite ships its
# own (conformance/suite/pytest.ini); without it this one would break every run.
RUN_DIR=$WORK/my-project
mkdir -p "$RUN_DIR"
cat >"$RUN_DIR/pyproject.toml" <<'EOF'
[project]
name = "my-project"
[tool.pytest.ini_options]
addopts = "--option-of-my-project"
EOF
"$PYTHON" -m venv "$RUN_DIR/.venv"
BIN=$RUN_DIR/.venv/bin
"$BIN/python" -m pip install --quiet --disable-pip-version-check "$WHEEL"
cd "$RUN_DIR"
export PATH="$BIN:$PATH"

LOCATION=$("$BIN/python" -c "import conformance, os; print(os.path.dirname(conformance.__file__))" 2>&1) \
    || fail "the new environment cannot import conformance: ${LOCATION##*$'\n'}"
[[ "$LOCATION" == "$RUN_DIR/.venv/"* ]] || fail "conformance imported from $LOCATION, not from the new environment"
say "conformance imported from the new environment"

expect_exit() {  # expect_exit CODE LOGNAME command...: run, log to $WORK/LOGNAME.log, check the exit code
    local want=$1 log=$WORK/$2.log; shift 2
    local code=0
    "$@" >"$log" 2>&1 || code=$?
    if [[ $code != "$want" ]]; then
        tail -n 20 "$log" >&2
        fail "\`$*\` exited $code, expected $want (log above)"
    fi
    say "\`$*\` -> exit $code"
}

VERSION=$(cd "$ROOT" && "$PYTHON" -c "import re; print(re.search(r'^version = \"(.+)\"', open('pyproject.toml').read(), re.M).group(1))")
expect_exit 0 version conformance --version
grep -qx "conformance $VERSION" "$WORK/version.log" || fail "--version printed '$(cat "$WORK/version.log")', expected 'conformance $VERSION'"
expect_exit 0 module-version python -m conformance --version
grep -qx "conformance $VERSION" "$WORK/module-version.log" || fail "python -m conformance --version printed '$(cat "$WORK/module-version.log")'"

expect_exit 0 list conformance list
LISTED=$(sed -n 's/^ *\([0-9][0-9]*\)  scenarios selected$/\1/p' "$WORK/list.log")
[[ -n "$LISTED" && "$LISTED" -gt 0 ]] || fail "conformance list selected no scenario"
grep -q "features/" "$WORK/list.log" || fail "conformance list names no feature file"
expect_exit 0 module-list python -m conformance list --json

# The scenarios each report must hold, and that nothing failed.
check_report() {  # check_report FOLDER
    local dir=$RUN_DIR/reports/$1
    for f in report.json junit.xml report.html; do
        [[ -s "$dir/$f" ]] || fail "$dir/$f was not written"
    done
    "$BIN/python" - "$dir/report.json" "$LISTED" <<'EOF' || fail "report of $1"
import json, sys
summary = json.load(open(sys.argv[1]))["summary"]
listed = int(sys.argv[2])
problems = []
if summary["total"] != listed:
    problems.append(f"{summary['total']} scenarios in the report, {listed} listed")
if summary["failed"] or summary["unexpected_passes"]:
    problems.append(f"{summary['failed']} failed, {summary['unexpected_passes']} unexpected passes")
if problems:
    sys.exit("; ".join(problems))
EOF
    say "reports/$1/: report.json, junit.xml, report.html ($LISTED scenarios, none failed)"
}

expect_exit 0 lint conformance lint

# Both fixture projects, written by the installed package: every file of the source's template is
# there, byte for byte, with the shared schemas added.
"$BIN/python" - "$WORK/src/conformance" "$WORK/projects" <<'EOF' || fail "fixture projects written by the installed package"
import sys
from pathlib import Path

from conformance.fixture import write_reference_project
from conformance.targets.strapi.project import write_project

src, out = Path(sys.argv[1]), Path(sys.argv[2])
problems = []
for name, template, project in (
        ("reference", src / "fixture" / "reference", write_reference_project(out / "reference")),
        ("strapi", src / "fixture" / "strapi" / "project", write_project(out / "strapi", "5.54.0", None))):
    for f in sorted(p for p in template.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        copy = project / f.relative_to(template)
        if not copy.is_file() or copy.read_bytes() != f.read_bytes():
            problems.append(f"{name}: {f.relative_to(template)} missing or different")
    if len(list(project.glob("src/api/*/content-types/*/schema.json"))) < 4:
        problems.append(f"{name}: the shared content-type schemas were not added")
sys.exit("; ".join(problems) or None)
EOF
say "fixture projects (reference, Strapi) written by the installed package match the source"

expect_exit 0 run conformance run
check_report reference
expect_exit 0 run-http conformance run --target reference-http
check_report reference-http

# Fuzzing reads the OpenAPI document generated from the packaged schemas.
expect_exit 0 fuzz conformance fuzz --target reference --max-examples 2
[[ -s "$RUN_DIR/reports/reference/fuzz/summary.json" ]] || fail "reports/reference/fuzz/summary.json was not written"
say "reports/reference/fuzz/summary.json"

# Bad input still gives a one-line reason and exit 2 from the installed tool, not a traceback
# (the reason may come before or after pytest's summary: stdout and stderr are buffered apart).
expect_exit 2 bad-id conformance run --id NO-SUCH-ID
! grep -q Traceback "$WORK/bad-id.log" && grep -q "^conformance: no scenario matches" "$WORK/bad-id.log" \
    || fail "a bad --id did not end with a one-line reason: $(cat "$WORK/bad-id.log")"

say "the installed wheel runs from outside the repository"
