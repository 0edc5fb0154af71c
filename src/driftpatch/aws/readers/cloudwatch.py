"""CloudWatch metric alarms (per region), shaped as hashicorp/aws 5.100.0 writes
aws_cloudwatch_metric_alarm to state after a refresh.

- Calls: DescribeAlarms pages (100 metric alarms a page, everything the provider reads but
  tags); ListTagsForResource per alarm, in a bounded pool.
- Nil handling as the provider's read: no TreatMissingData -> "missing"; numbers AWS leaves
  out are 0, strings ""; `metric_query` is only set when the alarm has metric queries (else
  the state's value stays, and `match` keeps it).
- No alarm is created by AWS itself here, so none is an account default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
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
from driftpatch.aws.readers.interface import (
    LiveIndex,
    LiveResource,
    ReadContext,
    Reader,
    ReadResult,
)
from driftpatch.aws.session import error_code
from driftpatch.model import JSON

ALARM = "aws_cloudwatch_metric_alarm"
PAGE_SIZE = 100  # DescribeAlarms MaxRecords


def _number(value: Any) -> JSON:
    """A float64 as Terraform's state JSON writes it: 1, not 1.0."""
    f = float(value or 0)
    return int(f) if f.is_integer() else f


def _dimensions(dims: Any) -> dict[str, JSON]:
    return {pstr(d.get("Name")): pstr(d.get("Value")) for d in dims or ()}


def _query(query: Mapping[str, Any]) -> dict[str, JSON]:
    out: dict[str, JSON] = {
        "account_id": pstr(query.get("AccountId")),
        "expression": pstr(query.get("Expression")),
        "id": pstr(query.get("Id")),
        "label": pstr(query.get("Label")),
        "period": int(query.get("Period") or 0),
        "return_data": bool(query.get("ReturnData")),
        "metric": [],
    }
    stat = query.get("MetricStat")
    if stat is not None:
        metric = stat.get("Metric") or {}
        out["metric"] = [
            {
                "dimensions": _dimensions(metric.get("Dimensions")),
                "metric_name": pstr(metric.get("MetricName")),
                "namespace": pstr(metric.get("Namespace")),
                "period": int(stat.get("Period") or 0),
                "stat": pstr(stat.get("Stat")),
                "unit": pstr(stat.get("Unit")),
            }
        ]
    return out


def alarm_attributes(alarm: Mapping[str, Any], tags: dict[str, str]) -> dict[str, JSON]:
    """The provider's resourceMetricAlarmRead of one DescribeAlarms entry."""
    attrs: dict[str, JSON] = {
        "actions_enabled": bool(alarm.get("ActionsEnabled")),
        "alarm_actions": sorted(str(a) for a in alarm.get("AlarmActions") or ()),
        "alarm_description": pstr(alarm.get("AlarmDescription")),
        "alarm_name": pstr(alarm.get("AlarmName")),
        "arn": pstr(alarm.get("AlarmArn")),
        "comparison_operator": pstr(alarm.get("ComparisonOperator")),
        "datapoints_to_alarm": int(alarm.get("DatapointsToAlarm") or 0),
        "dimensions": _dimensions(alarm.get("Dimensions")),
        "evaluate_low_sample_count_percentiles": pstr(
            alarm.get("EvaluateLowSampleCountPercentile")
        ),
        "evaluation_periods": int(alarm.get("EvaluationPeriods") or 0),
        "extended_statistic": pstr(alarm.get("ExtendedStatistic")),
        "id": pstr(alarm.get("AlarmName")),
        "insufficient_data_actions": sorted(
            str(a) for a in alarm.get("InsufficientDataActions") or ()
        ),
        "metric_name": pstr(alarm.get("MetricName")),
        "namespace": pstr(alarm.get("Namespace")),
        "ok_actions": sorted(str(a) for a in alarm.get("OKActions") or ()),
        "period": int(alarm.get("Period") or 0),
        "statistic": pstr(alarm.get("Statistic")),
        "tags": tags,
        "tags_all": dict(tags),
        "threshold": _number(alarm.get("Threshold")),
        "threshold_metric_id": pstr(alarm.get("ThresholdMetricId")),
        "treat_missing_data": pstr(alarm.get("TreatMissingData") or "missing"),
        "unit": pstr(alarm.get("Unit")),
    }
    if alarm.get("Metrics"):
        attrs["metric_query"] = [_query(q) for q in alarm["Metrics"]]
    return attrs


class CloudWatchReader(Reader):
    """CloudWatch metric alarms of one region."""

    types: ClassVar[tuple[str, ...]] = (ALARM,)
    service: ClassVar[str] = "cloudwatch"

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"cloudwatch/{ctx.region}", "alarms")
        client = ctx.client("cloudwatch")
        listed = listing(
            fails,
            lambda: paginate(
                client,
                "describe_alarms",
                "MetricAlarms",
                AlarmTypes=["MetricAlarm"],
                PaginationConfig={"PageSize": PAGE_SIZE},
            ),
            ALARM,
        )
        if listed is None:
            return fails.result(())

        def read(alarm: Mapping[str, Any]) -> LiveResource | None:
            try:
                answer = client.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None  # deleted since the listing
                raise
            attrs = alarm_attributes(alarm, provider_tags(answer.get("Tags")))
            return LiveResource(ALARM, str(attrs["id"]), ctx.region, attrs)

        return fails.result(read_each(fails, listed, read, ALARM))

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By name; without metric queries live, the state's `metric_query` stays."""
        found = live.get(type_, state_id)
        if found is None or "metric_query" in found.attributes:
            return found
        if "metric_query" not in state_attributes:
            return found
        kept = {**found.attributes, "metric_query": state_attributes["metric_query"]}
        return replace(found, attributes=kept)
