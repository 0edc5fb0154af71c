"""Terraform plan JSON (`terraform show -json PLANFILE`), format_version 0.1 to 1.x.

`check` runs on pull requests without AWS, so the plan is its whole view of the world: what will
change (`resource_changes`), what changed outside Terraform (`resource_drift`), what exists now
(`prior_state`) and what the code says (`configuration`). Format history, from HashiCorp's
jsonplan package: 0.1 (Terraform 0.12-1.0.0; 0.15 added before/after_sensitive and
resource_drift), 0.2 (1.0.1: sensitive_values in values representations), 1.0 (1.1:
previous_address), 1.1 (1.2: relevant_attributes), 1.2 (1.5: importing, generated_config; later
minor additions without a bump: errored, applyable/complete, deferred_changes). Minor versions
are additive by HashiCorp's compatibility promise, so any 1.x is read and unknown keys ignored;
another major version is refused.

Terraform 0.12 wrote `prior_state` entries with the resource's own address in `address`: no
instance key (`aws_instance.web` for `aws_instance.web[0]`) and no module path (`data.x.y` inside
`module.m`), while `index` and the child module's `address` are right. So in the values
representations (prior_state, planned_values) of a format 0.1 plan, an `address` short in
exactly these ways is read from module/type/name/index, and each case is kept as an
`AddressRepair` for the report to mention once, as a warning. Any other disagreement, or a short
address in resource_changes or in a later format, is still refused: no Terraform wrote it.

A binary plan file (a zip) is converted with the Terraform CLI when one is available.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from driftpatch.model import JSON, Address
from driftpatch.terraform import _input as inp
from driftpatch.terraform._input import bad
from driftpatch.terraform.binary import Terraform, TerraformCliError
from driftpatch.terraform.state import read_local

AttrPath = tuple[str | int, ...]

_FORMAT = re.compile(r"(\d+)\.(\d+)")
_PLAN_KEYS = (
    "planned_values",
    "resource_changes",
    "resource_drift",
    "prior_state",
    "configuration",
)


@dataclass(frozen=True)
class ResourceChange:
    """One entry of resource_changes or resource_drift; values exactly as Terraform wrote them
    (None where a key is absent, e.g. the sensitive masks before Terraform 0.15)."""

    address: Address
    provider: str
    actions: tuple[str, ...]  # ("no-op",), ("update",), ("delete", "create"), ...
    before: JSON
    after: JSON
    after_unknown: JSON
    before_sensitive: JSON
    after_sensitive: JSON
    action_reason: str | None
    previous_address: str | None
    replace_paths: tuple[AttrPath, ...] = ()
    deposed: str | None = None  # set only in Plan.deposed_changes


@dataclass(frozen=True)
class ValuesResource:
    """An entry of the "values representation" (planned_values, prior_state)."""

    address: Address
    provider: str
    schema_version: int | None
    values: Mapping[str, JSON]
    sensitive_values: JSON


@dataclass(frozen=True)
class AddressRepair:
    """An `address` a Terraform 0.12-era writer left short, and the address read instead.

    Kept as a value, not dropped: the report says that the plan needed it (once, as a warning).
    """

    where: str  # prior_state.values.root_module.child_modules[0].resources[1]
    written: str  # exactly as in the file: "aws_instance.web"
    built: Address  # from module/type/name/index: module.app.aws_instance.web[0]


@dataclass(frozen=True)
class ConfigResource:
    """A resource block of configuration.root_module(.module_calls.*.module)."""

    config_address: str  # module.net.aws_subnet.private (no instance keys)
    module_path: tuple[str, ...]
    mode: str
    type: str
    name: str
    expressions: Mapping[str, JSON]  # raw: {"constant_value": ...} / {"references": [...]}
    count_expression: JSON | None
    for_each_expression: JSON | None


@dataclass(frozen=True)
class ModuleCallConfig:
    module_path: tuple[str, ...]  # ("net",), ("net", "sub")
    source: str
    expressions: Mapping[str, JSON]


@dataclass(frozen=True)
class Plan:
    origin: str
    format_version: str
    terraform_version: str
    resource_changes: tuple[ResourceChange, ...]
    resource_drift: tuple[ResourceChange, ...]
    prior_state: tuple[ValuesResource, ...]  # managed + data, flattened across modules
    planned_values: tuple[ValuesResource, ...]
    configuration_resources: tuple[ConfigResource, ...]
    module_calls: tuple[ModuleCallConfig, ...]
    variables: Mapping[str, JSON]
    errored: bool
    # Changes to deposed objects (left by a failed create_before_destroy). Kept apart because
    # they share their address with the current object's change.
    deposed_changes: tuple[ResourceChange, ...] = ()
    # Root variables declared `sensitive = true`: the plan JSON shows their values in clear.
    sensitive_variables: frozenset[str] = frozenset()
    # Values-representation addresses written short by Terraform 0.12 (see the module docstring).
    address_repairs: tuple[AddressRepair, ...] = ()

    def address_warning(self) -> str | None:
        """One line for the report when addresses had to be rebuilt, None when none had to."""
        if not self.address_repairs:
            return None
        first = self.address_repairs[0]
        count = len(self.address_repairs)
        what = (
            "1 resource address in the plan was written without its"
            if count == 1
            else f"{count} resource addresses in the plan were written without their"
        )
        return inp.one_line(
            f"{what} instance key or module path (a Terraform 0.12 quirk); read from "
            f"module/type/name/index instead, e.g. {first.where}: "
            f"{json.dumps(first.written)[:120]} as {first.built}"
        )

    @property
    def is_refresh_only(self) -> bool:
        """True for `terraform plan -refresh-only`, as far as the JSON can tell.

        The JSON has no mode field. A refresh-only plan never has resource changes (Terraform
        refuses to produce one that does), while a normal plan lists every managed instance in
        resource_changes, "no-op" included. So: no changes, and something to refresh (drift, or
        managed resources in prior_state). An errored plan is never called refresh-only.
        """
        if self.errored or self.resource_changes or self.deposed_changes:
            return False
        return bool(self.resource_drift) or any(
            r.address.mode == "managed" for r in self.prior_state
        )


def parse_plan(data: bytes, origin: str) -> Plan:
    """Parse `terraform show -json` plan output; TerraformInputError (one line) otherwise."""
    doc = inp.load_json(data, origin, "Terraform plan")
    if not isinstance(doc, dict):
        raise bad(origin, f"not a Terraform plan: the JSON is {inp.kind(doc)}, expected an object")
    _check_is_plan(doc, origin)
    version = inp.string(doc["format_version"], origin, "format_version")
    _check_format_version(version, origin)

    changes, deposed = _changes(doc.get("resource_changes"), origin, "resource_changes")
    drift, _ = _changes(doc.get("resource_drift"), origin, "resource_drift")
    prior = inp.opt_obj(doc.get("prior_state"), origin, "prior_state")
    # Only 0.1 plans (Terraform 0.12 to 1.0.0) can hold the 0.12 short addresses.
    repairs: list[AddressRepair] | None = [] if version == "0.1" else None
    config = inp.opt_obj(doc.get("configuration"), origin, "configuration")
    resources: list[ConfigResource] = []
    calls: list[ModuleCallConfig] = []
    root = inp.opt_obj(config.get("root_module"), origin, "configuration.root_module")
    _config_module(root, (), origin, "configuration.root_module", resources, calls)
    return Plan(
        origin=origin,
        format_version=version,
        terraform_version=inp.opt_str(doc.get("terraform_version"), origin, "terraform_version")
        or "",
        resource_changes=changes,
        resource_drift=drift,
        prior_state=_values(prior.get("values"), origin, "prior_state.values", repairs),
        planned_values=_values(doc.get("planned_values"), origin, "planned_values", repairs),
        configuration_resources=tuple(resources),
        module_calls=tuple(calls),
        variables=_variables(doc.get("variables"), origin),
        errored=inp.boolean(doc.get("errored"), origin, "errored"),
        deposed_changes=deposed,
        sensitive_variables=_sensitive_variables(root.get("variables"), origin),
        address_repairs=tuple(repairs or ()),
    )


def read_plan(path: Path, chdir: Path | None = None, terraform: Terraform | None = None) -> Plan:
    """Read plan JSON, or a binary plan file through `terraform show -json`.

    A binary plan can only be shown from the initialised configuration it was made in: `chdir`,
    by default the plan's own directory.
    """
    origin = str(path)
    data = read_local(path, origin, "plan")
    if data.startswith(inp.ZIP_MAGIC):
        tf = terraform or Terraform.find()
        if tf is None:
            raise bad(
                origin,
                "binary plan files need the Terraform CLI on PATH "
                "(or pass 'terraform show -json' output)",
            )
        try:
            data = tf.show_json(path, chdir if chdir is not None else path.resolve().parent)
        except TerraformCliError as exc:
            raise bad(origin, str(exc)) from exc
    return parse_plan(data, origin)


# -- checks ------------------------------------------------------------------------------------


def _check_is_plan(doc: Mapping[str, JSON], origin: str) -> None:
    has_plan_keys = any(key in doc for key in _PLAN_KEYS)
    if "format_version" not in doc:
        if "version" in doc and ("lineage" in doc or "resources" in doc or "modules" in doc):
            raise bad(
                origin,
                "looks like a state file, not a plan; "
                "pass 'terraform show -json PLANFILE' output or the binary plan file",
            )
        raise bad(
            origin, "not a Terraform plan: no format_version (expected 'terraform show -json')"
        )
    if "values" in doc and not has_plan_keys:
        raise bad(
            origin,
            "looks like 'terraform show -json' of a state, not a plan; "
            "pass 'terraform show -json PLANFILE' output",
        )
    if not has_plan_keys:
        raise bad(
            origin,
            "not a Terraform plan: none of planned_values, resource_changes, prior_state, "
            "configuration",
        )


def _check_format_version(version: str, origin: str) -> None:
    match = _FORMAT.fullmatch(version)
    if match:
        major, minor = int(match.group(1)), int(match.group(2))
        if major == 1 or (major == 0 and minor in (1, 2)):
            return
    raise bad(
        origin,
        f"plan format_version {json.dumps(version)[:40]} is not supported "
        "(driftpatch reads 0.1, 0.2 and 1.x)",
    )


# -- resource changes --------------------------------------------------------------------------


def _changes(
    raw: JSON, origin: str, where: str
) -> tuple[tuple[ResourceChange, ...], tuple[ResourceChange, ...]]:
    current: list[ResourceChange] = []
    deposed: list[ResourceChange] = []
    seen: set[Address] = set()
    for i, item in enumerate(inp.opt_lst(raw, origin, where)):
        change = _change(item, origin, f"{where}[{i}]")
        if change.deposed:
            deposed.append(change)
            continue
        if change.address in seen:
            raise bad(origin, f"{where}: {change.address} appears more than once")
        seen.add(change.address)
        current.append(change)
    return tuple(current), tuple(deposed)


def _change(raw: JSON, origin: str, where: str) -> ResourceChange:
    rc = inp.obj(raw, origin, where)
    module = inp.module_address(rc.get("module_address"), origin, f"{where}.module_address")
    address = _address(rc, module, origin, where)
    body = inp.obj(rc.get("change"), origin, f"{where}.change")
    actions = inp.strings(body.get("actions"), origin, f"{where}.change.actions")
    if not actions:
        raise bad(origin, f"{where}.change.actions: empty")
    replace = tuple(
        tuple(_path(p, origin, f"{where}.change.replace_paths[{i}]"))
        for i, p in enumerate(inp.opt_lst(body.get("replace_paths"), origin, where))
    )
    return ResourceChange(
        address=address,
        provider=inp.opt_str(rc.get("provider_name"), origin, f"{where}.provider_name") or "",
        actions=actions,
        before=body.get("before"),
        after=body.get("after"),
        after_unknown=body.get("after_unknown"),
        before_sensitive=body.get("before_sensitive"),
        after_sensitive=body.get("after_sensitive"),
        action_reason=inp.opt_str(rc.get("action_reason"), origin, f"{where}.action_reason"),
        previous_address=inp.opt_str(
            rc.get("previous_address"), origin, f"{where}.previous_address"
        ),
        replace_paths=replace,
        deposed=inp.opt_str(rc.get("deposed"), origin, f"{where}.deposed") or None,
    )


def _path(raw: JSON, origin: str, where: str) -> list[str | int]:
    out: list[str | int] = []
    for step in inp.lst(raw, origin, where):
        if isinstance(step, bool) or not isinstance(step, str | int):
            raise bad(origin, f"{where}: expected names and indexes, got {inp.kind(step)}")
        out.append(step)
    return out


def _address(
    item: Mapping[str, JSON],
    module: str,
    origin: str,
    where: str,
    repairs: list[AddressRepair] | None = None,
) -> Address:
    """Build the address from the structured fields (exact), cross-checked with `address`.

    With `repairs` (values representations of a 0.1 plan), an `address` short by the instance
    key, the module path or both is the Terraform 0.12 quirk: recorded there, not refused.
    """
    text = inp.opt_str(item.get("address"), origin, f"{where}.address")
    if "type" not in item and "name" not in item:
        if text is None:
            raise bad(origin, f"{where}: no address")
        return inp.parse_address(text, origin, f"{where}.address")
    built = Address(
        type=inp.ident(item.get("type"), origin, f"{where}.type"),
        name=inp.ident(item.get("name"), origin, f"{where}.name"),
        module=module,
        key=inp.index_key(item.get("index"), origin, f"{where}.index"),
        mode=inp.mode(item.get("mode", "managed"), origin, f"{where}.mode"),
    )
    if (
        repairs is not None
        and text is not None
        and text != str(built)
        and _short_by_0_12(inp.parse_address(text, origin, f"{where}.address"), built)
    ):
        repairs.append(AddressRepair(where, text, built))
        return built
    inp.cross_check(built, text, origin, f"{where}.address")
    return built


def _short_by_0_12(written: Address, built: Address) -> bool:
    """True when `written` is `built` without its instance key and/or its whole module path.

    Terraform 0.12's values representation printed the resource's own address (addrs.Resource):
    same mode, type and name, no module, no key. A partial module path, another key or another
    name is not that, and stays a contradiction.
    """
    if (written.mode, written.type, written.name) != (built.mode, built.type, built.name):
        return False
    if written.module not in ("", built.module) or written.key not in (None, built.key):
        return False
    return written != built


# -- values representation ---------------------------------------------------------------------


def _values(
    raw: JSON, origin: str, where: str, repairs: list[AddressRepair] | None
) -> tuple[ValuesResource, ...]:
    values = inp.opt_obj(raw, origin, where)
    out: list[ValuesResource] = []
    _values_module(values.get("root_module"), "", origin, f"{where}.root_module", out, repairs)
    seen: set[Address] = set()
    for vr in out:
        if vr.address in seen:
            raise bad(origin, f"{where}: {vr.address} appears more than once")
        seen.add(vr.address)
    return tuple(out)


def _values_module(
    raw: JSON,
    module: str,
    origin: str,
    where: str,
    out: list[ValuesResource],
    repairs: list[AddressRepair] | None,
) -> None:
    mod = inp.opt_obj(raw, origin, where)
    for i, item in enumerate(inp.opt_lst(mod.get("resources"), origin, f"{where}.resources")):
        iw = f"{where}.resources[{i}]"
        res = inp.obj(item, origin, iw)
        if inp.opt_str(res.get("deposed_key"), origin, f"{iw}.deposed_key"):
            continue  # a deposed object: see Plan.deposed_changes
        schema = res.get("schema_version")
        out.append(
            ValuesResource(
                address=_address(res, module, origin, iw, repairs),
                provider=inp.opt_str(res.get("provider_name"), origin, f"{iw}.provider_name") or "",
                schema_version=None
                if schema is None
                else inp.natural(schema, origin, f"{iw}.schema_version"),
                values=inp.opt_obj(res.get("values"), origin, f"{iw}.values"),
                sensitive_values=res.get("sensitive_values"),
            )
        )
    children = inp.opt_lst(mod.get("child_modules"), origin, f"{where}.child_modules")
    for i, item in enumerate(children):
        cw = f"{where}.child_modules[{i}]"
        child = inp.obj(item, origin, cw)
        address = inp.module_address(child.get("address"), origin, f"{cw}.address")
        if not address:
            raise bad(origin, f"{cw}: no address")
        _values_module(child, address, origin, cw, out, repairs)


# -- configuration -----------------------------------------------------------------------------


def _config_module(
    raw: JSON,
    path: tuple[str, ...],
    origin: str,
    where: str,
    resources: list[ConfigResource],
    calls: list[ModuleCallConfig],
) -> None:
    mod = inp.opt_obj(raw, origin, where)
    prefix = "".join(f"module.{name}." for name in path)
    for i, item in enumerate(inp.opt_lst(mod.get("resources"), origin, f"{where}.resources")):
        iw = f"{where}.resources[{i}]"
        res = inp.obj(item, origin, iw)
        mode = inp.mode(res.get("mode", "managed"), origin, f"{iw}.mode")
        rtype = inp.ident(res.get("type"), origin, f"{iw}.type")
        name = inp.ident(res.get("name"), origin, f"{iw}.name")
        local = ("data." if mode == "data" else "") + f"{rtype}.{name}"
        text = inp.opt_str(res.get("address"), origin, f"{iw}.address")
        if text is not None and text != local:
            raise bad(origin, f"{iw}.address: {json.dumps(text)[:120]} does not match {local}")
        resources.append(
            ConfigResource(
                config_address=prefix + local,
                module_path=path,
                mode=mode,
                type=rtype,
                name=name,
                expressions=inp.opt_obj(res.get("expressions"), origin, f"{iw}.expressions"),
                count_expression=res.get("count_expression"),
                for_each_expression=res.get("for_each_expression"),
            )
        )
    module_calls = inp.opt_obj(mod.get("module_calls"), origin, f"{where}.module_calls")
    for name, item in module_calls.items():
        cw = f"{where}.module_calls.{name}"
        inp.ident(name, origin, cw)
        call = inp.obj(item, origin, cw)
        calls.append(
            ModuleCallConfig(
                module_path=(*path, name),
                source=inp.opt_str(call.get("source"), origin, f"{cw}.source") or "",
                expressions=inp.opt_obj(call.get("expressions"), origin, f"{cw}.expressions"),
            )
        )
        _config_module(call.get("module"), (*path, name), origin, f"{cw}.module", resources, calls)


def _sensitive_variables(raw: JSON, origin: str) -> frozenset[str]:
    where = "configuration.root_module.variables"
    return frozenset(
        name
        for name, item in inp.opt_obj(raw, origin, where).items()
        if inp.boolean(
            inp.obj(item, origin, f"{where}.{name}").get("sensitive"),
            origin,
            f"{where}.{name}.sensitive",
        )
    )


def _variables(raw: JSON, origin: str) -> dict[str, JSON]:
    out: dict[str, JSON] = {}
    for name, item in inp.opt_obj(raw, origin, "variables").items():
        out[name] = inp.obj(item, origin, f"variables.{name}").get("value")
    return out
