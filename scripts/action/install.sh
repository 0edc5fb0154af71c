#!/usr/bin/env bash
# The action's install step (action.yml runs exactly this; scripts/check_install.sh and
# tests/ci/test_action.py run it too). driftpatch and its dependencies are pinned by
# .github/action-constraints.txt, so a job installs the same versions every night; checkov, when
# asked for, goes into its own virtualenv (it pins boto3 and overwrites python-hcl2's module).
set -euo pipefail
action="${GITHUB_ACTION_PATH:?set GITHUB_ACTION_PATH to the action checkout}"
python="${DP_PYTHON:-python}"
CHECKOV_VERSION=3.3.30

"$python" -m pip install --quiet --constraint "$action/.github/action-constraints.txt" "$action"

if [ "${DP_CHECKOV:-false}" = "true" ]; then
  venv="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/driftpatch-checkov"
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet "checkov==$CHECKOV_VERSION"
  echo "DRIFTPATCH_CHECKOV=$venv/bin/checkov" >>"${GITHUB_ENV:-/dev/null}"
  echo "driftpatch: checkov $CHECKOV_VERSION installed in $venv"
fi
