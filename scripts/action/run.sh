#!/usr/bin/env bash
# The action's run step: one driftpatch run writing every format into DP_OUT, the Markdown
# appended to the job summary, exit code and counts as step outputs. Inputs come as DP_*
# variables (action.yml maps them); the exit code is driftpatch's (0/1/2/3).
set -euo pipefail
driftpatch="${DP_DRIFTPATCH:-driftpatch}"
out="${DP_OUT:-driftpatch-report}"
mkdir -p "$out"
args=("${DP_COMMAND:-check}" --source "${DP_SOURCE:-.}" --fail-on "${DP_FAIL_ON:-high}"
      -o console
      -o "json:$out/report.json" -o "sarif:$out/report.sarif"
      -o "markdown:$out/report.md" -o "html:$out/report.html"
      -o "junit:$out/junit.xml" -o "patch:$out/fix.patch")
[ -n "${DP_PLAN:-}" ] && args+=(--plan "$DP_PLAN")
[ -n "${DP_IGNORE_FILE:-}" ] && args+=(--ignore-file "$DP_IGNORE_FILE")
[ -n "${DP_SARIF_CATEGORY:-}" ] && args+=(--sarif-category "$DP_SARIF_CATEGORY")
[ -n "${DP_HISTORY:-}" ] && args+=(--history "$DP_HISTORY")
[ -n "${DP_NOTIFY:-}" ] && args+=(--notify "$DP_NOTIFY" --notify-on "${DP_NOTIFY_ON:-high}")
if [ "${DP_COMMAND:-check}" = "scan" ]; then
  [ -n "${DP_PREFER:-}" ] && args+=(--prefer "$DP_PREFER")
  for s in ${DP_STATE:-}; do args+=(--state "$s"); done
  for r in ${DP_REGIONS:-}; do args+=(--region "$r"); done
fi
if [ -n "${DP_EXTRA_ARGS:-}" ]; then
  read -r -a extra <<<"$DP_EXTRA_ARGS"
  args+=("${extra[@]}")
fi
set +e
"$driftpatch" "${args[@]}"
code=$?
set -e
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
[ -f "$out/report.md" ] && cat "$out/report.md" >>"$summary"
counts=""
if [ -f "$out/report.json" ]; then
  counts="$("${DP_PYTHON:-python}" - "$out/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
findings = report["findings"]
print(f"findings={len(findings)}")
print(f"drift={sum(1 for f in findings if f['kind'] != 'misconfig')}")
print(f"misconfigurations={sum(1 for f in findings if f['kind'] == 'misconfig')}")
print(f"patches={len(report['patches'])}")
PY
)"
fi
{
  echo "exit-code=$code"
  echo "report=$out/report.json"
  echo "sarif=$out/report.sarif"
  echo "patch=$out/fix.patch"
  [ -n "$counts" ] && echo "$counts"
} >>"${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
