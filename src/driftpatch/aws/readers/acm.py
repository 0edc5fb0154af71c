"""ACM certificates (per region), shaped as hashicorp/aws 5.100.0 writes aws_acm_certificate to
state after a refresh.

- Listing is bulk (ListCertificates pages, every key type asked for: by default ACM lists only
  RSA-2048 certificates), then per certificate, in a bounded pool, what the provider reads:
  DescribeCertificate + ListTagsForCertificate.
- Unreadable (the provider keeps them from configuration): `certificate_body`,
  `certificate_chain` and `private_key` of an imported certificate (ACM never returns the
  key; the body would be GetCertificate, which the provider does not call on refresh either),
  `early_renewal_duration` and `validation_option` (request-time arguments). The private key
  never enters a LiveResource.
- `pending_renewal` is the provider's function of renewal eligibility, expiry and the
  configured early renewal duration: false unless AWS says ELIGIBLE; when it does and the state
  configures an early renewal, `match` keeps the state's value (it depends on the clock).
- `validation_method` is the first validation option's method for AMAZON_ISSUED certificates,
  else "NONE"; `domain_validation_options` holds only the options AWS gave a DNS record, and
  `validation_emails` every option's e-mail addresses, as the provider flattens them.
- A certificate ACM stops validating (VALIDATION_TIMED_OUT) is gone for the provider: skipped.
- Every certificate is someone's: none is an account default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import botocore.exceptions

from driftpatch.aws.readers.common import (
    AWS_ERRORS,
    Failures,
    paginate,
    pool_map,
    provider_tags,
    pstr,
    rfc3339,
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

CERTIFICATE = "aws_acm_certificate"
GONE_STATUSES = frozenset({"VALIDATION_TIMED_OUT"})
# ListCertificates' keyTypes filter: every type ACM knows (its default is RSA_2048 alone).
KEY_TYPES = (
    "RSA_1024",
    "RSA_2048",
    "RSA_3072",
    "RSA_4096",
    "EC_prime256v1",
    "EC_secp384r1",
    "EC_secp521r1",
)
# The provider's spelling of KeyAlgorithm (DescribeCertificate answers "EC-prime256v1").
KEY_ALGORITHMS = {k.replace("-", "_"): k for k in KEY_TYPES}


def _key_algorithm(value: Any) -> str:
    raw = pstr(value)
    return KEY_ALGORITHMS.get(raw.replace("-", "_"), raw)


def _validations(
    options: list[Mapping[str, Any]],
) -> tuple[list[dict[str, JSON]], list[str]]:
    """The provider's flattenDomainValidations: DNS records and e-mail addresses."""
    records: list[dict[str, JSON]] = []
    emails: list[str] = []
    for option in options:
        record = option.get("ResourceRecord")
        if record:
            records.append(
                {
                    "domain_name": pstr(option.get("DomainName")),
                    "resource_record_name": pstr(record.get("Name")),
                    "resource_record_type": pstr(record.get("Type")),
                    "resource_record_value": pstr(record.get("Value")),
                }
            )
        emails.extend(str(e) for e in option.get("ValidationEmails") or [])
    records.sort(key=lambda r: (str(r["domain_name"]), str(r["resource_record_name"])))
    return records, emails


def _validation_method(cert: Mapping[str, Any]) -> str:
    options = cert.get("DomainValidationOptions") or []
    if cert.get("Type") == "AMAZON_ISSUED" and options:
        return pstr(options[0].get("ValidationMethod"))
    return "NONE"


def certificate_attributes(cert: Mapping[str, Any], tags: dict[str, str]) -> dict[str, JSON]:
    """aws_acm_certificate from one DescribeCertificate `Certificate` and its tags."""
    records, emails = _validations(list(cert.get("DomainValidationOptions") or []))
    options = cert.get("Options")
    summary = cert.get("RenewalSummary")
    arn = pstr(cert.get("CertificateArn"))
    return {
        "arn": arn,
        "certificate_authority_arn": pstr(cert.get("CertificateAuthorityArn")),
        "domain_name": pstr(cert.get("DomainName")),
        "domain_validation_options": records,
        "id": arn,
        "key_algorithm": _key_algorithm(cert.get("KeyAlgorithm")),
        "not_after": rfc3339(cert["NotAfter"]) if cert.get("NotAfter") else None,
        "not_before": rfc3339(cert["NotBefore"]) if cert.get("NotBefore") else None,
        "options": (
            [
                {
                    "certificate_transparency_logging_preference": pstr(
                        options.get("CertificateTransparencyLoggingPreference")
                    )
                }
            ]
            if options is not None
            else []
        ),
        "pending_renewal": False,
        "renewal_eligibility": pstr(cert.get("RenewalEligibility")),
        "renewal_summary": (
            [
                {
                    "renewal_status": pstr(summary.get("RenewalStatus")),
                    "renewal_status_reason": pstr(summary.get("RenewalStatusReason")),
                    "updated_at": rfc3339(summary.get("UpdatedAt")),
                }
            ]
            if summary
            else []
        ),
        "status": pstr(cert.get("Status")),
        "subject_alternative_names": sorted(
            {str(n) for n in cert.get("SubjectAlternativeNames") or []}
        ),
        "tags": tags,
        "tags_all": dict(tags),
        "type": pstr(cert.get("Type")),
        "validation_emails": emails,
        "validation_method": _validation_method(cert),
    }


class AcmReader(Reader):
    """ACM certificates of one region."""

    types: ClassVar[tuple[str, ...]] = (CERTIFICATE,)
    service: ClassVar[str] = "acm"
    unreadable: ClassVar[Mapping[str, frozenset[str]]] = {
        CERTIFICATE: frozenset(
            {
                "certificate_body",
                "certificate_chain",
                "early_renewal_duration",
                "private_key",
                "validation_option",
            }
        )
    }

    def read(self, ctx: ReadContext) -> ReadResult:
        fails = Failures(f"acm/{ctx.region}", "certificates")
        client = ctx.client("acm")
        try:
            listed = paginate(
                client,
                "list_certificates",
                "CertificateSummaryList",
                Includes={"keyTypes": list(KEY_TYPES)},
            )
        except AWS_ERRORS as exc:
            fails.add(exc, CERTIFICATE)
            return fails.result(())

        def describe(arn: str) -> LiveResource | BaseException | None:
            try:
                cert = client.describe_certificate(CertificateArn=arn)["Certificate"]
                if cert.get("Status") in GONE_STATUSES:
                    return None
                pairs = client.list_tags_for_certificate(CertificateArn=arn).get("Tags")
            except botocore.exceptions.ClientError as exc:
                if error_code(exc) == "ResourceNotFoundException":
                    return None  # deleted since the listing
                return exc
            except AWS_ERRORS as exc:
                return exc
            attrs = certificate_attributes(cert, provider_tags(pairs))
            return LiveResource(CERTIFICATE, arn, ctx.region, attrs)

        arns = [str(c["CertificateArn"]) for c in listed]
        resources: list[LiveResource] = []
        for found in pool_map(describe, arns):
            if isinstance(found, BaseException):
                fails.add(found, CERTIFICATE)
            elif found is not None:
                resources.append(found)
        return fails.result(resources)

    def match(
        self, type_: str, state_id: str, state_attributes: Mapping[str, JSON], live: LiveIndex
    ) -> LiveResource | None:
        """By ARN; `pending_renewal` from the state when it hangs on a configured early
        renewal (the provider computes it against the clock)."""
        found = live.get(type_, state_id)
        if found is None:
            return None
        eligible = found.attributes.get("renewal_eligibility") == "ELIGIBLE"
        if not (eligible and state_attributes.get("early_renewal_duration")):
            return found
        attrs = dict(found.attributes)
        attrs["pending_renewal"] = bool(state_attributes.get("pending_renewal"))
        return LiveResource(found.type, found.id, found.region, attrs, found.account_default)
