#!/usr/bin/env bash
# Install driftpatch as users do, in clean virtualenvs without extras, and run it.
#   1. the wheel (what `pip install driftpatch` gives);
#   2. the action's own install step (scripts/action/install.sh: the pinned constraints, a directory).
# Each venv then runs --version, --help, rules, rules -o json and `check` on the demo source, and
# `pip check`. The test suite cannot see a missing dependency: its dev extras bring most of them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
repo="$PWD"
work="$(mktemp -d "${TMPDIR:-/tmp}/driftpatch-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# The action's install step, as action.yml runs it; checked so the two cannot drift apart.
grep -q 'run: bash "$GITHUB_ACTION_PATH/scripts/action/install.sh"' action.yml ||
  { echo "check_install: action.yml's install step changed; update this script" >&2; exit 1; }

"$PYTHON" -m venv "$work/build"
"$work/build/bin/python" -m pip install --quiet --upgrade pip build
"$work/build/bin/python" -m build --wheel --outdir "$work/dist" . >"$work/build.log" 2>&1 ||
  { cat "$work/build.log" >&2; exit 1; }
wheel="$(ls "$work"/dist/driftpatch-*.whl)"

smoke() {  # $1: venv dir
  local bin="$1/bin" out="$1/out"
  mkdir -p "$out"
  "$bin/python" -m pip check
  (cd "$out" && "$bin/driftpatch" --version)
  (cd "$out" && "$bin/driftpatch" --help >/dev/null)
  (cd "$out" && "$bin/driftpatch" rules >/dev/null)
  (cd "$out" && "$bin/driftpatch" rules -o json >"$out/rules.json")
  "$bin/python" -c "import json,sys; r=json.load(open(sys.argv[1])); assert len(r) > 40, len(r)" "$out/rules.json"
  # check on the demo source finds the demo's misconfigurations: exit 1, a JSON report.
  set +e
  (cd "$out" && "$bin/driftpatch" check --source "$repo/terraform" --no-checkov -o "json:$out/report.json" 2>"$out/stderr")
  code=$?
  set -e
  if [ "$code" != 1 ]; then
    echo "check_install: check exited $code (wanted 1: the demo has misconfigurations)" >&2
    cat "$out/stderr" >&2
    exit 1
  fi
  "$bin/python" - "$out/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["schema_version"] == 1
assert report["findings"], "no findings on the demo source"
assert all(f["location"] for f in report["findings"] if f["kind"] == "misconfig" and f["address"])
PY
  # The demo needs a checkout (its stacks) and moto (the [demo] extra): an installed package
  # says so in one line, exit 2, never an ImportError.
  set +e
  (cd "$out" && "$bin/driftpatch" demo --keep "$out/demo" >/dev/null 2>"$out/demo.err")
  code=$?
  set -e
  if [ "$code" != 2 ] || ! grep -q "^driftpatch: error: " "$out/demo.err" ||
     [ "$(grep -c . "$out/demo.err")" != 1 ]; then
    echo "check_install: demo from the package exited $code; wanted 2 and one error line" >&2
    cat "$out/demo.err" >&2
    exit 1
  fi
  echo "check_install: $1: ok ($(wc -l <"$out/rules.json") lines of rules, $("$bin/python" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['findings']))" "$out/report.json") findings)"
}

"$PYTHON" -m venv "$work/wheel"
"$work/wheel/bin/python" -m pip install --quiet "$wheel"
smoke "$work/wheel"

"$PYTHON" -m venv "$work/action"
GITHUB_ACTION_PATH="$repo" DP_PYTHON="$work/action/bin/python" bash scripts/action/install.sh
smoke "$work/action"
