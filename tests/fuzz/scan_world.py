"""One offline world for scan tests: the demo world's state and a `--live` snapshot in which
AWS holds exactly what the state says, so a scan of the two is clean and any finding or refusal
comes from what a test changed. Shared by the scan fuzz and the odd-type regression tests.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path
from typing import Any

from driftpatch import api
from driftpatch.aws.readers import reader_for
from driftpatch.config import Config
from driftpatch.terraform.state import parse_state

REPO = Path(__file__).resolve().parents[2]
WORLD = REPO / "fixtures" / "worlds" / "demo"
STATE_BYTES = (WORLD / "terraform.tfstate").read_bytes()
STATE_DOC = json.loads(STATE_BYTES)
RULE_KEYS = (
    "cidr_blocks",
    "description",
    "from_port",
    "ipv6_cidr_blocks",
    "prefix_list_ids",
    "protocol",
    "self",
    "to_port",
)


def snapshot_of(state: bytes) -> dict[str, Any]:
    """A `--live` snapshot in which AWS holds exactly what the state says (every covered,
    non-derived instance): unmutated, the scan is clean, so every finding or refusal below
    comes from the one replaced value."""
    instances = parse_state(state, "state").resources
    resources = []
    for inst in instances:
        reader = reader_for(inst.type)
        if reader is None or not inst.id or inst.type in reader.derived_types:
            continue
        resources.append(
            {
                "type": inst.type,
                "id": inst.id,
                "region": None if reader.is_global else (inst.region or "us-east-1"),
                "attributes": copy.deepcopy(dict(inst.attributes)),
                "account_default": False,
            }
        )
    by_id = {(r["type"], r["id"]): r["attributes"] for r in resources}
    # What separate resources own is on their parent in AWS: rules in their group's
    # ingress/egress, attached policies in the role's managed_policy_arns.
    for inst in instances:
        attrs = inst.attributes
        if inst.type == "aws_security_group_rule":
            group = by_id[("aws_security_group", str(attrs["security_group_id"]))]
            rule = {k: attrs[k] for k in RULE_KEYS if k in attrs}
            if attrs.get("source_security_group_id"):
                rule["security_groups"] = [attrs["source_security_group_id"]]
            group[str(attrs["type"])] = [*(group.get(str(attrs["type"])) or []), rule]
        elif inst.type == "aws_iam_role_policy_attachment":
            role = by_id[("aws_iam_role", str(attrs["role"]))]
            role["managed_policy_arns"] = [
                *(role.get("managed_policy_arns") or []),
                attrs["policy_arn"],
            ]
    return {
        "kind": "driftpatch-inventory",
        "version": 1,
        "regions": ["us-east-1"],
        "account_id": "123456789012",
        "resources": resources,
        "errors": [],
    }


SNAPSHOT_DOC = snapshot_of(STATE_BYTES)


def write(directory: Path, state: Any, snapshot: Any) -> tuple[Path, Path]:
    """The two documents as `terraform.tfstate` and `live.json` in `directory`."""
    state_path, live_path = directory / "terraform.tfstate", directory / "live.json"
    state_path.write_text(json.dumps(state))
    live_path.write_text(json.dumps(snapshot))
    return state_path, live_path


def scan(state: Any, snapshot: Any) -> api.Report:
    """`api.scan` of these two documents, written to files (offline, no checkov)."""
    with tempfile.TemporaryDirectory() as tmp:
        state_path, live_path = write(Path(tmp), state, snapshot)
        return api.scan(
            Config(states=(str(state_path),), live_snapshot=live_path, source=None, checkov=False)
        )
