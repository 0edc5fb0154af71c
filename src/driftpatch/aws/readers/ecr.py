"""ECR repositories (per region), shaped as hashicorp/aws 5.100.0 writes aws_ecr_repository to
state after a refresh.

- Listing is bulk: DescribeRepositories pages (up to 1000 repositories each) carry everything
  the provider reads but tags; ListTagsForResource is the one per-repository call, in a bounded
  pool.
- Unreadable: `force_delete` (a delete-time argument) and `timeouts`, kept from configuration.
- Nil handling as the provider's flatteners: a missing scanning or encryption configuration is
  `[]`, a missing KMS key "".
- No repository is created by AWS itself, so none is an account default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    Failures,
    listing,
    paginate,
    provider_tags,
    pstr,
    read_each,
)
from driftpatch.aws.readers.interface import LiveResource, ReadContext, Reader, ReadResult
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

REPOSITORY = "aws_ecr_repository"
PAGE_SIZE = 1000  # DescribeRepositories maxResults


def repository_attributes(repo: Mapping[str, Any], tags: dict[str, str]) -> dict[str, JSON]:
    """The provider's resourceRepositoryRead of one DescribeRepositories entry."""
    scanning = repo.get("imageScanningConfiguration")
    encryption = repo.get("encryptionConfiguration")
    return {
        "arn": pstr(repo.get("repositoryArn")),
        "encryption_configuration": []
        if encryption is None
        else [
            {
                "encryption_type": pstr(encryption.get("encryptionType")),
                "kms_key": pstr(encryption.get("kmsKey")),
            }
        ],
        "id": pstr(repo.get("repositoryName")),
        "image_scanning_configuration": []
        if scanning is None
        else [{"scan_on_push": bool(scanning.get("scanOnPush"))}],
        "image_tag_mutability": pstr(repo.get("imageTagMutability")),
        "name": pstr(repo.get("repositoryName")),
        "registry_id": pstr(repo.get("registryId")),
        "repository_url": pstr(repo.get("repositoryUri")),
        "tags": tags,
        "tags_all": dict(tags),
    }


def _tags(client: Any, arn: str) -> dict[str, str] | None:
    """A repository's tags; None when it was deleted since the listing."""
    try:
        answer = client.list_tags_for_resource(resourceArn=arn)
    except botocore.exceptions.ClientError as exc:
        if error_code(exc) == "RepositoryNotFoundException":
            return None
        raise
    return provider_tags(answer.get("tags"))


class EcrReader(Reader):
    """ECR repositories of one region."""

    types: ClassVar[tuple[str, ...]] = (REPOSITORY,)
    service: ClassVar[str] = "ecr"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        REPOSITORY: frozenset({"force_delete", "timeouts"})
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"ecr/{ctx.region}", "repositories")
        client = ctx.client("ecr")
        listed = listing(
            fails,
            lambda: paginate(
                client,
                "describe_repositories",
                "repositories",
                PaginationConfig={"PageSize": PAGE_SIZE},
            ),
            REPOSITORY,
        )
        if listed is None:
            return fails.result(())

        def read(repo: Mapping[str, Any]) -> LiveResource | None:
            tags = _tags(client, str(repo["repositoryArn"]))
            if tags is None:
                return None  # deleted since the listing
            attrs = repository_attributes(repo, tags)
            return LiveResource(REPOSITORY, str(attrs["id"]), ctx.region, attrs)

        return fails.result(read_each(fails, listed, read, REPOSITORY))
