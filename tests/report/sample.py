"""A hand-built report with one of everything, shared by the reporter tests."""

from __future__ import annotations

from driftpatch.model import (
    Category,
    Check,
    Effect,
    Finding,
    Inputs,
    Kind,
    Location,
    Patch,
    PatchAction,
    Report,
    ResourceEntry,
    ResourceStatus,
    ScanError,
    Severity,
    finding_sort_key,
)

IMDS = Finding(
    kind=Kind.MISCONFIG,
    rule_id="DP-EC2-001",
    title="Instance allows IMDSv1",
    severity=Severity.HIGH,
    category=Category.COMPUTE,
    resource_type="aws_instance",
    address='module.app.aws_instance.web["a"]',
    resource_id="i-0abc",
    attribute="metadata_options[0].http_tokens",
    expected="required",
    actual="optional",
    location=Location("modules/app/main.tf", 12, 12),
    description="IMDSv1 answers any request from the instance, including SSRF'd ones.",
    risk="Credential theft via SSRF.",
    remediation='Set metadata_options { http_tokens = "required" }.',
    references=(
        "CIS AWS 5.6",
        "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html",
    ),
    also=("CKV_AWS_79",),
)
TAG = Finding(
    kind=Kind.DRIFT,
    rule_id="DRIFT",
    title="tags.Env changed outside Terraform",
    severity=Severity.LOW,
    category=Category.DRIFT,
    resource_type="aws_s3_bucket",
    address="aws_s3_bucket.logs",
    resource_id="acme-logs",
    attribute="tags.Env",
    expected="prod",
    actual="prod | test",
    location=Location("terraform/main.tf", 5, 5),
    description="State says prod; AWS has prod | test.",
    remediation="Codify or re-apply.",
)
UNMANAGED = Finding(
    kind=Kind.UNMANAGED,
    rule_id="DRIFT-UNMANAGED",
    title="aws_s3_bucket scratch-<b> is not managed by Terraform",
    severity=Severity.MEDIUM,
    category=Category.DRIFT,
    resource_type="aws_s3_bucket",
    resource_id="scratch-<b>",
    actual={"id": "scratch-<b>", "region": "us-east-1"},
)
PATCH = Patch(
    file="modules/app/main.tf",
    diff=(
        "--- a/modules/app/main.tf\n+++ b/modules/app/main.tf\n@@ -11,3 +11,3 @@\n"
        '   metadata_options {\n-    http_tokens = "optional"\n+    http_tokens = "required"\n'
        "   }\n"
    ),
    finding_ids=(IMDS.id,),
    action=PatchAction.FIX,
    verified=True,
    verified_by=(Check.RULE, Check.SCHEMA, Check.TERRAFORM_VALIDATE, Check.TERRAFORM_PLAN),
    plan_effect={"module.app.aws_instance.web[0]": Effect.UPDATE},
    in_default_patch=True,
)
IMPORT = Patch(
    file="terraform/imported.tf",
    diff=(
        "--- /dev/null\n+++ b/terraform/imported.tf\n@@ -0,0 +1,8 @@\n+import {\n"
        '+  to = aws_s3_bucket.scratch_b\n+  id = "scratch-<b>"\n+}\n+\n'
        '+resource "aws_s3_bucket" "scratch_b" {\n+  bucket = "scratch-<b>"\n+}\n'
    ),
    finding_ids=(UNMANAGED.id,),
    action=PatchAction.IMPORT,
    verified=False,
    note="not verified: needs terraform",
    reason="terraform plan does not import aws_s3_bucket.scratch_b",
)

REPORT = Report(
    tool_version="0.1.0",
    scanned_at="2026-11-22T12:00:00+00:00",
    inputs=Inputs(
        states=("terraform/terraform.tfstate",), source="terraform", regions=("us-east-1",)
    ),
    findings=tuple(sorted((TAG, IMDS, UNMANAGED), key=finding_sort_key)),
    resources=(
        ResourceEntry(
            "aws_s3_bucket.logs",
            "aws_s3_bucket",
            "acme-logs",
            ResourceStatus.DRIFTED,
            Location("terraform/main.tf", 1, 9),
        ),
        ResourceEntry(
            'module.app.aws_instance.web["a"]',
            "aws_instance",
            "i-0abc",
            ResourceStatus.IN_SYNC,
            Location("modules/app/main.tf", 1, 20),
        ),
        ResourceEntry("aws_kms_key.main", "aws_kms_key", "k-1", ResourceStatus.MISSING, None),
        ResourceEntry(None, "aws_s3_bucket", "scratch-<b>", ResourceStatus.UNMANAGED, None),
    ),
    patches=(PATCH, IMPORT),
    errors=(ScanError("iam/global", "ListRoles: AccessDenied: not authorized"),),
    combined_patch=PATCH.diff + IMPORT.diff,
    anchor=Location("terraform/providers.tf", 1, 4),
    sarif_category="driftpatch/scan/terraform",
)
