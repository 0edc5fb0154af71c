"""Write fixtures/inputs/hostile/: the inputs users' shells and CI really hand us.

Derived, deterministically, from the recorded Terraform fixtures (record_input_fixtures.py) and a
few literals, so regenerating never changes a byte unless this script or those fixtures change:

  python scripts/make_hostile_inputs.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RECORDED = REPO / "fixtures" / "inputs" / "recorded"
OUT = REPO / "fixtures" / "inputs" / "hostile"

V3_STATE = {
    "version": 3,
    "terraform_version": "0.11.14",
    "serial": 12,
    "lineage": "0d3f4b52-9a27-4c1e-8f0a-3b6e2d1c5a47",
    "modules": [
        {
            "path": ["root"],
            "outputs": {},
            "resources": {
                "aws_s3_bucket.logs": {
                    "type": "aws_s3_bucket",
                    "depends_on": [],
                    "primary": {
                        "id": "dp-fixture-logs",
                        "attributes": {
                            "acl": "private",
                            "bucket": "dp-fixture-logs",
                            "id": "dp-fixture-logs",
                            "tags.%": "1",
                            "tags.Env": "legacy",
                        },
                        "meta": {},
                        "tainted": False,
                    },
                    "deposed": [],
                    "provider": "provider.aws",
                }
            },
            "depends_on": [],
        }
    ],
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    state = (RECORDED / "state.tfstate").read_bytes()
    plan = (RECORDED / "plan.json").read_bytes()
    state_text = state.decode()
    plan_text = plan.decode()
    files: dict[str, bytes] = {
        # Encodings a user's tools write; all of these must be accepted.
        "state-utf8-bom.tfstate": b"\xef\xbb\xbf" + state,
        "state-utf16le-bom.tfstate": b"\xff\xfe" + state_text.encode("utf-16-le"),
        "state-utf16be-bom.tfstate": b"\xfe\xff" + state_text.encode("utf-16-be"),
        "plan-utf8-bom.json": b"\xef\xbb\xbf" + plan,
        "plan-utf16le-bom.json": b"\xff\xfe" + plan_text.encode("utf-16-le"),
        "plan-utf16be-bom.json": b"\xfe\xff" + plan_text.encode("utf-16-be"),
        # Everything below must be refused with one line.
        "empty.tfstate": b"",
        "blank.tfstate": b" \n\t\n",
        "truncated.tfstate": state[: len(state) // 3],
        "truncated-utf16.tfstate": (b"\xff\xfe" + state_text.encode("utf-16-le"))[:1001],
        "truncated.json": plan[: len(plan) // 2],
        "list.tfstate": b'[{"version": 4, "resources": []}]\n',
        "v3.tfstate": (json.dumps(V3_STATE, indent=4) + "\n").encode(),
        "v5.tfstate": b'{"version": 5, "terraform_version": "2.0.0", "resources": []}\n',
        "no-resources.tfstate": b'{"version": 4, "terraform_version": "1.11.4", "serial": 1}\n',
        "resources-object.tfstate": b'{"version": 4, "serial": 1, "resources": {}}\n',
        "trailing-comma.tfstate": b'{\n  "version": 4,\n  "resources": [],\n}\n',
        "nan.tfstate": b'{"version": 4, "resources": [], "outputs": {"x": {"value": NaN}}}\n',
        "bad-utf8.tfstate": b'{"version": 4, "resources": [], "lineage": "\xff\xfe\xfd"}\n',
        "garbage.bin": random.Random(1337).randbytes(4096),
        "binary.tfplan": b"PK\x03\x04" + random.Random(7).randbytes(512),
        "format-2.0.json": b'{"format_version": "2.0", "planned_values": {}}\n',
        "not-a-plan.json": b'{"results": {"failed_checks": []}, "summary": {"passed": 3}}\n',
    }
    for name, data in files.items():
        (OUT / name).write_bytes(data)
    print(f"wrote {len(files)} files to {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
