"""Lambda functions (per region), shaped as hashicorp/aws 5.100.0 writes aws_lambda_function
to state after a refresh.

- Listing is bulk (ListFunctions pages of 50), but the provider's state needs what only the
  per-function calls return, so each function costs, in a bounded pool:
  GetFunction (configuration, tags, reserved concurrency, image URI) + ListVersionsByFunction
  (the provider writes the *last listed* version as `version` / `qualified_arn`) +
  GetFunctionCodeSigningConfig (Zip functions, in the regions where the provider asks: the
  AWS Signer regions; elsewhere it keeps the state's value, and so does `match`).
- Unreadable (the provider keeps them from configuration; AWS never returns them): the code's
  source (`filename`, `s3_bucket`, `s3_key`, `s3_object_version`, `source_code_hash`),
  `publish`, `skip_destroy`, `replace_security_groups_on_destroy`,
  `replacement_security_group_ids` and `timeouts`. A code change made by hand still shows, as
  `code_sha256` / `source_code_size`, which are computed-only and so never reported as drift on
  their own: the provider itself plans no change for them either.
- Nil handling follows the provider's flatteners: no dead-letter target -> `[]`, no reserved
  concurrency -> -1, no tracing config -> PassThrough, SnapStart "None" -> `[]`, a VPC config
  with no VPC, subnets or groups -> `[]`.
- No function is created by AWS itself, so none is an account default.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    Failures,
    is_not_found,
    paginate,
    pstr,
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

FUNCTION = "aws_lambda_function"
SIGNING = "code_signing_config_arn"
# The regions where the provider reads code signing (its signerServiceIsAvailable list).
SIGNER_REGIONS = frozenset(
    {
        "us-east-1",
        "us-east-2",
        "us-west-1",
        "us-west-2",
        "af-south-1",
        "ap-east-1",
        "ap-south-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-northeast-1",
        "ca-central-1",
        "eu-central-1",
        "eu-west-1",
        "eu-west-2",
        "eu-south-1",
        "eu-west-3",
        "eu-north-1",
        "me-south-1",
        "sa-east-1",
    }
)


def signing_read(region: str, arn: str, package_type: str) -> bool:
    """Whether the provider reads (and so overwrites) code_signing_config_arn here."""
    return arn.startswith("arn:aws:") and region in SIGNER_REGIONS and package_type == "Zip"


def invoke_arn(function_arn: str) -> str:
    """API Gateway's invocation ARN of a function (or of one of its versions)."""
    parts = function_arn.split(":")
    partition, region = (parts[1], parts[3]) if len(parts) > 4 else ("aws", "")
    return (
        f"arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/"
        f"{function_arn}/invocations"
    )


def _strings(value: Any) -> list[JSON]:
    return [str(v) for v in value or ()]


def _vpc_config(vpc: Mapping[str, Any] | None) -> list[JSON]:
    if not vpc:
        return []
    subnets, groups = _strings(vpc.get("SubnetIds")), _strings(vpc.get("SecurityGroupIds"))
    if not subnets and not groups and not vpc.get("VpcId"):
        return []
    return [
        {
            "ipv6_allowed_for_dual_stack": bool(vpc.get("Ipv6AllowedForDualStack")),
            "security_group_ids": sorted(groups),
            "subnet_ids": sorted(subnets),
            "vpc_id": pstr(vpc.get("VpcId")),
        }
    ]


def _environment(env: Mapping[str, Any] | None) -> list[JSON]:
    if env is None:
        return []
    variables = env.get("Variables")
    block: dict[str, JSON] = {
        "variables": None if variables is None else {str(k): str(v) for k, v in variables.items()}
    }
    return [block]


def _image_config(response: Mapping[str, Any] | None) -> list[JSON]:
    if not response or response.get("Error") or response.get("ImageConfig") is None:
        return []
    config = response["ImageConfig"]
    return [
        {
            "command": _strings(config.get("Command")),
            "entry_point": _strings(config.get("EntryPoint")),
            "working_directory": pstr(config.get("WorkingDirectory")),
        }
    ]


def _logging_config(config: Mapping[str, Any] | None) -> list[JSON]:
    if config is None:
        return []
    return [
        {
            "application_log_level": pstr(config.get("ApplicationLogLevel")),
            "log_format": pstr(config.get("LogFormat")),
            "log_group": pstr(config.get("LogGroup")),
            "system_log_level": pstr(config.get("SystemLogLevel")),
        }
    ]


def _snap_start(snap: Mapping[str, Any] | None) -> list[JSON]:
    if snap is None or snap.get("ApplyOn") in (None, "None"):
        return []
    return [
        {
            "apply_on": pstr(snap.get("ApplyOn")),
            "optimization_status": pstr(snap.get("OptimizationStatus")),
        }
    ]


def function_attributes(
    got: Mapping[str, Any], latest: Mapping[str, Any] | None, signing: str
) -> dict[str, JSON]:
    """The provider's resourceFunctionRead of one GetFunction answer.

    `latest` is the last entry ListVersionsByFunction listed; `signing` the code signing
    config ARN ("" for none)."""
    fn = got["Configuration"]
    code = got.get("Code") or {}
    arn = pstr(fn.get("FunctionArn"))
    dead_letter = (fn.get("DeadLetterConfig") or {}).get("TargetArn")
    concurrency = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    storage = fn.get("EphemeralStorage")
    qualified = pstr((latest or {}).get("FunctionArn"))
    tags = {str(k): str(v) for k, v in sorted((got.get("Tags") or {}).items())}
    tags = {k: v for k, v in tags.items() if not k.startswith("aws:")}
    return {
        "architectures": _strings(fn.get("Architectures")),
        "arn": arn,
        "code_sha256": pstr(fn.get("CodeSha256")),
        SIGNING: signing,
        "dead_letter_config": [] if dead_letter is None else [{"target_arn": str(dead_letter)}],
        "description": pstr(fn.get("Description")),
        "environment": _environment(fn.get("Environment")),
        "ephemeral_storage": [] if storage is None else [{"size": int(storage.get("Size") or 0)}],
        "file_system_config": [
            {"arn": pstr(c.get("Arn")), "local_mount_path": pstr(c.get("LocalMountPath"))}
            for c in fn.get("FileSystemConfigs") or ()
        ],
        "function_name": pstr(fn.get("FunctionName")),
        "handler": pstr(fn.get("Handler")),
        "id": pstr(fn.get("FunctionName")),
        "image_config": _image_config(fn.get("ImageConfigResponse")),
        "image_uri": pstr(code.get("ImageUri")),
        "invoke_arn": invoke_arn(arn),
        "kms_key_arn": pstr(fn.get("KMSKeyArn")),
        "last_modified": pstr(fn.get("LastModified")),
        "layers": [pstr(layer.get("Arn")) for layer in fn.get("Layers") or ()],
        "logging_config": _logging_config(fn.get("LoggingConfig")),
        "memory_size": int(fn.get("MemorySize") or 0),
        "package_type": pstr(fn.get("PackageType")),
        "qualified_arn": qualified,
        "qualified_invoke_arn": invoke_arn(qualified),
        "reserved_concurrent_executions": -1 if concurrency is None else int(concurrency),
        "role": pstr(fn.get("Role")),
        "runtime": pstr(fn.get("Runtime")),
        "signing_job_arn": pstr(fn.get("SigningJobArn")),
        "signing_profile_version_arn": pstr(fn.get("SigningProfileVersionArn")),
        "snap_start": _snap_start(fn.get("SnapStart")),
        "source_code_size": int(fn.get("CodeSize") or 0),
        "tags": tags,
        "tags_all": dict(tags),
        "timeout": int(fn.get("Timeout") or 0),
        "tracing_config": [
            {"mode": pstr((fn.get("TracingConfig") or {}).get("Mode") or "PassThrough")}
        ],
        "version": pstr((latest or {}).get("Version")),
        "vpc_config": _vpc_config(fn.get("VpcConfig")),
    }


def _signing_config(client: Any, name: str) -> str:
    """A Zip function's code signing config ARN, "" for none.

    The service model marks CodeSigningConfigArn required, but the provider reads an answer
    without it as none (aws.ToString of nil), and moto answers null for a function that has
    none. The session's validator calls such an answer malformed; for this one field, and only
    it, the reader follows the provider."""
    try:
        answer = client.get_function_code_signing_config(FunctionName=name)
    except MalformedResponse as exc:
        if str(exc.kwargs.get("detail", "")).endswith("CodeSigningConfigArn is missing"):
            return ""
        raise
    return pstr(answer.get("CodeSigningConfigArn"))


def _read_function(client: Any, region: str, name: str) -> LiveResource | None:
    """One function's calls; None when it was deleted since the listing."""
    try:
        got = client.get_function(FunctionName=name)
        versions = paginate(client, "list_versions_by_function", "Versions", FunctionName=name)
        fn = got["Configuration"]
        signing = ""
        if signing_read(region, pstr(fn.get("FunctionArn")), pstr(fn.get("PackageType"))):
            signing = _signing_config(client, name)
    except botocore.exceptions.ClientError as exc:
        if is_not_found(exc) or error_code(exc) == "ResourceNotFoundException":
            return None
        raise
    attrs = function_attributes(got, versions[-1] if versions else None, signing)
    return LiveResource(FUNCTION, str(attrs["id"]), region, attrs)


class LambdaReader(Reader):
    """Lambda functions of one region."""

    types: ClassVar[tuple[str, ...]] = (FUNCTION,)
    service: ClassVar[str] = "lambda"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        FUNCTION: frozenset(
            {
                "filename",
                "publish",
                "replace_security_groups_on_destroy",
                "replacement_security_group_ids",
                "s3_bucket",
                "s3_key",
                "s3_object_version",
                "skip_destroy",
                "source_code_hash",
                "timeouts",
            }
        )
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"lambda/{ctx.region}", "functions")
        client = ctx.client("lambda")
        return read_listed(
            fails,
            lambda: (
                str(f["FunctionName"]) for f in paginate(client, "list_functions", "Functions")
            ),
            functools.partial(_read_function, client, ctx.region),
            FUNCTION,
        )

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By name; outside the Signer regions the provider keeps the state's
        code_signing_config_arn, and so does the match."""
        found = live.get(type_, state_id)
        if found is None or signing_read(
            found.region or "",
            str(found.attributes.get("arn", "")),
            str(found.attributes.get("package_type", "")),
        ):
            return found
        attrs = dict(found.attributes)
        attrs[SIGNING] = state_attributes.get(SIGNING, "")
        return replace(found, attributes=attrs)
