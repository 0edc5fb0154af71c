"""Typed values for the matchers: coerce an attribute to its provider-schema type, or reject it.

A reader's `match` works on a state instance's attributes and on a live object's, both JSON from
a file the user handed us (a state, a plan's prior_state, a `--live` snapshot). A hand-edited or
corrupt file can hold any JSON there: a number where the schema has a list (`cidr_blocks = 5`),
a list where it has a port (`from_port = [1]`), an object where it has a string. Each matcher
therefore starts with `conform_state` / `conform_live` on exactly the attributes it reads, and
works on typed values after that (no `int(x or 0)` on whatever came in).

What is accepted is what Terraform's own state decoder accepts (cty's JSON unmarshal against
the provider schema's implied type): null anywhere; a string for a number or a bool when it
parses as one ("22", "true"); a number or bool for a string (22 -> "22"). Values are returned
converted the way it converts them. Anything else - a list or an object for a primitive, a
primitive for a list, map or object, a non-finite number - is refused.

Why refuse (exit 2 through the CLI) rather than skip the resource with an `errors` entry:
Terraform itself cannot decode such a state (plan and apply fail on it), so nothing about that
resource can be trusted, and the state is the ground truth drift is measured against. Calling
the resource `unread` would blame AWS (exit 3 means "some AWS reads failed") and a quietly
`unsupported` one would hide drift behind a corrupt file. The scan stops with one line naming
the file, the resource and the attribute path (types only, never values: states hold secrets),
which is the contract for bad input. `drift.detect` adds the file and the address.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from driftpatch.errors import InputError
from driftpatch.model import JSON, LiveResource
from driftpatch.terraform.schema import AttributeSchema, BlockTypeSchema, aws_schema

Step = str | int


def _kind(value: JSON) -> str:
    """A JSON type name for messages (never the value: states hold secrets in clear text)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number" if math.isfinite(value) else "a non-finite number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _wanted(type_: Any) -> str:
    if type_ == "string":
        return "a string"
    if type_ == "number":
        return "a number"
    if type_ == "bool":
        return "a boolean"
    if isinstance(type_, list) and type_[:1] in (["list"], ["set"], ["tuple"]):
        return "a list"
    return "an object"


def _path(steps: Iterable[Step]) -> str:
    out = ""
    for step in steps:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


class AttributeTypeError(InputError):
    """An attribute whose JSON type its provider-schema type cannot hold.

    `subject` is None for the state instance being matched (the caller knows its file and
    address) and "<type> <id>" for a live object; `drift.detect` re-raises it located.
    """

    def __init__(self, steps: tuple[Step, ...], wanted: str, got: str, subject: str | None):
        self.attribute = _path(steps)
        self.detail = f"attribute {self.attribute} is {got}, the provider schema has {wanted}"
        self.subject = subject
        super().__init__(self.detail if subject is None else f"{subject}: {self.detail}")


class TypeMismatch(Exception):
    """What `coerce` could not do, and where (steps into the value); `conform_*` turn it into
    an `AttributeTypeError` naming the attribute path."""

    def __init__(self, steps: tuple[Step, ...], wanted: str, got: str) -> None:
        super().__init__(steps, wanted, got)
        self.steps, self.wanted, self.got = steps, wanted, got


def _number(value: JSON) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    if isinstance(value, str):
        try:
            parsed = float(value.strip()) if value.strip() else math.nan
        except ValueError:
            return None
        if not math.isfinite(parsed):
            return None
        try:
            return int(value.strip())
        except ValueError:
            return int(parsed) if parsed.is_integer() else parsed
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return int(value) if value.is_integer() else value
    return value


def coerce(value: JSON, type_: Any, steps: tuple[Step, ...] = ()) -> JSON:
    """`value` as cty's JSON decoder would read it as `type_` (a schema type expression)."""
    if value is None:
        return None
    if type_ == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float) and math.isfinite(value):
            return str(int(value)) if float(value).is_integer() else repr(value)
        if isinstance(value, str):
            return value
    elif type_ == "number":
        number = _number(value)
        if number is not None:
            return number
    elif type_ == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
    elif isinstance(type_, list) and len(type_) == 2:
        kind, inner = type_
        if kind in ("list", "set") and isinstance(value, list):
            return [coerce(v, inner, (*steps, i)) for i, v in enumerate(value)]
        if kind == "map" and isinstance(value, Mapping):
            return {str(k): coerce(v, inner, (*steps, str(k))) for k, v in value.items()}
        if kind == "object" and isinstance(value, Mapping) and isinstance(inner, Mapping):
            # Keys the schema does not know stay as they are (an older provider's attribute).
            return {
                str(k): coerce(v, inner[k], (*steps, str(k))) if k in inner else v
                for k, v in value.items()
            }
    else:
        return value  # "dynamic" and anything this module does not model: as it is
    raise TypeMismatch(steps, _wanted(type_), _kind(value))


def _block_type(spec: BlockTypeSchema) -> Any:
    """A nested block as the cty type its state JSON has (list/set of objects, or one)."""
    fields: dict[str, Any] = {n: a.type for n, a in spec.block.attributes.items()}
    fields.update((n, _block_type(b)) for n, b in spec.block.block_types.items())
    obj = ["object", fields]
    if spec.nesting_mode == "single" or spec.nesting_mode == "group":
        return obj
    if spec.nesting_mode == "map":
        return ["map", obj]
    return ["list", obj]


def schema_type(resource_type: str, name: str) -> Any:
    """The cty type of one top-level attribute or block; "dynamic" when the schema has none."""
    schema = aws_schema().resource(resource_type)
    spec = schema.block.child(name) if schema is not None else None
    if isinstance(spec, AttributeSchema):
        return spec.type
    if isinstance(spec, BlockTypeSchema):
        return _block_type(spec)
    return "dynamic"


def _conform(
    resource_type: str, attributes: Mapping[str, JSON], names: Iterable[str], subject: str | None
) -> dict[str, JSON]:
    out = dict(attributes)
    try:
        for name in names:
            if name in out:
                out[name] = coerce(out[name], schema_type(resource_type, name), (name,))
    except TypeMismatch as exc:
        raise AttributeTypeError(exc.steps, exc.wanted, exc.got, subject) from None
    return out


def conform_state(
    resource_type: str, attributes: Mapping[str, JSON], names: Iterable[str]
) -> dict[str, JSON]:
    """A state instance's attributes with `names` typed by the schema (see module docstring);
    raises `AttributeTypeError` (subject None: the caller names the file and address)."""
    return _conform(resource_type, attributes, names, None)


def conform_live(resource: LiveResource, names: Iterable[str]) -> dict[str, JSON]:
    """A live object's attributes with `names` typed by the schema. From AWS they always are;
    from a `--live` snapshot they may not be: `AttributeTypeError` names "<type> <id>"."""
    return _conform(resource.type, resource.attributes, names, f"{resource.type} {resource.id}")
