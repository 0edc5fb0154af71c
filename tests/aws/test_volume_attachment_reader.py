"""The volume attachment reader: the provider's ids, live states, parts and failures as values
(the oracle is test_autoscaling_oracle.py's stack)."""

from __future__ import annotations

import pytest

from driftpatch.aws.readers import READERS, LiveIndex, ReadContext, reader_for
from driftpatch.aws.readers.ec2_attachments import (
    ATTACHMENT,
    VolumeAttachmentReader,
    attachment_id,
    attachments,
)
from driftpatch.aws.session import AwsSession
from driftpatch.embedded import free_port
from driftpatch.model import LiveResource

REGION = "us-east-1"


def test_ids_are_the_providers() -> None:
    # Recorded from hashicorp/aws 5.100.0's state (the oracle stack applied to moto).
    assert attachment_id("/dev/sdh", "i-c108c86723b0bd83b", "vol-78de975ba07832f7b") == (
        "vai-2463389176"
    )
    assert attachment_id("/dev/sdi", "i-c108c86723b0bd83b", "vol-a51705139aa05abce") == (
        "vai-3171130209"
    )


def test_only_attaching_or_attached_count_and_all_are_parts_of_their_instance() -> None:
    volumes = [
        {
            "VolumeId": "vol-1",
            "Attachments": [
                {
                    "Device": "/dev/sdh",
                    "InstanceId": "i-1",
                    "VolumeId": "vol-1",
                    "State": "attached",
                },
            ],
        },
        {
            "VolumeId": "vol-2",
            "Attachments": [{"Device": "/dev/sdi", "InstanceId": "i-1", "State": "detaching"}],
        },
    ]
    found = attachments(volumes)
    assert found == [
        {
            "device_name": "/dev/sdh",
            "id": attachment_id("/dev/sdh", "i-1", "vol-1"),
            "instance_id": "i-1",
            "volume_id": "vol-1",
        }
    ]
    live = [LiveResource(ATTACHMENT, str(a["id"]), REGION, a) for a in found]
    reader = VolumeAttachmentReader()
    assert reader.parts(live) == {(ATTACHMENT, str(found[0]["id"]))}
    state = {"id": found[0]["id"], "skip_destroy": True, "force_detach": None}
    matched = reader.match(ATTACHMENT, str(found[0]["id"]), state, LiveIndex(tuple(live)))
    assert matched is not None
    assert (matched.attributes["skip_destroy"], matched.attributes["force_detach"]) == (True, None)
    assert [t for r in READERS for t in r.types].count(ATTACHMENT) == 1
    assert isinstance(reader_for(ATTACHMENT), VolumeAttachmentReader)


def test_unreachable_endpoint_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = AwsSession(
        endpoint_url=f"http://127.0.0.1:{free_port()}",
        region=REGION,
        max_attempts=1,
        connect_timeout=1,
    )
    result = VolumeAttachmentReader().read(ReadContext(session, REGION, "1"))
    assert result.resources == () and result.incomplete_types == {ATTACHMENT}
