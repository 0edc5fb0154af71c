"""Accounts reached through IAM roles (`scan --role-arn`): one sts:AssumeRole per role.

A team's nightly job usually runs with one identity (the CI runner's) and reads each account
through a read-only role there. `--role-arn` says which roles; the credentials of `--profile`
(or the default chain) assume them. The account a role reaches is the one its ARN names, known
before any call: a role that cannot be assumed still says which account was not read, so that
account's state instances are `unread` (exit 3), never `missing` or compared with another
account's objects.

sts:AssumeRole is the one allow-listed operation that is not a read (aws/allowlist.py): it
changes nothing in any account; it hands back short-lived credentials whose permissions are
the role's, and every call made with them passes the same read-only guard. The credentials
are not refreshed: `--role-duration` (default 3600 s) should exceed `--deadline` (default 900 s).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from driftpatch.aws.session import AWS_ERRORS, AwsSession, TemporaryCredentials, describe_error
from driftpatch.errors import InputError

# arn:PARTITION:iam::ACCOUNT:role/PATH/NAME (AWS's own pattern for a role ARN, simplified).
_ROLE_ARN = re.compile(r"arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/[\w+=,.@/-]{1,512}")
# AssumeRole's limits: RoleSessionName 2-64 characters of [\w+=,.@-]; ExternalId 2-1224 of
# [\w+=,.@:/-]; DurationSeconds 900 up to the role's maximum (at most 43200).
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
MIN_DURATION_S, MAX_DURATION_S = 900, 43200
DEFAULT_SESSION_NAME = "driftpatch"
DEFAULT_DURATION_S = 3600


@dataclass(frozen=True)
class RoleRequest:
    """One role to assume, and how (the options of `scan`)."""

    arn: str
    session_name: str = DEFAULT_SESSION_NAME
    external_id: str | None = None
    duration_s: int = DEFAULT_DURATION_S

    @property
    def account(self) -> str:
        """The account the role is in: the ARN's fifth field (checked by `check_request`)."""
        return self.arn.split(":")[4]


@dataclass(frozen=True)
class Assumed:
    """The outcome of one AssumeRole: credentials, or why there are none (a value, not an
    exception: the scan reads the other accounts and reports this one as not read)."""

    request: RoleRequest
    credentials: TemporaryCredentials | None = None
    error: str | None = None


def check_request(request: RoleRequest) -> RoleRequest:
    """`request`, or InputError (exit 2, before any AWS call) naming the option at fault."""
    if not _ROLE_ARN.fullmatch(request.arn):
        raise InputError(
            f"--role-arn {request.arn!r}: not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
        )
    if not _SESSION_NAME.fullmatch(request.session_name):
        raise InputError(
            f"--role-session-name {request.session_name!r}: 2 to 64 letters, digits or +=,.@_-"
        )
    if request.external_id is not None and not _EXTERNAL_ID.fullmatch(request.external_id):
        raise InputError(
            f"--external-id {request.external_id!r}: 2 to 1224 letters, digits or +=,.@:/_-"
        )
    if not MIN_DURATION_S <= request.duration_s <= MAX_DURATION_S:
        raise InputError(
            f"--role-duration {request.duration_s}: AWS allows {MIN_DURATION_S} to "
            f"{MAX_DURATION_S} seconds"
        )
    return request


def assume(session: AwsSession, request: RoleRequest, region: str) -> Assumed:
    """Assume `request`'s role with `session`'s credentials, through its guarded, counted STS
    client (in `region`: the regional endpoint, as the SDKs use by default)."""
    params: dict[str, str | int] = {
        "RoleArn": request.arn,
        "RoleSessionName": request.session_name,
        "DurationSeconds": request.duration_s,
    }
    if request.external_id is not None:
        params["ExternalId"] = request.external_id
    try:
        answer = session.client("sts", region).assume_role(**params)
        creds = answer["Credentials"]
        return Assumed(
            request,
            TemporaryCredentials(
                str(creds["AccessKeyId"]),
                str(creds["SecretAccessKey"]),
                str(creds["SessionToken"]),
            ),
        )
    except AWS_ERRORS as exc:
        return Assumed(request, error=f"cannot assume {request.arn}: {describe_error(exc)}")
    except KeyError as exc:  # a 2xx answer without the credentials: unusable, not a crash
        return Assumed(request, error=f"cannot assume {request.arn}: no {exc.args[0]} in answer")
