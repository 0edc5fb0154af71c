"""The sample report plus what the HTML page must cope with: long JSON values, values that try
to inject markup or script, long addresses, unread resources, notices, warnings, a history and a
`code_url` (as in GitHub Actions)."""

from __future__ import annotations

import dataclasses

from driftpatch.model import (
    Category,
    Finding,
    FindingHistory,
    Kind,
    Location,
    Patch,
    PatchAction,
    ResourceEntry,
    ResourceStatus,
    ScanError,
    Severity,
    finding_sort_key,
)
from tests.report.sample import REPORT

CODE_URL = "https://github.com/acme/infra/blob/0123456789abcdef0123456789abcdef01234567/"
INJECT = '</script><script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": f"Allow{n}",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::123456789012:role/reader-{n}"},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"],
        }
        for n in range(3)
    ],
}
S3_RULE = Finding(
    kind=Kind.DRIFT,
    rule_id="DP-S3-004",
    title="Bucket policy changed outside Terraform",
    severity=Severity.CRITICAL,
    category=Category.DRIFT,
    resource_type="aws_s3_bucket_policy",
    address='module.storage["eu-west-1-analytics"].aws_s3_bucket_policy.data_lake_read_only["x"]',
    resource_id="acme-data",
    attribute="policy",
    expected={"Version": "2012-10-17", "Statement": []},
    actual=POLICY,
    location=Location("modules/storage/policies/data-lake/main.tf", 120, 140),
    description="A statement was added by hand.",
)
CKV = Finding(
    kind=Kind.MISCONFIG,
    rule_id="CKV_AWS_20",
    title="S3 bucket has a public-read ACL " + INJECT,
    severity=Severity.HIGH,
    category=Category.DATA,
    resource_type="aws_s3_bucket",
    address="aws_s3_bucket.public",
    resource_id="acme-public",
    attribute="acl",
    expected="private",
    actual=INJECT,
    location=Location("terraform/s3.tf", 3, 9),
    description=INJECT,
    references=("javascript:window.__pwned=3",),
)
WITH_FIX = Patch(
    file="terraform/s3.tf",
    diff='--- a/terraform/s3.tf\n+++ b/terraform/s3.tf\n@@ -4 +4 @@\n-  acl = "public-read"\n'
    '+  acl = "private"\n',
    finding_ids=(CKV.id,),
    action=PatchAction.FIX,
    verified=True,
    in_default_patch=True,
)
UNREAD = ResourceEntry("aws_vpc.main", "aws_vpc", "vpc-0abc", ResourceStatus.UNREAD, None)

RICH = dataclasses.replace(
    REPORT,
    findings=tuple(sorted((*REPORT.findings, S3_RULE, CKV), key=finding_sort_key)),
    patches=(*REPORT.patches, WITH_FIX),
    resources=(*REPORT.resources, UNREAD),
    errors=(*REPORT.errors, ScanError("ec2/us-east-1", "DescribeVpcs: throttled past retries")),
    notices=("checkov not found: its checks were skipped",),
    warnings=(ScanError("plan", "Terraform 0.12 plan: short addresses read past", "warning"),),
    history={
        S3_RULE.id: FindingHistory("2026-11-22T12:00:00+00:00", "2026-11-22T12:00:00+00:00", "new"),
        CKV.id: FindingHistory(
            "2026-11-01T02:00:00+00:00", "2026-11-22T12:00:00+00:00", "recurring"
        ),
    },
    code_url=CODE_URL,
)
