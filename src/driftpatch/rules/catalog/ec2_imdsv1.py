"""DP-EC2-001: the instance metadata service accepts IMDSv1 (token-less) requests."""

from __future__ import annotations

from collections.abc import Iterable

from driftpatch.model import Category, Severity
from driftpatch.rules.catalog._helpers import blocks
from driftpatch.rules.interface import (
    UNKNOWN,
    Fix,
    Rule,
    RuleMeta,
    SetValue,
    Subject,
    Violation,
    World,
)

TOKENS = "metadata_options[0].http_tokens"


class Imdsv1Allowed(Rule):
    meta = RuleMeta(
        id="DP-EC2-001",
        title="EC2 instance metadata service allows IMDSv1",
        severity=Severity.HIGH,
        category=Category.COMPUTE,
        resource_types=("aws_instance", "aws_launch_template"),
        description=(
            'metadata_options.http_tokens is not "required", so the instance metadata service '
            "answers requests without a session token (IMDSv1). Without a metadata_options "
            'block the provider default is "optional" (unless the AMI is flagged IMDSv2-only). '
            'An endpoint that is turned off (http_endpoint = "disabled") is not reported.'
        ),
        risk=(
            "A server-side request forgery in any application on the instance can read the "
            "instance role's temporary credentials from 169.254.169.254 and use them from "
            "anywhere; IMDSv2's session token defeats simple SSRF."
        ),
        remediation=(
            'Set metadata_options { http_tokens = "required" } (keep '
            "http_put_response_hop_limit = 1 unless containers on the host need the service). "
            "Check first that the software on the instance uses an SDK version that supports "
            "IMDSv2. On instances this changes in place; launch templates get a new version."
        ),
        references=(
            "CIS AWS 5.6",
            "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html",
        ),
        checkov=("CKV_AWS_79",),
    )

    def evaluate(self, subject: Subject, world: World) -> Iterable[Violation]:
        options = subject.get("metadata_options")
        if options is UNKNOWN:
            return
        first = blocks(options)[:1]
        if first:
            if first[0].get("http_endpoint") == "disabled":
                return
            tokens = first[0].get("http_tokens")
        else:
            tokens = None
        if tokens is UNKNOWN or tokens == "required":
            return
        if tokens is None:
            yield Violation(
                TOKENS, "optional", "required", "http_tokens not set (defaults to optional)"
            )
        else:
            yield Violation(TOKENS, tokens, "required", f"http_tokens is {tokens}")

    def fix(self, subject: Subject, violation: Violation) -> Fix | None:
        return Fix((SetValue(TOKENS, "required"),), 'Require IMDSv2 (http_tokens = "required")')


RULE = Imdsv1Allowed()
