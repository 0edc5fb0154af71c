"""The AWS operations driftpatch may call: an allow-list, not a naming convention.

A prefix check (Describe/List/Get/Head) lets through calls that read nothing and mint something,
such as `sts:GetSessionToken`, `sts:GetFederationToken` or `ecr:GetAuthorizationToken`. So every
client driftpatch creates refuses, before a request is signed, any operation not named here.
tests/aws/test_read_only.py checks each entry is a real read-only operation of its service and
that the readers call nothing else; adding a reader means adding its operations here.
"""

from __future__ import annotations

from typing import Any

from driftpatch.errors import ReadOnlyViolation

READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head", "Lookup")

# service (botocore's service name) -> operations (botocore's operation names).
ALLOWED: dict[str, frozenset[str]] = {
    "autoscaling": frozenset({"DescribeAutoScalingGroups", "DescribeLaunchConfigurations"}),
    "cloudtrail": frozenset(
        {"DescribeTrails", "GetEventSelectors", "GetInsightSelectors", "GetTrailStatus", "ListTags"}
    ),
    "cloudwatch": frozenset({"DescribeAlarms", "ListTagsForResource"}),
    "config": frozenset(
        {
            "DescribeConfigurationRecorderStatus",
            "DescribeConfigurationRecorders",
            "ListTagsForResource",
        }
    ),
    "ec2": frozenset(
        {
            "DescribeAddresses",
            "DescribeAddressesAttribute",
            "DescribeEgressOnlyInternetGateways",
            "DescribeFlowLogs",
            "DescribeImages",
            "DescribeInstanceAttribute",
            "DescribeInstanceCreditSpecifications",
            "DescribeInstanceTypes",
            "DescribeInstances",
            "DescribeInternetGateways",
            "DescribeLaunchTemplateVersions",
            "DescribeLaunchTemplates",
            "DescribeNatGateways",
            "DescribeNetworkAcls",
            "DescribeNetworkInterfaces",
            "DescribePrefixLists",
            "DescribeRouteTables",
            "DescribeSecurityGroupRules",
            "DescribeSecurityGroups",
            "DescribeSnapshots",
            "DescribeSpotInstanceRequests",
            "DescribeSubnets",
            "DescribeVolumes",
            "DescribeVpcAttribute",
            "DescribeVpcEndpoints",
            "DescribeVpcs",
        }
    ),
    "dynamodb": frozenset(
        {
            "DescribeContinuousBackups",
            "DescribeTable",
            "DescribeTimeToLive",
            "ListTables",
            "ListTagsOfResource",
        }
    ),
    "ecr": frozenset({"DescribeRepositories", "ListTagsForResource"}),
    "elb": frozenset({"DescribeLoadBalancerAttributes", "DescribeLoadBalancers", "DescribeTags"}),
    "elbv2": frozenset(
        {
            "DescribeCapacityReservation",
            "DescribeListenerAttributes",
            "DescribeListeners",
            "DescribeLoadBalancerAttributes",
            "DescribeLoadBalancers",
            "DescribeTags",
            "DescribeTargetGroupAttributes",
            "DescribeTargetGroups",
        }
    ),
    "guardduty": frozenset({"GetDetector", "ListDetectors", "ListTagsForResource"}),
    "iam": frozenset(
        {
            "GetAccountPasswordPolicy",
            "GetAccountAuthorizationDetails",
            "GetAccountSummary",
            "GetInstanceProfile",
            "GetPolicy",
            "GetRole",
            "ListAccessKeys",
            "ListInstanceProfiles",
            "ListRoles",
        }
    ),
    "kms": frozenset(
        {
            "DescribeKey",
            "GetKeyPolicy",
            "GetKeyRotationStatus",
            "ListAliases",
            "ListKeys",
            "ListResourceTags",
        }
    ),
    "lambda": frozenset(
        {
            "GetFunction",
            "GetFunctionCodeSigningConfig",
            "ListFunctions",
            "ListVersionsByFunction",
        }
    ),
    "logs": frozenset({"DescribeLogGroups", "ListTagsForResource"}),
    "rds": frozenset(
        {
            "DescribeDBParameterGroups",
            "DescribeDBParameters",
            "DescribeDBSubnetGroups",
            "ListTagsForResource",
        }
    ),
    "route53": frozenset(
        {
            "GetHostedZone",
            "ListHostedZones",
            "ListResourceRecordSets",
            "ListTagsForResources",
        }
    ),
    "s3": frozenset(
        {
            "GetBucketAccelerateConfiguration",
            "GetBucketAcl",
            "GetBucketCors",
            "GetBucketEncryption",
            "GetBucketLifecycleConfiguration",
            "GetBucketLocation",
            "GetBucketLogging",
            "GetBucketPolicy",
            "GetBucketReplication",
            "GetBucketRequestPayment",
            "GetBucketTagging",
            "GetBucketVersioning",
            "GetBucketWebsite",
            "GetObject",  # the state file of an S3 backend
            "GetObjectLockConfiguration",
            "GetPublicAccessBlock",
            "ListBuckets",
        }
    ),
    "secretsmanager": frozenset({"DescribeSecret", "GetResourcePolicy", "ListSecrets"}),
    "sns": frozenset({"GetTopicAttributes", "ListTagsForResource", "ListTopics"}),
    "sqs": frozenset({"GetQueueAttributes", "ListQueueTags", "ListQueues"}),
    "ssm": frozenset({"DescribeParameters", "GetParameters", "ListTagsForResource"}),
    "sts": frozenset({"GetCallerIdentity"}),
}
# readers-misc: EKS, ACM, Lambda permissions.
ALLOWED["eks"] = frozenset(
    {"DescribeCluster", "DescribeNodegroup", "ListClusters", "ListNodegroups"}
)
ALLOWED["acm"] = frozenset({"DescribeCertificate", "ListCertificates", "ListTagsForCertificate"})
ALLOWED["lambda"] = ALLOWED["lambda"] | {"GetPolicy"}

# -- layout (issue 11 item 5): --role-arn --------------------------------------------------------
# Not a read, and allowed all the same: sts:AssumeRole changes nothing in any account; it returns
# short-lived credentials for a role the user named (`scan --role-arn`), and every call made with
# them passes this same guard. tests/aws/test_read_only.py lists it as the one exception.
CREDENTIAL_CALLS: dict[str, frozenset[str]] = {"sts": frozenset({"AssumeRole"})}
ALLOWED["sts"] = ALLOWED["sts"] | CREDENTIAL_CALLS["sts"]


# readers-compute: key pairs, VPN and customer gateways (aws/readers/ec2_extra.py; its network
# interfaces use DescribeNetworkInterfaces, listed above).
ALLOWED["ec2"] = ALLOWED["ec2"] | {
    "DescribeCustomerGateways",
    "DescribeKeyPairs",
    "DescribeVpnGateways",
}

# readers-db (RDS DB instances, option groups; Neptune clusters, instances, snapshots).
ALLOWED["rds"] = ALLOWED["rds"] | {
    "DescribeDBClusterSnapshots",
    "DescribeDBClusters",
    "DescribeDBInstances",
    "DescribeGlobalClusters",
    "DescribeOptionGroups",
}

# calls (issue 13: fewer calls): S3 buckets' tags in bulk, GetResources pages per region instead
# of GetBucketTagging per bucket (aws/readers/s3.py `bulk_tags`).
ALLOWED["resourcegroupstaggingapi"] = frozenset({"GetResources"})


def is_allowed(service: str, operation: str) -> bool:
    return operation in ALLOWED.get(service, frozenset())


def refuse_unlisted(model: Any, **_: Any) -> None:
    """botocore `before-call` hook: raise before signing unless the operation is allowed."""
    service = model.service_model.service_name
    if not is_allowed(service, model.name):
        raise ReadOnlyViolation(
            f"refused {service}:{model.name}: driftpatch only makes the read-only calls "
            "listed in driftpatch/aws/allowlist.py"
        )


def guard(client: Any) -> Any:
    """Register the allow-list on a boto3 client (every client driftpatch makes goes here)."""
    client.meta.events.register("before-call.*.*", refuse_unlisted)
    return client
