"""`unread` resources in every human format and in the JSON summary (issue 10)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from driftpatch.aws.readers import LiveResource
from driftpatch.model import Inventory, ResourceEntry, ResourceStatus
from driftpatch.report import REPORTERS
from tests.report.sample import REPORT

UNREAD = ResourceEntry("aws_vpc.main", "aws_vpc", "vpc-1", ResourceStatus.UNREAD, None)
WITH_UNREAD = dataclasses.replace(REPORT, resources=(*REPORT.resources, UNREAD))


def test_summary_counts_unread_only_when_there_are_some() -> None:
    assert "unread" not in REPORT.summary()
    summary = WITH_UNREAD.summary()
    assert summary["unread"] == 1
    # Unread resources are still managed ones: the other counts do not move.
    assert summary["managed"] == REPORT.summary()["managed"] + 1
    doc = json.loads(REPORTERS["json"].render(WITH_UNREAD, False))
    assert doc["summary"]["unread"] == 1
    assert {"address": "aws_vpc.main", "status": "unread"}.items() <= next(
        r for r in doc["resources"] if r["address"] == "aws_vpc.main"
    ).items()


def test_console_markdown_and_html_show_unread() -> None:
    console = REPORTERS["console"].render(WITH_UNREAD, False)
    assert "0 planned, 1 unread\n" in console
    assert "unread" not in REPORTERS["console"].render(REPORT, False)
    markdown = REPORTERS["markdown"].render(WITH_UNREAD, False)
    assert "**1 unread** (their AWS reads failed; not compared): `aws_vpc.main`" in markdown
    html = REPORTERS["html"].render(WITH_UNREAD, False)
    assert '<div class="card"><b>1</b>unread</div>' in html


def test_snapshot_keeps_what_was_not_read(tmp_path: Path) -> None:
    bucket = LiveResource(
        "aws_s3_bucket", "b1", "us-east-1", {"id": "b1"}, unread=frozenset({"versioning"})
    )
    inventory = Inventory(
        (bucket,), ("us-east-1",), account_id="123456789012", types=frozenset({"aws_s3_bucket"})
    )
    path = tmp_path / "live.json"
    path.write_text(json.dumps(inventory.to_json()))
    loaded = Inventory.load(path)
    assert loaded.resources == (bucket,)
    assert loaded.types == frozenset({"aws_s3_bucket"})
