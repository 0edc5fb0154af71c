"""Value shaping of the EKS, ACM, Lambda permission and S3 ACL / lifecycle readers on recorded
API responses (the shapes moto does not produce), and DP-S3-001 on the live ACL parts."""

from __future__ import annotations

import datetime
import json

from driftpatch.aws.readers import LiveIndex, LiveResource
from driftpatch.aws.readers.acm import AcmReader, certificate_attributes
from driftpatch.aws.readers.eks import EksReader, cluster_attributes, node_group_attributes
from driftpatch.aws.readers.lambda_permission import (
    LambdaPermissionReader,
    function_name_of,
    policy_permissions,
)
from driftpatch.aws.readers.s3_extra import acl_attributes, lifecycle_attributes
from driftpatch.rules.catalog.s3_public_acl import RULE as PUBLIC_ACL
from driftpatch.rules.interface import World
from driftpatch.rules.subjects import from_live

ARN = "arn:aws:lambda:us-east-1:123456789012:function:fn"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def test_permission_statements_and_their_conditions() -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "FromBucket",
                    "Effect": "Allow",
                    "Principal": {"Service": "s3.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                    "Resource": ARN,
                    "Condition": {
                        "StringEquals": {"AWS:SourceAccount": "123456789012"},
                        "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::b"},
                    },
                },
                {
                    "Sid": "Account",
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                    "Action": "lambda:InvokeFunction",
                    "Resource": ARN,
                },
                {  # an alias's statement: read from the alias's own policy, not here
                    "Sid": "OnAlias",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "lambda:InvokeFunction",
                    "Resource": f"{ARN}:live",
                },
            ],
        }
    )
    live = LiveIndex(tuple(policy_permissions("fn", policy, "us-east-1")))
    assert sorted(r.id for r in live) == ["fn/Account", "fn/FromBucket"]
    reader = LambdaPermissionReader()
    state = {"function_name": ARN, "qualifier": "", "event_source_token": None}
    found = reader.match("aws_lambda_permission", "FromBucket", state, live)
    assert found is not None
    assert {k: found.attributes[k] for k in sorted(found.attributes)} == {
        "action": "lambda:InvokeFunction",
        "event_source_token": "",  # StringEquals present: "" for its missing keys
        "function_name": ARN,  # the state's spelling: an ARN stays an ARN
        "function_url_auth_type": "",
        "id": "FromBucket",
        "principal": "s3.amazonaws.com",
        "principal_org_id": "",
        "qualifier": "",
        "source_account": "123456789012",
        "source_arn": "arn:aws:s3:::b",
        "statement_id": "FromBucket",
        "statement_id_prefix": "",
    }
    bare = {"function_name": "fn", "source_arn": None, "source_account": None}
    account = reader.match("aws_lambda_permission", "Account", bare, live)
    assert account is not None
    assert account.attributes["principal"] == "arn:aws:iam::210987654321:root"
    assert account.attributes["function_name"] == "fn"
    # No condition block: the provider keeps the state's values.
    assert account.attributes["source_arn"] is None and account.attributes["source_account"] is None
    on_alias = {"function_name": "fn", "qualifier": "live"}
    assert reader.unread_instance("aws_lambda_permission", "OnAlias", on_alias, live)
    assert not reader.unread_instance("aws_lambda_permission", "Account", bare, live)
    assert function_name_of("123456789012:function:fn") == "fn"
    assert function_name_of(f"{ARN}:live") == "fn"


def test_eks_blocks_aws_fills_in() -> None:
    cluster = {
        "name": "c",
        "arn": "arn:aws:eks:us-east-1:123456789012:cluster/c",
        "createdAt": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC),
        "version": "1.31",
        "roleArn": "arn:aws:iam::123456789012:role/eks",
        "resourcesVpcConfig": {
            "subnetIds": ["subnet-b", "subnet-a"],
            "securityGroupIds": [],
            "clusterSecurityGroupId": "sg-1",
            "vpcId": "vpc-1",
            "endpointPublicAccess": False,
            "endpointPrivateAccess": True,
            "publicAccessCidrs": ["0.0.0.0/0"],
        },
        "logging": {
            "clusterLogging": [
                {"types": ["scheduler", "api"], "enabled": True},
                {"types": ["audit"], "enabled": False},
            ]
        },
        "accessConfig": {"authenticationMode": "API_AND_CONFIG_MAP"},
        "encryptionConfig": [{"resources": ["secrets"], "provider": {"keyArn": "arn:k"}}],
        "upgradePolicy": {"supportType": "EXTENDED"},
        "tags": {"Env": "prod", "aws:eks:owned": "x"},
    }
    attrs = cluster_attributes(cluster)
    assert attrs["enabled_cluster_log_types"] == ["api", "scheduler"]
    assert attrs["vpc_config"][0]["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert attrs["encryption_config"] == [
        {"provider": [{"key_arn": "arn:k"}], "resources": ["secrets"]}
    ]
    assert attrs["upgrade_policy"] == [{"support_type": "EXTENDED"}]
    assert attrs["created_at"] == "2026-01-02T03:04:05Z"
    assert attrs["tags"] == {"Env": "prod"} and attrs["cluster_id"] is None
    assert attrs["zonal_shift_config"] == [] and attrs["identity"] == []
    # The creator-admin flag is create-time only: kept from state.
    live = LiveIndex((LiveResource("aws_eks_cluster", "c", "us-east-1", attrs),))
    state = {"access_config": [{"authentication_mode": "API", CREATOR: True}]}
    found = EksReader().match("aws_eks_cluster", "c", state, live)
    assert found is not None
    assert found.attributes["access_config"] == [
        {"authentication_mode": "API_AND_CONFIG_MAP", CREATOR: True}
    ]


CREATOR = "bootstrap_cluster_creator_admin_permissions"


def test_acm_email_validation_and_renewal() -> None:
    cert = {
        "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/1",
        "DomainName": "a.example.com",
        "SubjectAlternativeNames": ["b.example.com", "a.example.com"],
        "DomainValidationOptions": [
            {
                "DomainName": "a.example.com",
                "ValidationEmails": ["admin@example.com"],
                "ValidationMethod": "EMAIL",
            }
        ],
        "Status": "ISSUED",
        "Type": "AMAZON_ISSUED",
        "KeyAlgorithm": "EC-prime256v1",
        "RenewalEligibility": "ELIGIBLE",
        "RenewalSummary": {
            "RenewalStatus": "SUCCESS",
            "UpdatedAt": datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC),
        },
        "Options": {"CertificateTransparencyLoggingPreference": "DISABLED"},
    }
    attrs = certificate_attributes(cert, {"Env": "prod"})
    assert attrs["validation_method"] == "EMAIL"
    assert attrs["validation_emails"] == ["admin@example.com"]
    assert attrs["domain_validation_options"] == []  # no DNS record: not in the set
    assert attrs["key_algorithm"] == "EC_prime256v1"
    assert attrs["subject_alternative_names"] == ["a.example.com", "b.example.com"]
    assert attrs["not_after"] is None and attrs["pending_renewal"] is False
    assert attrs["renewal_summary"] == [
        {
            "renewal_status": "SUCCESS",
            "renewal_status_reason": "",
            "updated_at": "2026-02-01T00:00:00Z",
        }
    ]
    live = LiveIndex((LiveResource("aws_acm_certificate", attrs["id"], "us-east-1", attrs),))
    state = {"early_renewal_duration": "720h", "pending_renewal": True}
    found = AcmReader().match("aws_acm_certificate", str(attrs["id"]), state, live)
    assert found is not None and found.attributes["pending_renewal"] is True
    assert "private_key" in AcmReader.unreadable["aws_acm_certificate"]


def test_lifecycle_rule_with_and_filter_and_dates() -> None:
    response = {
        "Rules": [
            {
                "ID": "r",
                "Status": "Enabled",
                "Filter": {
                    "And": {
                        "Prefix": "p/",
                        "Tags": [{"Key": "k", "Value": "v"}],
                        "ObjectSizeGreaterThan": 10,
                    }
                },
                "Expiration": {"Date": datetime.datetime(2027, 1, 1, tzinfo=datetime.UTC)},
                "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
            }
        ]
    }
    rule = lifecycle_attributes("b", response)["rule"][0]
    assert rule["filter"] == [
        {
            "and": [
                {
                    "object_size_greater_than": 10,
                    "object_size_less_than": 0,
                    "prefix": "p/",
                    "tags": {"k": "v"},
                }
            ],
            "object_size_greater_than": None,
            "object_size_less_than": None,
            "prefix": "",
            "tag": [],
        }
    ]
    assert rule["expiration"] == [
        {"date": "2027-01-01T00:00:00Z", "days": 0, "expired_object_delete_marker": False}
    ]
    assert rule["abort_incomplete_multipart_upload"] == [{"days_after_initiation": 7}]
    assert rule["transition"] == [] and rule["noncurrent_version_expiration"] == []


def test_public_acl_is_judged_once_on_live() -> None:
    """Every live bucket has an aws_s3_bucket_acl part from the same GetBucketAcl: a public
    grant is one DP-S3-001 finding, on the bucket, unless a state manages the ACL."""
    acl = {
        "Owner": {"ID": "abc"},
        "Grants": [{"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"}],
    }
    bucket_attrs = {
        "id": "b",
        "bucket": "b",
        "grant": [{"id": "", "permissions": ["READ"], "type": "Group", "uri": ALL_USERS}],
    }
    resources = (
        LiveResource("aws_s3_bucket", "b", "us-east-1", bucket_attrs),
        LiveResource("aws_s3_bucket_acl", "b", "us-east-1", acl_attributes("b", acl)),
    )
    unmanaged = from_live(resources, {("aws_s3_bucket", "b"): "aws_s3_bucket.b"})
    world = World(unmanaged)
    found = {s.type: [v.attribute for v in PUBLIC_ACL.evaluate(s, world)] for s in unmanaged}
    assert found == {"aws_s3_bucket": ["grant"], "aws_s3_bucket_acl": []}
    managed = from_live(
        resources,
        {
            ("aws_s3_bucket", "b"): "aws_s3_bucket.b",
            ("aws_s3_bucket_acl", "b"): "aws_s3_bucket_acl.b",
        },
    )
    world = World(managed)
    found = {s.type: [v.attribute for v in PUBLIC_ACL.evaluate(s, world)] for s in managed}
    assert found == {"aws_s3_bucket": [], "aws_s3_bucket_acl": ["access_control_policy[0].grant"]}


def test_node_group_id_blocks_and_sets() -> None:
    group = {
        "nodegroupName": "workers",
        "clusterName": "c",
        "nodegroupArn": "arn:aws:eks:us-east-1:123456789012:nodegroup/c/workers/1",
        "subnets": ["subnet-b", "subnet-a"],
        "scalingConfig": {"desiredSize": 2, "maxSize": 3, "minSize": 1},
        "remoteAccess": {"ec2SshKey": "k", "sourceSecurityGroups": ["sg-2", "sg-1"]},
        "resources": {"autoScalingGroups": [{"name": "asg"}]},
        "taints": [{"key": "k", "value": "v", "effect": "NO_SCHEDULE"}],
        "updateConfig": {"maxUnavailable": 1},
    }
    attrs = node_group_attributes(group)
    assert attrs["id"] == "c:workers" and attrs["subnet_ids"] == ["subnet-a", "subnet-b"]
    assert attrs["remote_access"] == [
        {"ec2_ssh_key": "k", "source_security_group_ids": ["sg-1", "sg-2"]}
    ]
    assert attrs["resources"] == [
        {"autoscaling_groups": [{"name": "asg"}], "remote_access_security_group_id": ""}
    ]
    assert attrs["update_config"] == [{"max_unavailable": 1, "max_unavailable_percentage": 0}]
    assert attrs["launch_template"] == [] and attrs["disk_size"] == 0 and attrs["labels"] == {}
    assert attrs["taint"] == [{"effect": "NO_SCHEDULE", "key": "k", "value": "v"}]
