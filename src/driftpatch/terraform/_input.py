"""Shared strict reading for state and plan files: bytes -> JSON -> typed values, or one line.

Users hand us whatever their shell wrote (PowerShell `>` writes UTF-16, editors add a BOM, CI
truncates artifacts), so every failure here becomes a `TerraformInputError` whose message is a
single line starting with the file name. Messages name structure and types, never values: state
and plans hold secrets in clear text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from driftpatch import limits
from driftpatch.errors import TerraformInputError
from driftpatch.model import JSON, Address, IndexKey

ZIP_MAGIC = b"PK\x03\x04"

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_WHITESPACE_RUN = re.compile(r"\s*[\r\n]+\s*")


def one_line(text: str) -> str:
    """Collapse line breaks and make the text printable whatever the terminal's encoding."""
    flat = _WHITESPACE_RUN.sub(" ", text).strip()
    return flat.encode("utf-8", "backslashreplace").decode("utf-8")


def bad(origin: str, message: str) -> TerraformInputError:
    """The error for `origin`, to raise: one line starting with the file name."""
    return TerraformInputError(one_line(f"{origin}: {message}"))


def kind(value: JSON) -> str:
    """A JSON type name for messages (`an object`, `a list`...), never the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def decode_text(data: bytes, origin: str, what: str) -> str:
    """UTF-8 (BOM or not) or UTF-16/32 with a BOM; UTF-16 without one when the NULs say so."""
    encoding = "utf-8"
    for bom, name in _BOMS:
        if data.startswith(bom):
            data, encoding = data[len(bom) :], name
            break
    else:
        if len(data) >= 2 and data[0] != 0 and data[1] == 0:
            encoding = "utf-16-le"
        elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
            encoding = "utf-16-be"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        if exc.reason in ("unexpected end of data", "truncated data"):
            message = f"the file ends in the middle of a character ({encoding}); truncated?"
        else:
            message = f"not a {what}: not {encoding} text (bad byte at offset {exc.start})"
        raise bad(origin, message) from exc
    if "\x00" in text:
        raise bad(origin, f"not a {what}: binary data (NUL bytes), expected JSON text")
    return text


def load_json(data: bytes, origin: str, what: str) -> JSON:
    """Decode and parse; any failure is one line with the JSON line:column."""
    if data.startswith(ZIP_MAGIC):
        raise bad(
            origin,
            f"not a {what}: this is a zip file (a binary plan?); "
            "convert it with 'terraform show -json'",
        )
    text = decode_text(data, origin, what)
    if not text.strip():
        raise bad(origin, f"empty file (expected a {what})")
    if limits.json_depth(text) > limits.MAX_DEPTH:
        raise bad(origin, limits.too_deep(what))
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(text.rstrip()):
            message = f"invalid JSON: the file ends early at {where} (truncated?): {exc.msg}"
        elif exc.msg.startswith("Unterminated string"):  # only at end of input: strict mode
            message = f"invalid JSON: the file ends inside a string that starts at {where} "
            message += "(truncated?)"
        else:
            message = f"invalid JSON at {where}: {exc.msg}"
        raise bad(origin, message) from exc
    except RecursionError:
        raise bad(origin, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # NaN/Infinity, or an integer past Python's digit limit
        detail = "a number has too many digits" if "digits" in str(exc) else str(exc)
        raise bad(origin, f"invalid JSON: {detail}") from exc


def _reject_constant(name: str) -> JSON:
    raise ValueError(f"{name} is not valid JSON")


# -- typed access ------------------------------------------------------------------------------


def obj(value: JSON, origin: str, where: str) -> Mapping[str, JSON]:
    if not isinstance(value, dict):
        raise bad(origin, f"{where}: expected an object, got {kind(value)}")
    return value


def opt_obj(value: JSON, origin: str, where: str) -> Mapping[str, JSON]:
    return {} if value is None else obj(value, origin, where)


def lst(value: JSON, origin: str, where: str) -> list[JSON]:
    if not isinstance(value, list):
        raise bad(origin, f"{where}: expected a list, got {kind(value)}")
    return value


def opt_lst(value: JSON, origin: str, where: str) -> list[JSON]:
    return [] if value is None else lst(value, origin, where)


def string(value: JSON, origin: str, where: str) -> str:
    if not isinstance(value, str):
        raise bad(origin, f"{where}: expected a string, got {kind(value)}")
    return value


def opt_str(value: JSON, origin: str, where: str) -> str | None:
    return None if value is None else string(value, origin, where)


def natural(value: JSON, origin: str, where: str) -> int:
    """A non-negative whole number (JSON writers may emit 1.0 for 1)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise bad(origin, f"{where}: expected a non-negative whole number, got {kind(value)}")
    return value


def boolean(value: JSON, origin: str, where: str, default: bool = False) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise bad(origin, f"{where}: expected true or false, got {kind(value)}")
    return value


def strings(value: JSON, origin: str, where: str) -> tuple[str, ...]:
    return tuple(
        string(item, origin, f"{where}[{i}]")
        for i, item in enumerate(opt_lst(value, origin, where))
    )


# -- addresses ---------------------------------------------------------------------------------


def ident(value: JSON, origin: str, where: str) -> str:
    """A resource type, name or module call name: an HCL identifier (Unicode letters, digits,
    `_` and `-`, not starting with a digit or `-`)."""
    text = string(value, origin, where)
    if not text or text[0] == "-" or not text.replace("-", "_").isidentifier():
        raise bad(origin, f"{where}: {json.dumps(text)[:80]} is not a valid Terraform name")
    return text


def mode(value: JSON, origin: str, where: str) -> str:
    text = string(value, origin, where)
    if text not in ("managed", "data"):
        raise bad(origin, f"{where}: unknown resource mode {json.dumps(text)[:40]}")
    return text


def index_key(value: JSON, origin: str, where: str) -> IndexKey:
    """count index (int) or for_each key (str); absent and null both mean no key."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise bad(origin, f"{where}: expected a count index or a for_each key, got {kind(value)}")


def module_address(value: JSON, origin: str, where: str) -> str:
    """A module instance path as Terraform prints it -> the canonical `Address.module` form."""
    text = opt_str(value, origin, where) or ""
    if not text:
        return ""
    try:
        parsed = Address.parse(_hcl_keys_to_json(text) + ".t.n")
    except ValueError:
        parsed = None
    if parsed is None or parsed.mode != "managed" or not parsed.module:
        raise bad(origin, f"{where}: {json.dumps(text)[:120]} is not a module address")
    return parsed.module


def parse_address(text: str, origin: str, where: str) -> Address:
    try:
        return Address.parse(_hcl_keys_to_json(text))
    except ValueError as exc:
        raise bad(origin, f"{where}: {json.dumps(text)[:120]} is not a resource address") from exc


def cross_check(built: Address, text: str | None, origin: str, where: str) -> None:
    """`address` is what Terraform printed; the structured fields it came from must agree."""
    if text is None or text == str(built):
        return
    if parse_address(text, origin, where) != built:
        raise bad(
            origin,
            f"{where}: address {json.dumps(text)[:120]} does not match its "
            f"module/type/name/index ({built})",
        )


def _hcl_keys_to_json(text: str) -> str:
    """Rewrite quoted instance keys from Terraform's quoting to JSON's, for `Address.parse`.

    Terraform >= 1.x quotes keys the HCL way (`$${` for a literal `${`, `\\U0001f600`); 0.12-0.15
    used Go's %q (`\\x07`, `\\a`, `\\v`). JSON has none of these.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] != '"':
            out.append(text[i])
            i += 1
            continue
        out.append('"')
        i += 1
        while i < n and text[i] != '"':
            ch = text[i]
            if ch == "\\" and i + 1 < n:
                repl, width = _escape(text, i)
                out.append(repl)
                i += width
            elif ch in "$%" and text.startswith(ch + "{", i + 1):
                out.append(ch)  # `$${` -> `${`: keep one, the `{` follows
                i += 2
            else:
                out.append(ch)
                i += 1
        if i < n:
            out.append('"')
            i += 1
    return "".join(out)


_SIMPLE_ESCAPES = {"a": "\\u0007", "v": "\\u000b"}


def _escape(text: str, i: int) -> tuple[str, int]:
    """A backslash escape at text[i] in JSON form, and how many characters it used."""
    nxt = text[i + 1]
    if nxt in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[nxt], 2
    for letter, digits in (("x", 2), ("U", 8)):
        hexpart = text[i + 2 : i + 2 + digits]
        if nxt == letter and len(hexpart) == digits and _is_hex(hexpart):
            code = int(hexpart, 16)
            if code <= 0x10FFFF:
                return json.dumps(chr(code))[1:-1], 2 + digits
    return text[i : i + 2], 2


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)
