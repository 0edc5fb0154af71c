"""Which regions a scan reads: the regions the code and the state say resources live in.

A state alone cannot say where everything is: S3 and IAM ARNs carry no region, and an aliased
provider (`provider "aws" { alias = "west" region = "us-west-2" }`) is named in state only as
`provider["registry.terraform.io/hashicorp/aws"].west`. The code says it: every `provider
"aws"` block's `region`, as a literal or a root-module variable (its default, or the value the
root module's tfvars give it). A region behind anything else (a local, a module input, a
function) is not guessed: the state's own regions and `--region` still apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: `scan --state` never loads the HCL parser
    from driftpatch.terraform.source import BlockNode, SourceIndex

_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d")
_VAR = re.compile(r"var\.([A-Za-z_][A-Za-z0-9_-]*)")


def provider_regions(index: SourceIndex) -> tuple[str, ...]:
    """Every region an aws provider block of the configuration names, sorted."""
    out: set[str] = set()
    for info in index.modules.values():
        files = set(info.files)
        blocks = [b for b in index.blocks if b.file in files]
        root = info.path == ()
        for block in blocks:
            if block.type != "provider" or block.labels[:1] != ("aws",):
                continue
            attr = block.attributes.get("region")
            if attr is None:
                continue
            value = attr.literal if attr.is_literal else None
            if value is None:
                match = _VAR.fullmatch(attr.expr_text.strip())
                if match is not None:
                    value = _variable(match.group(1), blocks, index.tfvars if root else ())
                    value = _passed(index, info.path, match.group(1), value)
            if isinstance(value, str) and _REGION.fullmatch(value):
                out.add(value)
    return tuple(sorted(out))


def _passed(index: SourceIndex, path: tuple[str, ...], name: str, default: object) -> object:
    """A module variable as its caller sets it: the call's literal argument; the default when
    the call does not set it; None (unknown) when the call sets it to an expression."""
    if not path:
        return default
    parent = index.modules.get(path[:-1])
    call = parent.calls.get(path[-1]) if parent is not None else None
    if call is None:
        return None
    arg = call.block.attributes.get(name)
    if arg is None:
        return default
    return arg.literal if arg.is_literal else None


def _variable(name: str, blocks: Sequence[BlockNode], tfvars: Iterable[BlockNode]) -> object:
    """A module variable's value where the code fixes it: the last tfvars assignment, else its
    literal default; None otherwise."""
    value: object = None
    for block in blocks:
        if block.type == "variable" and block.labels[:1] == (name,):
            default = block.attributes.get("default")
            if default is not None and default.is_literal:
                value = default.literal
    for vars_file in tfvars:
        assigned = vars_file.attributes.get(name)
        if assigned is not None and assigned.is_literal:
            value = assigned.literal
    return value
