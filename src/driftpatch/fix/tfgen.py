"""Import configuration written by Terraform itself, for every type the provider knows.

driftpatch's own generator (fix/imports.py) writes a resource block from what its readers saw,
with per-type knowledge in `imports.TYPES`. Where Terraform can run (the judge's sandbox,
fix/judge.py), the provider can do better for any type: one `terraform plan
-generate-config-out=FILE` over the import blocks of every unmanaged resource of the scan (one
run, on one working copy of the initialised sandbox) makes the provider read each object as
an import does and write a resource block from that read.

That raw block is not what a reviewer should get: it lists every optional argument, null or
not, `tags_all` beside `tags`, both sides of conflicting pairs (`name` and `name_prefix =
null`), zero values the provider rejects (`signature_version = 0` on a topic) and literal ids
of resources the code already manages. So its *values* are taken (parsed from the file, with
`jsonencode(...)` documents decoded) and the block is rebuilt by the own generator's rules
(`imports.rebuild`): arguments only, no null, empty or known-default value, one of each
conflicting pair, references in place of managed ids, documents as `jsonencode({...})`;
`terraform fmt` then formats the file. fix/verification.py plans the result beside the own
generator's file and keeps the generated one only when the plan shows one import per address
and nothing else; otherwise the own file stays, with the reason.

The plan run that generates the file fails whenever one generated block does not validate
(moto's 1 MiB `max_message_size` on a queue is outside the provider's range): the file is
written all the same, and cleaning drops most such values, so a failed run is no reason to
give up. An address with no generated block keeps the own generator's block.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from driftpatch.aws.readers.interface import LiveResource
from driftpatch.fix import imports
from driftpatch.fix.imports import ImportPlan
from driftpatch.fix.judge import Change, Sandbox
from driftpatch.fix.operations import Edit, Operation
from driftpatch.fix.remedies import IMPORT_FILE, write_imports
from driftpatch.model import JSON
from driftpatch.rules.interface import UNKNOWN
from driftpatch.rules.subjects import attribute_value
from driftpatch.terraform.binary import Terraform, TerraformCliError
from driftpatch.terraform.schema import aws_schema
from driftpatch.terraform.source import BlockNode, SourceIndex, parse_text

GENERATED_BY_TERRAFORM = "terraform plan -generate-config-out"
GENERATED_BY_DRIFTPATCH = "driftpatch's own generator"


@dataclass(frozen=True)
class Generated:
    """What Terraform generated, cleaned: the rebuilt plans, the addresses whose block came from
    Terraform, and why the others did not (address -> reason), or `error` for the whole run."""

    plans: tuple[ImportPlan, ...]
    by_terraform: tuple[str, ...]
    kept_own: Mapping[str, str] = field(default_factory=dict)
    error: str = ""
    defaults_error: str = ""  # why the provider's defaults could not be measured


def import_blocks(plans: Sequence[ImportPlan]) -> str:
    """The import blocks alone, for the generation run (Terraform writes the resources)."""
    return "\n".join(p.import_block for p in plans)


def block_values(node: BlockNode) -> tuple[dict[str, JSON], set[str]]:
    """A generated resource block's arguments as values, and the names of those written as
    `jsonencode(...)` (turned back into JSON text, as the provider stores them)."""
    values: dict[str, JSON] = {}
    documents: set[str] = set()
    for name, attr in node.attributes.items():
        value = attribute_value(attr.literal, attr.expr_text)
        if value is UNKNOWN or _has_unknown(value):
            continue  # not a literal: nothing Terraform generates (left to the own block)
        if attr.expr_text.lstrip().startswith("jsonencode("):
            value = json.dumps(value)
            documents.add(name)
        values[name] = value
    for nested in node.blocks:
        inner, _ = block_values(nested)
        existing = values.setdefault(nested.type, [])
        if isinstance(existing, list):
            existing.append(inner)
    return values, documents


def _has_unknown(value: object) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Mapping):
        return any(_has_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_unknown(v) for v in value)
    return False


PROBE_NAME = "driftpatch_default_probe"


def probe_blocks(live: Sequence[LiveResource]) -> tuple[str, tuple[str, ...]]:
    """One new resource per type with only its required arguments (the first object of the
    type that has them all), and their addresses: planned as creations, never applied."""
    blocks: dict[str, str] = {}
    for r in sorted(live, key=lambda r: (r.type, r.id)):
        if r.type not in blocks:
            block = imports.probe_block(r.type, PROBE_NAME, r.attributes)
            if block is not None:
                blocks[r.type] = block
    return "\n".join(blocks.values()), tuple(f"{t}.{PROBE_NAME}" for t in blocks)


def defaults_from(changes: Mapping[str, Change]) -> dict[str, dict[str, JSON]]:
    """type -> optional, non-computed argument -> the value the provider plans for it when it
    is left out (its schema default); arguments without one (null) are not listed."""
    out: dict[str, dict[str, JSON]] = {}
    for address, change in changes.items():
        type_ = address.split(".", 1)[0]
        rs = aws_schema().resource(type_)
        if rs is None:
            continue
        found: dict[str, JSON] = {}
        for name, attr in rs.block.attributes.items():
            value = change.after.get(name)
            known = value is not None and not change.after_unknown.get(name)
            if attr.optional and not attr.computed and known:
                found[name] = value
        out[type_] = found
    return out


def generate(
    sandbox: Sandbox,
    plans: Sequence[ImportPlan],
    live: Sequence[LiveResource],
    managed_ids: Mapping[tuple[str, str], str],
) -> Generated:
    """Terraform's configuration for `plans`, cleaned: the generation run and the plan that
    measures the provider's defaults (`probe_blocks`) run side by side on two working copies.
    Without defaults (the probe did not plan) only empty values are left out."""
    probes, addresses = probe_blocks(live)
    with ThreadPoolExecutor(max_workers=2) as pool:
        generating = pool.submit(sandbox.generate_config, import_blocks(plans))
        probing = pool.submit(sandbox.plan_new, probes, addresses) if addresses else None
        text, error = generating.result()
        probed = probing.result() if probing is not None else {}
    defaults = defaults_from(probed) if isinstance(probed, Mapping) else {}
    gen = clean(text, plans, live, managed_ids, error, defaults)
    if isinstance(probed, str):
        return dataclasses.replace(gen, defaults_error=probed)
    return gen


def clean(
    generated: str,
    plans: Sequence[ImportPlan],
    live: Sequence[LiveResource],
    managed_ids: Mapping[tuple[str, str], str],
    error: str = "",
    defaults: Mapping[str, Mapping[str, JSON]] | None = None,
) -> Generated:
    """Rebuild each plan's resource block from Terraform's generated file (see the module)."""
    parsed = parse_text(generated, "generated.tf")
    found: dict[str, BlockNode] = {}
    for b in parsed.blocks:
        if b.type == "resource" and len(b.labels) == 2:
            found[f"{b.labels[0]}.{b.labels[1]}"] = b
    values: dict[str, tuple[Mapping[str, JSON], set[str]]] = {}
    kept_own: dict[str, str] = {}
    for p in plans:
        node = found.get(p.address)
        if node is None:
            why = f"Terraform generated no block ({error})" if error else "no block generated"
            kept_own[p.address] = why
            continue
        values[p.address] = block_values(node)
    rebuilt = imports.rebuild(plans, live, values, managed_ids, defaults)
    return Generated(rebuilt, tuple(sorted(values)), kept_own, error)


def operation(own: Operation, plans: Sequence[ImportPlan], tf: Terraform) -> Operation:
    """`own` (the import operation of fix/remedies.py) writing `plans` instead: the same file
    (`imported.tf` in the root module, appended to when it exists, or an apart import's own),
    the same findings and expectations, the body formatted by `terraform fmt`."""
    body = imports.render_import_file(plans)
    # The own renderer writes fmt's layout already: a failing fmt leaves it as it is.
    with contextlib.suppress(TerraformCliError):
        body = tf.fmt(body)

    def run(current: SourceIndex) -> tuple[list[Edit], str]:
        return write_imports(current, body, plans, own.expect.get("file", IMPORT_FILE))

    return dataclasses.replace(own, run=run)
