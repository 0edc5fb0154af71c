"""AWS readers, registered by the Terraform types they emit.

Adding a reader: one module in this package with a `Reader` subclass, imported and listed in
`_registry()`. tests/aws/test_registry.py checks every type is emitted by exactly one reader.

The reader modules import boto3 (and botocore), which takes longer to load than the rest of a
`check` run: they are imported on first use of `READERS`, `reader_for` or `covered_types`, so
`check` and `--help` never load them (tests/cli/test_startup.py). Import nothing from a reader
module at the top of this file.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)

if TYPE_CHECKING:
    READERS: tuple[Reader, ...]


@functools.cache
def _registry() -> tuple[Reader, ...]:
    from driftpatch.aws.readers.account import READERS as ACCOUNT_READERS
    from driftpatch.aws.readers.acm import AcmReader
    from driftpatch.aws.readers.autoscaling import AutoScalingReader
    from driftpatch.aws.readers.cloudwatch import CloudWatchReader
    from driftpatch.aws.readers.dynamodb import DynamoDbReader
    from driftpatch.aws.readers.ec2 import Ec2Reader
    from driftpatch.aws.readers.ec2_attachments import VolumeAttachmentReader
    from driftpatch.aws.readers.ec2_extra import Ec2ExtraReader
    from driftpatch.aws.readers.ec2_snapshots import EbsSnapshotReader
    from driftpatch.aws.readers.ecr import EcrReader
    from driftpatch.aws.readers.eks import EksReader
    from driftpatch.aws.readers.elb import ElbClassicReader, ElbV2Reader
    from driftpatch.aws.readers.iam import IamReader
    from driftpatch.aws.readers.iam_users import IamUsersReader
    from driftpatch.aws.readers.kms import KmsReader
    from driftpatch.aws.readers.lambda_ import LambdaReader
    from driftpatch.aws.readers.lambda_permission import LambdaPermissionReader
    from driftpatch.aws.readers.messaging import SnsReader, SqsReader
    from driftpatch.aws.readers.network import NetworkReader
    from driftpatch.aws.readers.rds import RdsReader
    from driftpatch.aws.readers.route53 import Route53Reader
    from driftpatch.aws.readers.s3 import S3Reader
    from driftpatch.aws.readers.secrets import SecretsManagerReader
    from driftpatch.aws.readers.ssm import SsmReader
    from driftpatch.aws.readers.vpc import VpcReader

    return (
        Ec2Reader(),
        VpcReader(),
        S3Reader(),
        IamReader(),
        KmsReader(),
        *ACCOUNT_READERS,
        NetworkReader(),
        IamUsersReader(),
        RdsReader(),
        LambdaReader(),
        EcrReader(),
        Route53Reader(),
        DynamoDbReader(),
        SnsReader(),
        SqsReader(),
        SsmReader(),
        SecretsManagerReader(),
        CloudWatchReader(),
        ElbV2Reader(),
        ElbClassicReader(),
        VolumeAttachmentReader(),
        EbsSnapshotReader(),
        EksReader(),
        AcmReader(),
        LambdaPermissionReader(),  # readers-misc
        AutoScalingReader(),  # readers-compute
        Ec2ExtraReader(),  # readers-compute
    )


def __getattr__(name: str) -> tuple[Reader, ...]:
    """`READERS`, built on first access (PEP 562)."""
    if name == "READERS":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def _by_type() -> dict[str, Reader]:
    out: dict[str, Reader] = {}
    for reader in _registry():
        for type_ in reader.types:
            out.setdefault(type_, reader)  # the first reader listing a type wins, as before
    return out


def reader_for(type_: str) -> Reader | None:
    return _by_type().get(type_)


def covered_types() -> frozenset[str]:
    return frozenset(_by_type())


__all__ = [
    "READERS",
    "LiveIndex",
    "LiveResource",
    "ReadContext",
    "ReadResult",
    "Reader",
    "covered_types",
    "reader_for",
]
