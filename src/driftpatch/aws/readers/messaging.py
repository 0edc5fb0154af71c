"""SNS topics and SQS queues (per region), shaped as hashicorp/aws 5.100.0 writes aws_sns_topic
and aws_sqs_queue to state after a refresh.

Both services keep a resource's settings in one string-valued attribute map, and the provider
maps it onto the schema the same way for both (its attrmap): an attribute AWS leaves out keeps
the state's value (the oracle shows `kms_data_key_reuse_period_seconds` staying 300 where moto
returns nothing), numbers and booleans are parsed from their strings, and the access
`policy` is Go-normalised JSON (on refresh the provider keeps the state's text when equivalent,
which the comparer's semantic policy compare covers). Other JSON documents (delivery, archive,
redrive policies) are written as AWS returns them.

Calls: ListTopics / ListQueues pages (1000 queue URLs a page); per object, in a bounded pool,
GetTopicAttributes + ListTagsForResource, or GetQueueAttributes(All) + ListQueueTags.

- `name` comes from the ARN (topics) or the URL (queues); `name_prefix` is the part before a
  Terraform unique suffix (before ".fifo" for FIFO ones), as the provider derives it.
- `timeouts` (queues) is config-only.
- No topic or queue is created by AWS itself, so none is an account default.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    Failures,
    name_prefix_from_name,
    normalize_json,
    paginate,
    provider_tags,
    read_listed,
)
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.session import MalformedResponse, error_code
from driftpatch.model import JSON

TOPIC = "aws_sns_topic"
QUEUE = "aws_sqs_queue"
FIFO = ".fifo"

# schema attribute -> (API attribute, kind): kind is "s" string, "n" number, "b" bool, "p"
# access policy (normalised JSON).
TOPIC_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "archive_policy": ("ArchivePolicy", "s"),
    "arn": ("TopicArn", "s"),
    "beginning_archive_time": ("BeginningArchiveTime", "s"),
    "content_based_deduplication": ("ContentBasedDeduplication", "b"),
    "delivery_policy": ("DeliveryPolicy", "s"),
    "display_name": ("DisplayName", "s"),
    "fifo_throughput_scope": ("FifoThroughputScope", "s"),
    "fifo_topic": ("FifoTopic", "b"),
    "kms_master_key_id": ("KmsMasterKeyId", "s"),
    "owner": ("Owner", "s"),
    "policy": ("Policy", "p"),
    "signature_version": ("SignatureVersion", "n"),
    "tracing_config": ("TracingConfig", "s"),
    **{
        f"{proto}_{outcome}_feedback_role_arn": (f"{api}{outcome.title()}FeedbackRoleArn", "s")
        for proto, api in (
            ("application", "Application"),
            ("firehose", "Firehose"),
            ("http", "HTTP"),
            ("lambda", "Lambda"),
            ("sqs", "SQS"),
        )
        for outcome in ("failure", "success")
    },
    **{
        f"{proto}_success_feedback_sample_rate": (f"{api}SuccessFeedbackSampleRate", "n")
        for proto, api in (
            ("application", "Application"),
            ("firehose", "Firehose"),
            ("http", "HTTP"),
            ("lambda", "Lambda"),
            ("sqs", "SQS"),
        )
    },
}
QUEUE_ATTRIBUTES: dict[str, tuple[str, str]] = {
    "arn": ("QueueArn", "s"),
    "content_based_deduplication": ("ContentBasedDeduplication", "b"),
    "deduplication_scope": ("DeduplicationScope", "s"),
    "delay_seconds": ("DelaySeconds", "n"),
    "fifo_queue": ("FifoQueue", "b"),
    "fifo_throughput_limit": ("FifoThroughputLimit", "s"),
    "kms_data_key_reuse_period_seconds": ("KmsDataKeyReusePeriodSeconds", "n"),
    "kms_master_key_id": ("KmsMasterKeyId", "s"),
    "max_message_size": ("MaximumMessageSize", "n"),
    "message_retention_seconds": ("MessageRetentionPeriod", "n"),
    "policy": ("Policy", "p"),
    "receive_wait_time_seconds": ("ReceiveMessageWaitTimeSeconds", "n"),
    "redrive_allow_policy": ("RedriveAllowPolicy", "s"),
    "redrive_policy": ("RedrivePolicy", "s"),
    "sqs_managed_sse_enabled": ("SqsManagedSseEnabled", "b"),
    "visibility_timeout_seconds": ("VisibilityTimeout", "n"),
}


def _value(raw: Any, kind: str) -> JSON:
    """One attribute-map value as the provider's attrmap writes it."""
    text = str(raw)
    if kind == "b":
        return text.lower() == "true"
    if kind == "n":
        try:
            return int(text) if text else 0
        except ValueError:
            return 0
    if kind == "p":
        return normalize_json(text)
    return text


def map_attributes(api: Mapping[str, Any], table: Mapping[str, tuple[str, str]]) -> dict[str, JSON]:
    """The attributes AWS returned; the ones it left out are not emitted (the provider keeps
    the state's value for those, and so does `match`)."""
    return {name: _value(api[key], kind) for name, (key, kind) in table.items() if key in api}


def name_prefix(name: str, fifo: bool) -> str:
    """NamePrefixFromName, or NamePrefixFromNameWithSuffix(name, ".fifo") for FIFO ones."""
    if fifo and name.endswith(FIFO):
        return name_prefix_from_name(name[: -len(FIFO)])
    return name_prefix_from_name(name)


def topic_attributes(api: Mapping[str, Any], tags: dict[str, str]) -> dict[str, JSON]:
    attrs = map_attributes(api, TOPIC_ATTRIBUTES)
    arn = str(api.get("TopicArn", ""))
    name = arn.rsplit(":", 1)[-1]
    attrs.update(
        {
            "id": arn,
            "name": name,
            "name_prefix": name_prefix(name, bool(attrs.get("fifo_topic"))),
            "tags": tags,
            "tags_all": dict(tags),
        }
    )
    return attrs


def queue_attributes(url: str, api: Mapping[str, Any], tags: dict[str, str]) -> dict[str, JSON]:
    attrs = map_attributes(api, QUEUE_ATTRIBUTES)
    name = url.rstrip("/").rsplit("/", 1)[-1]
    attrs.update(
        {
            "id": url,
            "name": name,
            "name_prefix": name_prefix(name, bool(attrs.get("fifo_queue"))),
            "tags": tags,
            "tags_all": dict(tags),
            "url": url,
        }
    )
    return attrs


def _gone(exc: botocore.exceptions.ClientError) -> bool:
    return error_code(exc) in (
        "NotFound",
        "NotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
    )


def _read_topic(client: Any, region: str, arn: str) -> LiveResource | None:
    try:
        api = client.get_topic_attributes(TopicArn=arn).get("Attributes") or {}
        tags = provider_tags(client.list_tags_for_resource(ResourceArn=arn).get("Tags"))
    except botocore.exceptions.ClientError as exc:
        if _gone(exc):
            return None
        raise
    return LiveResource(TOPIC, arn, region, topic_attributes(api, tags))


def _read_queue(client: Any, region: str, url: str) -> LiveResource | None:
    try:
        answer = client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
        raw_tags = client.list_queue_tags(QueueUrl=url).get("Tags") or {}
    except botocore.exceptions.ClientError as exc:
        if _gone(exc):
            return None
        raise
    tags = provider_tags({"Key": k, "Value": v} for k, v in raw_tags.items())
    return LiveResource(
        QUEUE, url, region, queue_attributes(url, answer.get("Attributes") or {}, tags)
    )


def list_queue_urls(client: Any) -> list[str]:
    """ListQueues pages. SQS leaves `QueueUrls` out of a page that has none (an account
    without queues answers `{}`), which the session's response check calls malformed: for that
    one field, an empty page, and the listing ends there."""
    urls: list[str] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"MaxResults": 1000}
        if token:
            kwargs["NextToken"] = token
        try:
            page = client.list_queues(**kwargs)
        except MalformedResponse as exc:
            if str(exc.kwargs.get("detail", "")).endswith("QueueUrls is missing"):
                return urls
            raise
        urls.extend(str(u) for u in page.get("QueueUrls") or ())
        token = page.get("NextToken")
        if not token:
            return urls


def _filled(
    found: LiveResource | None, table: Mapping[str, tuple[str, str]], state: Mapping[str, JSON]
) -> LiveResource | None:
    """The live object with the state's value for every mapped attribute AWS left out."""
    if found is None:
        return None
    kept = {k: state[k] for k in table if k not in found.attributes and k in state}
    return replace(found, attributes={**found.attributes, **kept}) if kept else found


class SnsReader(Reader):
    """SNS topics of one region."""

    types: ClassVar[tuple[str, ...]] = (TOPIC,)
    service: ClassVar[str] = "sns"

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"sns/{ctx.region}", "topics")
        client = ctx.client("sns")
        return read_listed(
            fails,
            lambda: (str(t["TopicArn"]) for t in paginate(client, "list_topics", "Topics")),
            functools.partial(_read_topic, client, ctx.region),
            TOPIC,
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        return _filled(live.get(type_, state_id), TOPIC_ATTRIBUTES, state_attributes)


class SqsReader(Reader):
    """SQS queues of one region."""

    types: ClassVar[tuple[str, ...]] = (QUEUE,)
    service: ClassVar[str] = "sqs"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {QUEUE: frozenset({"timeouts"})}

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"sqs/{ctx.region}", "queues")
        client = ctx.client("sqs")
        return read_listed(
            fails,
            lambda: list_queue_urls(client),
            functools.partial(_read_queue, client, ctx.region),
            QUEUE,
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        return _filled(live.get(type_, state_id), QUEUE_ATTRIBUTES, state_attributes)
