"""Defaults for every option from `driftpatch.toml`, or `[tool.driftpatch]` in pyproject.toml.

The file mirrors the command line, so nothing new has to be learnt: keys are option names
(`fail-on`, `no-checkov`, `sarif-category`), top-level keys apply to `scan` and `check` (the two
jobs, which share their options; elsewhere a name can mean something else: `patch --only` takes
finding ids, `check --only` a kind), and a `[scan]` / `[check]` / `[patch]` / ... table applies
to one command and wins. A flag given on
the command line wins over the file. Unknown keys are an error (exit 2), not silently ignored:
a misspelt `fail_onn = "low"` must not turn a gate off.

    # driftpatch.toml
    fail-on = "high"
    no-checkov = true
    [scan]
    region = ["us-east-1", "eu-west-1"]
    state = ["s3://acme-tf/prod/terraform.tfstate"]
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from driftpatch.errors import InputError

NAMES = ("driftpatch.toml", ".driftpatch.toml")
SHARED = ("scan", "check")  # the commands top-level keys apply to


class ConfigFileError(InputError):
    """The configuration file cannot be read or names an option that does not exist."""


def find(start: Path) -> Path | None:
    """driftpatch.toml (or .driftpatch.toml) in `start`, else a pyproject.toml there with a
    [tool.driftpatch] table."""
    for name in NAMES:
        if (start / name).is_file():
            return start / name
    pyproject = start / "pyproject.toml"
    if pyproject.is_file():
        try:
            doc = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return None  # not ours to judge: a broken pyproject is someone else's problem
        if isinstance(doc.get("tool"), dict) and "driftpatch" in doc["tool"]:
            return pyproject
    return None


def load(path: Path) -> dict[str, Any]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigFileError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"{path}: not valid TOML: {exc}") from exc
    if path.name == "pyproject.toml":
        table = doc.get("tool", {}).get("driftpatch", {})
        if not isinstance(table, dict):
            raise ConfigFileError(f"{path}: [tool.driftpatch] must be a table")
        return table
    return doc


def _key(name: str) -> str:
    return name.strip().replace("-", "_")


def default_map(
    table: Mapping[str, Any], commands: Mapping[str, Mapping[str, bool]], path: Path
) -> dict[str, dict[str, Any]]:
    """click's default_map: {command: {parameter: value}} from the file's table.

    `commands` maps each command's parameters (python names) to whether they repeat (`--state`
    given once as a string is a list of one)."""
    shared: dict[str, Any] = {}
    per: dict[str, dict[str, Any]] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            if key not in commands:
                raise ConfigFileError(
                    f"{path}: [{key}] is not a driftpatch command "
                    f"(one of {', '.join(sorted(commands))})"
                )
            for sub, v in value.items():
                if _key(sub) not in commands[key]:
                    raise ConfigFileError(f"{path}: [{key}] {sub}: `{key}` has no such option")
                per.setdefault(key, {})[_key(sub)] = v
            continue
        name = _key(key)
        if not any(name in params for cmd, params in commands.items() if cmd in SHARED):
            raise ConfigFileError(
                f"{path}: {key}: neither scan nor check has such an option (options of other "
                "commands go in their own table, e.g. [patch])"
            )
        shared[name] = value
    out: dict[str, dict[str, Any]] = {}
    for command, params in commands.items():
        values = {k: v for k, v in shared.items() if k in params and command in SHARED}
        values.update(per.get(command, {}))
        for k, v in values.items():
            if params[k] and isinstance(v, str):
                values[k] = [v]
        if values:
            out[command] = values
    return out
