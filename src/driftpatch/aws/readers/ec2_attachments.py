"""EBS volume attachments (per region): aws_volume_attachment, as hashicorp/aws 5.100.0 keeps it
in state.

- Calls: DescribeVolumes pages (bulk); each volume lists its attachments. (The EC2 reader makes
  the same listing for aws_ebs_volume; reading it here too keeps this reader's failures its
  own: a failed listing marks attachments incomplete, never missing.)
- The provider's id is derived from the attachment itself: "vai-" and the CRC-32 of
  "<device>-<instance>-<volume>-" (its hashcode.String), so a state instance matches by id and
  any change of device, instance or volume is the old attachment gone. The read only checks the
  attachment still exists (attaching or attached); `force_detach`, `skip_destroy` and
  `stop_instance_before_detaching` are destroy-time arguments kept from state (`unreadable`).
- Every attachment is part of its instance (the provider's aws_instance read lists it in
  `ebs_block_device`, or as the root device): attachments no state owns are never unmanaged on
  their own; the instance is reported instead.
- moto hosts the type for real Terraform (tests/aws/test_autoscaling_oracle.py's stack).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from driftpatch.aws.readers.common import AWS_ERRORS, Failures, pstr, shared_listing
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.model import JSON, LiveIndex

ATTACHMENT = "aws_volume_attachment"
LIVE_STATES = frozenset({"attaching", "attached"})
KEPT = ("force_detach", "skip_destroy", "stop_instance_before_detaching", "timeouts")


def attachment_id(device: str, instance_id: str, volume_id: str) -> str:
    """The provider's volumeAttachmentID: "vai-" + hashcode.String (CRC-32, IEEE)."""
    text = f"{device}-{instance_id}-{volume_id}-"
    return f"vai-{zlib.crc32(text.encode())}"


def attachments(volumes: Iterable[Mapping[str, Any]]) -> list[dict[str, JSON]]:
    out: list[dict[str, JSON]] = []
    for volume in volumes:
        for item in volume.get("Attachments") or ():
            if item.get("State") not in LIVE_STATES:
                continue
            device, instance = pstr(item.get("Device")), pstr(item.get("InstanceId"))
            volume_id = pstr(item.get("VolumeId") or volume.get("VolumeId"))
            out.append(
                {
                    "device_name": device,
                    "id": attachment_id(device, instance, volume_id),
                    "instance_id": instance,
                    "volume_id": volume_id,
                }
            )
    return out


class VolumeAttachmentReader(Reader):
    """EBS volume attachments of one region."""

    types: ClassVar[tuple[str, ...]] = (ATTACHMENT,)
    service: ClassVar[str] = "ec2"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {ATTACHMENT: frozenset(KEPT)}

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"ec2/{ctx.region}", "volumes")
        try:
            # The same listing as the volumes' (ec2.py): read once for both.
            volumes = shared_listing(ctx, "ec2", "describe_volumes", "Volumes")
        except AWS_ERRORS as exc:
            fails.add(exc, ATTACHMENT)
            return ReadResult(errors=fails.errors(), incomplete_types=frozenset(fails.incomplete))
        return ReadResult(
            resources=tuple(
                LiveResource(ATTACHMENT, str(a["id"]), ctx.region, a) for a in attachments(volumes)
            )
        )

    def parts(self, resources: Iterable[LiveResource]) -> frozenset[tuple[str, str]]:
        return frozenset((r.type, r.id) for r in resources if r.type == ATTACHMENT)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        found = live.get(type_, state_id)
        if found is None:
            return None
        view = dict(found.attributes)
        for name in KEPT:
            if name in state_attributes:
                view[name] = state_attributes[name]
        return LiveResource(found.type, found.id, found.region, view)
