"""What Terraform would evaluate in a configuration before apply: instances and their values.

HCL-only `check` has no plan, yet rules must see what Terraform sees: `count` and `for_each`
expand a block into instances (`aws_instance.web["a"]`, `aws_instance.web[0]`), and
`each.key`, `each.value`, `count.index`, variables (tfvars, then defaults), locals, module
arguments and the common pure functions give values that are known before apply. Everything
else stays unknown, and unknown is contagious: an operator or function that meets an unknown
operand gives an unknown, so a rule can neither fire on one nor be silenced by one.

Unknowns come in two kinds, because rules link resources through them:

- `Ref`: a reference to a managed resource's attribute (`aws_s3_bucket.logs.id`, or
  `each.value.id` when `for_each = aws_s3_bucket.logs`), carrying the address of the instance
  it names (or of the block, when the instance key is itself unknown). Its value is known only
  after apply, but which resource it names is known now.
- `Unknown`: any other value not known before apply (a data source, a variable without a
  value, a function of a reference); `deps` keeps the resources it was computed from.

Module calls with a source on disk are evaluated with the caller's arguments, per instance of
the call (`module.net["a"]`); outputs of modules are not evaluated (unknown).
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import hcl2
from lark import Token, Tree
from lark.exceptions import LarkError

from driftpatch.model import Address, format_key

Value: TypeAlias = Any  # JSON data, `Unknown`, `Ref`, lists and dicts of those


@dataclass(frozen=True)
class Unknown:
    """A value known only after apply; `deps`: addresses of the resources it derives from."""

    deps: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ref:
    """An attribute of a managed resource (`path` below it); `address` names the instance,
    or the block (no instance key) when the key is not known."""

    address: str
    path: tuple[str | int, ...] = ()


UNKNOWN: Final = Unknown()


def is_unknown(value: Value) -> bool:
    return isinstance(value, Unknown | Ref)


def deps_of(*values: Value) -> frozenset[str]:
    """The resources the unknowns among `values` (at any depth) were computed from."""
    out: set[str] = set()
    stack = list(values)
    while stack:
        v = stack.pop()
        if isinstance(v, Ref):
            out.add(v.address)
        elif isinstance(v, Unknown):
            out |= v.deps
        elif isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, dict):
            stack.extend(v.values())
    return frozenset(out)


def _unknown(*values: Value) -> Unknown:
    deps = deps_of(*values)
    return Unknown(deps) if deps else UNKNOWN


class _Fail(Exception):
    """An expression Terraform would reject or that is beyond this evaluator: unknown."""


# -- parsing expressions --------------------------------------------------------------------------


@functools.lru_cache(maxsize=16384)
def _parse(expr: str) -> Tree[Token] | None:
    try:
        tree = hcl2.parses_to_tree(f"x = {expr}\n")
    except (LarkError, ValueError, RecursionError):
        return None
    body = tree.children[0]
    for child in body.children if isinstance(body, Tree) else ():
        if isinstance(child, Tree) and child.data == "attribute":
            node = child.children[-1]
            return node if isinstance(node, Tree) else None
    return None


def _kids(node: Tree[Token]) -> list[Tree[Token] | Token]:
    """Children without layout (newlines, comments) and punctuation tokens."""
    return [
        c
        for c in node.children
        if not (isinstance(c, Tree) and c.data == "new_line_or_comment")
        and not (isinstance(c, Token) and c.type in _PUNCT)
    ]


_PUNCT = frozenset(
    {"LPAR", "RPAR", "LSQB", "RSQB", "LBRACE", "RBRACE", "COMMA", "DOT", "EQ", "COLON", "QMARK"}
    | {"DBLQUOTE", "INTERP_START", "FOR", "IN", "IF", "FOR_OBJECT_ARROW", "NL_OR_COMMENT"}
)
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([ntr"\\]))')
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unescape(match: re.Match[str]) -> str:
    short, long_, simple = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    return chr(int(short or long_, 16))


# -- scopes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where an expression is evaluated: a module instance, and the iteration symbols."""

    module: ModuleEval
    each: tuple[Value, Value] | Unknown | None = None  # (key, value); Unknown if not known
    count: Value = None  # count.index: int, Unknown, or None outside a counted block
    names: Mapping[str, Value] = field(default_factory=dict)  # for-expression and iterators

    def child(self, **names: Value) -> Scope:
        return Scope(self.module, self.each, self.count, {**self.names, **names})


class ModuleEval:
    """One module instance: its variables' values, locals, and resource blocks."""

    def __init__(
        self,
        config: ConfigEval,
        path: tuple[str, ...],
        prefix: str,
        variables: Callable[[str], Value],
    ) -> None:
        self.config = config
        self.path = path  # call names, no keys
        self.prefix = prefix  # address prefix with keys: 'module.a["x"].'
        self._variables = variables
        self._var_cache: dict[str, Value] = {}
        self._local_cache: dict[str, Value] = {}
        self._busy: set[str] = set()

    def variable(self, name: str) -> Value:
        if name not in self._var_cache:
            self._var_cache[name] = self._guard(f"var.{name}", lambda: self._variables(name))
        return self._var_cache[name]

    def local(self, name: str) -> Value:
        if name not in self._local_cache:
            node = self.config.locals_of(self.path).get(name)
            if node is None:
                return UNKNOWN
            scope = Scope(self)
            self._local_cache[name] = self._guard(
                f"local.{name}", lambda: evaluate_text(node, scope)
            )
        return self._local_cache[name]

    def resource(self, mode: str, type_: str, name: str) -> Value:
        """`aws_x.y` as an expression: a Ref, a list or map of instance Refs when expanded."""
        config_address = f"{self.prefix}{'data.' if mode == 'data' else ''}{type_}.{name}"
        if mode == "data":
            return Unknown(frozenset())
        block = self.config.resource_blocks(self.path).get((type_, name))
        if block is None:
            return UNKNOWN
        keys = self._guard(config_address, lambda: self.config.expand(block, Scope(self)))
        if isinstance(keys, _Single):
            return Ref(config_address)
        if isinstance(keys, Unknown):
            return Ref(config_address)
        if keys and isinstance(keys[0][0], int):
            return [Ref(config_address + format_key(k)) for k, _ in keys]
        return {str(k): Ref(config_address + format_key(k)) for k, _ in keys}

    def _guard(self, key: str, compute: Callable[[], Value]) -> Value:
        if key in self._busy:
            return UNKNOWN  # a cycle: Terraform rejects it; nothing to know
        self._busy.add(key)
        try:
            return compute()
        finally:
            self._busy.discard(key)


class _Single:
    """A block without count or for_each: one instance, no key."""


SINGLE: Final = _Single()
Expansion: TypeAlias = "_Single | Unknown | list[tuple[int | str, Value]]"


class ConfigEval:
    """The evaluation of a whole source index (see `instances`)."""

    def __init__(self, index: Any) -> None:
        self.index = index
        self._locals: dict[tuple[str, ...], dict[str, str]] = {}
        self._resources: dict[tuple[str, ...], dict[tuple[str, str], Any]] = {}
        by_module: dict[tuple[str, ...], dict[tuple[str, str], Any]] = {}
        for address, block in index.resources.items():
            if block.type != "resource" or len(block.labels) != 2:
                continue
            try:
                parsed = Address.parse(address)
            except ValueError:
                continue
            by_module.setdefault(parsed.module_path, {})[(block.labels[0], block.labels[1])] = block
        self._resources = by_module
        self._expansions: dict[tuple[int, str], Expansion] = {}

    def resource_blocks(self, path: tuple[str, ...]) -> Mapping[tuple[str, str], Any]:
        return self._resources.get(path, {})

    def locals_of(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        found = self._locals.get(path)
        if found is None:
            info = self.index.modules.get(path)
            files = set(info.files) if info is not None else set()
            found = {}
            for block in self.index.blocks:
                if block.type == "locals" and block.file in files:
                    for name, attr in block.attributes.items():
                        found.setdefault(name, attr)
            self._locals[path] = found
        return found

    def expand(self, block: Any, scope: Scope) -> Expansion:
        """The instance keys (and each.value) of a block with count or for_each."""
        key = (id(scope.module), f"{block.file}:{block.span.start}")
        if key in self._expansions:
            return self._expansions[key]
        result = expansion(block, scope)
        self._expansions[key] = result
        return result

    # module instances -------------------------------------------------------------------------

    def root(self) -> ModuleEval:
        tfvars: dict[str, Any] = {}
        for node in self.index.tfvars:  # load order: a later file wins
            tfvars.update(node.attributes)
        declared = self._declared(())

        def value(name: str) -> Value:
            if name in tfvars:
                return evaluate_text(tfvars[name], None)
            return self._default(declared.get(name))

        return ModuleEval(self, (), "", value)

    def _declared(self, path: tuple[str, ...]) -> Mapping[str, Any]:
        variables = self.index.variables(path)
        return variables if isinstance(variables, Mapping) else {}

    def _default(self, block: Any) -> Value:
        if block is None:
            return UNKNOWN
        default = block.attributes.get("default")
        if default is None:
            return UNKNOWN  # required: the value comes from the command line or environment
        return evaluate_text(default, None)

    def module_instances(self) -> Iterator[ModuleEval]:
        """Every module instance whose code is indexed, root first, depth first."""
        yield from self._walk(self.root())

    def _walk(self, module: ModuleEval) -> Iterator[ModuleEval]:
        yield module
        info = self.index.modules.get(module.path)
        if info is None:
            return
        for call in info.calls.values():
            child_path = (*module.path, call.name)
            if child_path not in self.index.modules:
                continue
            scope = Scope(module)
            keys = expansion(call.block, scope)
            if isinstance(keys, _Single):
                instances: list[tuple[Value, Scope]] = [(None, scope)]
            elif isinstance(keys, Unknown):
                instances = [(None, _iteration(call.block, scope, keys))]
            else:
                instances = [(k, _iteration(call.block, scope, (k, v))) for k, v in keys]
            declared = self._declared(child_path)
            for key, call_scope in instances:
                prefix = f"{module.prefix}module.{call.name}{format_key(key)}."
                yield from self._walk(
                    ModuleEval(
                        self,
                        child_path,
                        prefix,
                        self._arguments(call.block, call_scope, declared),
                    )
                )

    def _arguments(
        self, block: Any, scope: Scope, declared: Mapping[str, Any]
    ) -> Callable[[str], Value]:
        def value(name: str) -> Value:
            attr = block.attributes.get(name)
            if attr is not None and name not in _MODULE_META:
                return evaluate_text(attr, scope)
            return self._default(declared.get(name))

        return value


_MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


def expansion(block: Any, scope: Scope) -> Expansion:
    """`count` / `for_each` of a block as its instances: [(key, each.value)], SINGLE, or an
    Unknown when the keys are not known before apply."""
    count = block.attributes.get("count")
    for_each = block.attributes.get("for_each")
    if count is not None:
        n = evaluate_text(count, scope)
        if isinstance(n, bool) or not isinstance(n, int | float) or n < 0:
            return _unknown(n)
        return [(i, None) for i in range(int(n))]
    if for_each is not None:
        value = evaluate_text(for_each, scope)
        if isinstance(value, dict):
            return [(k, value[k]) for k in sorted(value)]
        if isinstance(value, list):  # a set (toset); Terraform rejects a list of non-strings
            if any(is_unknown(v) for v in value) or not all(isinstance(v, str) for v in value):
                return _unknown(*value)
            return [(v, v) for v in sorted(set(value))]
        return _unknown(value)
    return SINGLE


def _iteration(block: Any, scope: Scope, item: tuple[Value, Value] | Unknown) -> Scope:
    """The scope inside one instance of `block` (an Unknown item: an instance whose key is
    not known before apply)."""
    counted = "count" in block.attributes
    if isinstance(item, Unknown):
        if counted:
            return Scope(scope.module, None, item, scope.names)
        return Scope(scope.module, item, None, scope.names)
    key, value = item
    if counted:
        return Scope(scope.module, None, key, scope.names)
    return Scope(scope.module, (key, value), None, scope.names)


@dataclass(frozen=True)
class Instance:
    """One resource instance as Terraform would plan it."""

    address: str  # with module and instance keys
    block: Any
    scope: Scope


def instances(index: Any) -> Iterator[Instance]:
    """Every managed resource instance of the configuration, module instances expanded.

    A block whose count or for_each is not known before apply yields one instance at its
    block address (its `each`/`count.index` unknown): something will exist, its values
    cannot be told apart."""
    config = ConfigEval(index)
    for module in config.module_instances():
        for (type_, name), block in config.resource_blocks(module.path).items():
            base = f"{module.prefix}{type_}.{name}"
            scope = Scope(module)
            keys = config.expand(block, scope)
            if isinstance(keys, _Single):
                yield Instance(base, block, scope)
            elif isinstance(keys, Unknown):
                yield Instance(base, block, _iteration(block, scope, keys))
            else:
                for key, value in keys:
                    yield Instance(
                        base + format_key(key), block, _iteration(block, scope, (key, value))
                    )


def instance_scope(index: Any, address: str) -> Scope | None:
    """The scope of one instance address (for values planned elsewhere, e.g. a plan's)."""
    for inst in instances(index):
        if inst.address == address:
            return inst.scope
    return None


# -- evaluation -----------------------------------------------------------------------------------


def evaluate_text(attr: Any, scope: Scope | None) -> Value:
    """The value of an attribute node (literal fast path), in `scope` (None: no symbols)."""
    literal = getattr(attr, "literal", None)
    if literal is not None and _plain(literal):
        return literal
    return evaluate(attr.expr_text, scope)


def _plain(value: object) -> bool:
    if isinstance(value, str | bool | int | float):
        return True
    if isinstance(value, list):
        return all(v is None or _plain(v) for v in value)
    if isinstance(value, dict):
        return all(v is None or _plain(v) for v in value.values())
    return False


def evaluate(expr: str, scope: Scope | None) -> Value:
    tree = _parse(expr.strip())
    if tree is None:
        return UNKNOWN
    try:
        value = _Evaluator(scope).eval(tree)
        return UNKNOWN if isinstance(value, _Symbol) else value
    except (_Fail, RecursionError, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
        return UNKNOWN


class _Evaluator:
    def __init__(self, scope: Scope | None, names: Mapping[str, Value] | None = None) -> None:
        self.scope = scope
        self.names: Mapping[str, Value] = names if names is not None else {}

    def eval(self, node: Tree[Token] | Token) -> Value:
        if isinstance(node, Token):
            raise _Fail(node.type)
        method = getattr(self, "e_" + node.data, None)
        if method is None:
            raise _Fail(node.data)
        return method(node)

    # terms

    def e_expr_term(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        if len(kids) != 1:
            raise _Fail("expr_term")
        return self.eval(kids[0])

    def e_int_lit(self, node: Tree[Token]) -> Value:
        return int(str(node.children[0]))

    def e_float_lit(self, node: Tree[Token]) -> Value:
        return float(str(node.children[0]))

    def e_literal_value(self, node: Tree[Token]) -> Value:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def e_string(self, node: Tree[Token]) -> Value:
        parts: list[Value] = []
        for child in node.children:
            if not isinstance(child, Tree) or child.data != "string_part":
                continue
            part = child.children[0] if child.children else None
            if isinstance(part, Token):
                if part.type == "STRING_CHARS":
                    parts.append(_ESCAPE.sub(_unescape, str(part)))
                elif part.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    parts.append(str(part)[1:])
                else:
                    raise _Fail(part.type)
            elif isinstance(part, Tree) and part.data == "interpolation":
                inner = _kids(part)
                parts.append(_Interp(self.eval(inner[0])))
            else:
                return UNKNOWN  # a template directive (%{ if }): not evaluated
        return _template(parts)

    def e_heredoc_template(self, node: Tree[Token]) -> Value:
        return self._heredoc(str(node.children[0]), trim=False)

    def e_heredoc_template_trim(self, node: Tree[Token]) -> Value:
        return self._heredoc(str(node.children[0]), trim=True)

    def _heredoc(self, token: str, *, trim: bool) -> Value:
        body = token[token.index("\n") + 1 :]
        lines = body.split("\n")
        lines = lines[:-2] if lines and lines[-1] == "" else lines[:-1]
        if trim:
            indents = [len(ln) - len(ln.lstrip(" \t")) for ln in lines if ln.strip(" \t\r")]
            cut = min(indents, default=0)
            lines = [ln[cut:] if ln.strip(" \t\r") else ln for ln in lines]
        text = "".join(ln + "\n" for ln in lines)
        if re.search(r"(?<!%)%\{", text):
            return UNKNOWN  # a template directive (%{ if }, %{ for }): not evaluated
        parts: list[Value] = []
        pos = 0
        while True:
            start = text.find("${", pos)
            if start < 0:
                parts.append(text[pos:])
                break
            if start > 0 and text[start - 1] == "$":  # `$${` escape
                parts.append(text[pos : start - 1] + "${")
                pos = start + 2
                continue
            end = closing_brace(text, start + 2)
            if end < 0:
                raise _Fail("heredoc")
            parts.append(text[pos:start])
            inner = _parse(text[start + 2 : end].strip())
            if inner is None:
                raise _Fail("heredoc interpolation")
            parts.append(_Interp(self.eval(inner)))
            pos = end + 1
        return _template(parts)

    def e_tuple(self, node: Tree[Token]) -> Value:
        return [self.eval(c) for c in _kids(node)]

    def e_object(self, node: Tree[Token]) -> Value:
        out: dict[str, Value] = {}
        for elem in _kids(node):
            if not (isinstance(elem, Tree) and elem.data == "object_elem"):
                continue
            kids = _kids(elem)
            key_node, value_node = kids[0], kids[-1]
            key = self._key(key_node)
            value = self.eval(value_node)
            if key is None:
                return _unknown(value)
            out[key] = value
        return out

    def _key(self, node: Tree[Token] | Token) -> str | None:
        inner: Tree[Token] | Token = node
        if isinstance(inner, Tree) and inner.data == "object_elem_key":
            inner = _kids(inner)[0]
        if isinstance(inner, Tree) and inner.data == "expr_term":
            kids = _kids(inner)
            if len(inner.children) == 1 and isinstance(kids[0], Tree):
                first = kids[0]
                if first.data == "identifier":
                    return str(first.children[0])
                if first.data in ("literal_value", "int_lit", "float_lit"):
                    return str(first.children[0])
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        value = self.eval(inner)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
        return None

    def e_identifier(self, node: Tree[Token]) -> Value:
        name = str(node.children[0])
        scope = self.scope
        if name in self.names:
            return self.names[name]
        if scope is not None and name in scope.names:
            return scope.names[name]
        if name in ("var", "local", "each", "count", "module", "data", "path", "terraform"):
            return _Symbol(name)
        if name == "self":
            return UNKNOWN
        if scope is not None:
            return _Symbol(name)  # a resource type: `aws_s3_bucket.logs`
        raise _Fail(name)

    def e_get_attr_expr_term(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        base = self.eval(kids[0])
        step = kids[1]
        if not isinstance(step, Tree):
            raise _Fail("get_attr")
        attr = _kids(step)[0]
        name = str(attr.children[0]) if isinstance(attr, Tree) else str(attr)
        return self._attr(base, name)

    def _attr(self, base: Value, name: str) -> Value:
        if isinstance(base, _Symbol):
            return self._symbol(base, name)
        if isinstance(base, Ref):
            return Ref(base.address, (*base.path, name))
        if isinstance(base, Unknown):
            return base
        if isinstance(base, dict):
            if name not in base:
                raise _Fail(f"no attribute {name}")
            return base[name]
        raise _Fail("attribute of a non-object")

    def _symbol(self, symbol: _Symbol, name: str) -> Value:
        scope = self.scope
        if scope is None:
            raise _Fail(symbol.name)
        kind = symbol.name
        if kind == "var":
            return scope.module.variable(name)
        if kind == "local":
            return scope.module.local(name)
        if kind == "each":
            if scope.each is None:
                raise _Fail("each outside for_each")
            if isinstance(scope.each, Unknown):
                return scope.each
            if name == "key":
                return scope.each[0]
            if name == "value":
                return scope.each[1]
            raise _Fail(f"each.{name}")
        if kind == "count":
            if name != "index" or scope.count is None:
                raise _Fail("count")
            return scope.count
        if kind in ("module", "path", "terraform"):
            return UNKNOWN
        if kind == "data":
            return UNKNOWN  # data sources are read during plan: unknown here
        return scope.module.resource("managed", kind, name)

    def e_index_expr_term(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        base = self.eval(kids[0])
        index = kids[1]
        assert isinstance(index, Tree)
        if index.data == "short_index":
            key: Value = int(str(_kids(index)[-1]))
        else:
            key = self.eval(_kids(index)[0])
        return _index(base, key)

    def e_attr_splat_expr_term(self, node: Tree[Token]) -> Value:
        return self._splat(node)

    def e_full_splat_expr_term(self, node: Tree[Token]) -> Value:
        return self._splat(node)

    def _splat(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        base = self.eval(kids[0])
        steps = _kids(kids[1])[1:] if isinstance(kids[1], Tree) else []
        if isinstance(base, Ref | Unknown):
            return _unknown(base)
        items = base if isinstance(base, list) else ([] if base is None else [base])
        out = []
        for item in items:
            value = item
            for step in steps:
                assert isinstance(step, Tree)
                if step.data == "get_attr":
                    attr = _kids(step)[0]
                    value = self._attr(
                        value, str(attr.children[0]) if isinstance(attr, Tree) else str(attr)
                    )
                elif step.data == "short_index":
                    value = _index(value, int(str(_kids(step)[-1])))
                else:
                    value = _index(value, self.eval(_kids(step)[0]))
            out.append(value)
        return out

    # operators

    def e_unary_op(self, node: Tree[Token]) -> Value:
        op = str(node.children[0])
        value = self.eval(node.children[-1])
        if is_unknown(value):
            return _unknown(value)
        if op == "!":
            if not isinstance(value, bool):
                raise _Fail("!")
            return not value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _Fail("-")
        return -value

    def e_binary_op(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        left = self.eval(kids[0])
        term = kids[1]
        assert isinstance(term, Tree)
        term_kids = _kids(term)
        op = str(term_kids[0].children[0]) if isinstance(term_kids[0], Tree) else str(term_kids[0])
        # && and || short-circuit on a known operand, as Terraform's do for unknowns.
        if op in ("&&", "||"):
            right = self.eval(term_kids[1])
            decisive = op == "||"
            if left is decisive or right is decisive:
                return decisive
            if is_unknown(left) or is_unknown(right):
                return _unknown(left, right)
            if not isinstance(left, bool) or not isinstance(right, bool):
                raise _Fail(op)
            return left and right if op == "&&" else left or right
        right = self.eval(term_kids[1])
        if _contains_unknown(left) or _contains_unknown(right):
            return _unknown(left, right)
        return _binary(op, left, right)

    def e_conditional(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        condition = self.eval(kids[0])
        if is_unknown(condition):
            a, b = self.eval(kids[1]), self.eval(kids[2])
            return a if a == b and not _contains_unknown(a) else _unknown(condition, a, b)
        if not isinstance(condition, bool):
            raise _Fail("condition")
        return self.eval(kids[1] if condition else kids[2])

    # for expressions

    def _for(self, node: Tree[Token]) -> tuple[list[dict[str, Value]], list[Tree[Token]]] | Unknown:
        kids = [k for k in _kids(node) if isinstance(k, Tree)]
        intro = kids[0]
        names = [
            str(k.children[0])
            for k in _kids(intro)
            if isinstance(k, Tree) and k.data == "identifier"
        ]
        source_node = next(
            k for k in _kids(intro) if isinstance(k, Tree) and k.data != "identifier"
        )
        source = self.eval(source_node)
        if is_unknown(source):
            return _unknown(source)
        if isinstance(source, dict):
            pairs = [(k, source[k]) for k in sorted(source)]
        elif isinstance(source, list):
            pairs = list(enumerate(source))
        else:
            raise _Fail("for over a non-collection")
        scopes = []
        for key, value in pairs:
            bound = {names[0]: value} if len(names) == 1 else {names[0]: key, names[1]: value}
            scopes.append(bound)
        return scopes, kids[1:]

    def _bound(self, names: dict[str, Value]) -> _Evaluator:
        return _Evaluator(self.scope, {**self.names, **names})

    def e_for_tuple_expr(self, node: Tree[Token]) -> Value:
        found = self._for(node)
        if isinstance(found, Unknown):
            return found
        scopes, rest = found
        body, cond = rest[0], (rest[1] if len(rest) > 1 else None)
        out = []
        for names in scopes:
            ev = self._bound(names)
            if cond is not None:
                keep = ev.eval(_kids(cond)[-1])
                if is_unknown(keep):
                    return _unknown(keep)
                if keep is not True:
                    continue
            out.append(ev.eval(body))
        return out

    def e_for_object_expr(self, node: Tree[Token]) -> Value:
        found = self._for(node)
        if isinstance(found, Unknown):
            return found
        scopes, rest = found
        key_node, value_node = rest[0], rest[1]
        cond = rest[2] if len(rest) > 2 and rest[2].data == "for_cond" else None
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        out: dict[str, Value] = {}
        for names in scopes:
            ev = self._bound(names)
            if cond is not None:
                keep = ev.eval(_kids(cond)[-1])
                if is_unknown(keep):
                    return _unknown(keep)
                if keep is not True:
                    continue
            key = ev.eval(key_node)
            if is_unknown(key):
                return _unknown(key)
            value = ev.eval(value_node)
            text = _to_string(key)
            if grouping:
                out.setdefault(text, []).append(value)
            elif text in out:
                raise _Fail("duplicate key")
            else:
                out[text] = value
        return out

    # functions

    def _try(self, name: str, nodes: list[Tree[Token]]) -> Value:
        """`try` gives its first argument that evaluates without an error, `can` whether the
        first does; an unknown argument makes the answer unknown, as in Terraform."""
        nodes = [n for n in nodes if n.data != "new_line_or_comment"]
        for node in nodes:
            try:
                value = self.eval(node)
            except (_Fail, ValueError, TypeError, KeyError, IndexError, ZeroDivisionError):
                if name == "can":
                    return False
                continue
            if name == "can":
                return _unknown(value) if is_unknown(value) else True
            return value
        raise _Fail("try: no argument evaluated")

    def e_function_call(self, node: Tree[Token]) -> Value:
        kids = _kids(node)
        names = [str(k.children[0]) for k in kids if isinstance(k, Tree) and k.data == "identifier"]
        name = "::".join(names)
        args_node = next((k for k in kids if isinstance(k, Tree) and k.data == "arguments"), None)
        args: list[Value] = []
        expand = False
        if name in ("try", "can") and args_node is not None:
            return self._try(name, [c for c in args_node.children if isinstance(c, Tree)])
        if args_node is not None:
            for child in args_node.children:
                if isinstance(child, Token) and child.type == "ELLIPSIS":
                    expand = True
                elif isinstance(child, Tree) and child.data != "new_line_or_comment":
                    args.append(self.eval(child))
        if expand:
            last = args.pop() if args else None
            if is_unknown(last):
                return _unknown(last)
            if not isinstance(last, list):
                raise _Fail("...")
            args.extend(last)
        function = _FUNCTIONS.get(name)
        if function is None:
            return _unknown(*args)
        if name not in _UNKNOWN_AWARE and any(_contains_unknown(a) for a in args):
            return _unknown(*args)
        return function(*args)


class _Symbol:
    def __init__(self, name: str) -> None:
        self.name = name


@dataclass(frozen=True)
class _Interp:
    value: Value


def closing_brace(text: str, pos: int) -> int:
    """Index of the `}` closing the interpolation whose body starts at `pos` (-1 if none):
    braces nest, and quoted strings inside it are skipped (fix/trace.py splits templates with
    it too)."""
    depth = 0
    in_string = False
    i = pos
    while i < len(text):
        ch = text[i]
        if in_string:
            if ch == "\\":
                i += 2
                continue
            if ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _template(parts: list[Value]) -> Value:
    """A string template: one interpolation alone keeps its value (Terraform does the same);
    otherwise every piece must be a known primitive."""
    pieces = [p for p in parts if not (isinstance(p, str) and p == "")]
    if len(pieces) == 1 and isinstance(pieces[0], _Interp):
        return pieces[0].value
    out = []
    for p in parts:
        value = p.value if isinstance(p, _Interp) else p
        if is_unknown(value) or _contains_unknown(value):
            return _unknown(*(q.value for q in parts if isinstance(q, _Interp)))
        out.append(_to_string(value))
    return "".join(out)


def _to_string(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    raise _Fail("not a string")


def _contains_unknown(value: Value) -> bool:
    if isinstance(value, Unknown | Ref):
        return True
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    return False


def _index(base: Value, key: Value) -> Value:
    if isinstance(base, Ref):
        if is_unknown(key):
            return base if not base.path else _unknown(base, key)
        if not base.path and "[" not in base.address.rsplit(".", 1)[-1]:
            return Ref(base.address + format_key(key if isinstance(key, int) else str(key)))
        return Ref(base.address, (*base.path, key))
    if isinstance(base, Unknown):
        return base
    if is_unknown(key):
        if isinstance(base, list | dict):
            refs = [
                v for v in (base if isinstance(base, list) else base.values()) if isinstance(v, Ref)
            ]
            addresses = {_config_of(r.address) for r in refs}
            if refs and len(addresses) == 1 and len(refs) == len(base):
                return Ref(addresses.pop())  # one of the instances: which one is not known
        return _unknown(key)
    if isinstance(base, list):
        if isinstance(key, bool) or not isinstance(key, int | float):
            raise _Fail("list index")
        return base[int(key)]
    if isinstance(base, dict):
        return base[_to_string(key)]
    raise _Fail("index of a non-collection")


def _config_of(address: str) -> str:
    try:
        return Address.parse(address).config_address
    except ValueError:
        return address


def _binary(op: str, left: Value, right: Value) -> Value:
    if op == "==":
        return _equal(left, right)
    if op == "!=":
        return not _equal(left, right)
    if op in ("+", "-", "*", "/", "%", "<", ">", "<=", ">="):
        a, b = _number(left), _number(right)
        if op == "+":
            return _tidy(a + b)
        if op == "-":
            return _tidy(a - b)
        if op == "*":
            return _tidy(a * b)
        if op == "/":
            return _tidy(a / b)
        if op == "%":
            return _tidy(math.fmod(a, b))
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    raise _Fail(op)


def _equal(a: Value, b: Value) -> bool:
    if isinstance(a, bool) != isinstance(b, bool):
        return False
    return bool(a == b)


def _number(value: Value) -> float | int:
    if isinstance(value, bool):
        raise _Fail("bool as number")
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return float(value)
    raise _Fail("not a number")


def _tidy(value: float | int) -> float | int:
    return int(value) if isinstance(value, float) and value.is_integer() else value


# -- functions ------------------------------------------------------------------------------------


def _tolist(value: Value) -> list[Value]:
    if isinstance(value, list):
        return list(value)
    raise _Fail("not a list")


def _toset(value: Value) -> list[Value]:
    items = _tolist(value)
    out: list[Value] = []
    for item in items:
        if item not in out:
            out.append(item)
    if all(isinstance(i, str) for i in out):
        return sorted(out)
    return out


def _merge(*maps: Value) -> Value:
    out: dict[str, Value] = {}
    for m in maps:
        if m is None:
            continue
        if not isinstance(m, dict):
            raise _Fail("merge")
        out.update(m)
    return out


def _lookup(m: Value, key: Value, *default: Value) -> Value:
    if not isinstance(m, dict):
        raise _Fail("lookup")
    k = _to_string(key)
    if k in m:
        return m[k]
    if default:
        return default[0]
    raise _Fail("lookup")


def _coalesce(*values: Value) -> Value:
    for v in values:
        if v is not None and v != "":
            return v
    raise _Fail("coalesce")


def _length(value: Value) -> int:
    if isinstance(value, str | list | dict):
        return len(value)
    raise _Fail("length")


def _flatten(value: Value) -> list[Value]:
    out: list[Value] = []
    for item in _tolist(value):
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _jsonencode(value: Value) -> Value:
    # Rules read policies as data: the document is kept as the structure it encodes.
    return value


def _jsondecode(value: Value) -> Value:
    return json.loads(str(value))


def _format(fmt: Value, *args: Value) -> str:
    text = str(fmt)
    values = iter(args)

    def sub(match: re.Match[str]) -> str:
        spec = match.group(0)
        if spec == "%%":
            return "%"
        value = next(values)
        if spec.endswith("d"):
            return spec % int(_number(value))
        if spec.endswith("q"):
            return json.dumps(_to_string(value))
        return (spec[:-1] + "s") % _to_string(value)

    return re.sub(r"%%|%[-+ #0]*\d*(?:\.\d+)?[sdvq]", sub, text)


_FUNCTIONS: Final[Mapping[str, Callable[..., Value]]] = {
    "tolist": _tolist,
    "toset": _toset,
    "tomap": lambda m: dict(m) if isinstance(m, dict) else _fail("tomap"),
    "tostring": lambda v: v if v is None else _to_string(v),
    "tonumber": lambda v: v if v is None else _tidy(_number(v)),
    "tobool": lambda v: (
        v if isinstance(v, bool) or v is None else {"true": True, "false": False}[v]
    ),
    "merge": _merge,
    "concat": lambda *ls: [x for item in ls for x in _tolist(item)],
    "lookup": _lookup,
    "length": _length,
    "lower": lambda s: str(s).lower(),
    "upper": lambda s: str(s).upper(),
    "title": lambda s: str(s).title(),
    "trimspace": lambda s: str(s).strip(),
    "join": lambda sep, items: str(sep).join(_to_string(i) for i in _tolist(items)),
    "split": lambda sep, s: str(s).split(str(sep)),
    "replace": lambda s, a, b: str(s).replace(str(a), str(b)),
    "format": _format,
    "keys": lambda m: sorted(m) if isinstance(m, dict) else _fail("keys"),
    "values": lambda m: [m[k] for k in sorted(m)] if isinstance(m, dict) else _fail("values"),
    "contains": lambda items, v: v in _tolist(items),
    "coalesce": _coalesce,
    "coalescelist": lambda *ls: next((item for item in ls if item), []),
    "compact": lambda items: [i for i in _tolist(items) if i not in (None, "")],
    "distinct": lambda items: [
        json.loads(i) for i in dict.fromkeys(map(json.dumps, _tolist(items)))
    ],
    "flatten": _flatten,
    "element": lambda items, i: _tolist(items)[int(_number(i)) % len(_tolist(items))],
    "zipmap": lambda ks, vs: {
        _to_string(k): v for k, v in zip(_tolist(ks), _tolist(vs), strict=True)
    },
    "range": lambda *a: list(range(*(int(_number(x)) for x in a))),
    "min": lambda *a: min(_number(x) for x in a),
    "max": lambda *a: max(_number(x) for x in a),
    "abs": lambda x: abs(_number(x)),
    "jsonencode": _jsonencode,
    "jsondecode": _jsondecode,
    "one": lambda items: (
        (_tolist(items) or [None])[0] if len(_tolist(items)) <= 1 else _fail("one")
    ),
    "startswith": lambda s, p: str(s).startswith(str(p)),
    "endswith": lambda s, p: str(s).endswith(str(p)),
    "substr": lambda s, o, n: str(s)[int(o) : (None if int(n) < 0 else int(o) + int(n))],
}
# Functions that handle unknown elements themselves (they keep structure around them).
_UNKNOWN_AWARE: Final = frozenset(
    {
        "jsonencode",
        "merge",
        "concat",
        "tolist",
        "toset",
        "tomap",
        "length",
        "keys",
        "flatten",
        "compact",
        "coalescelist",
        "lookup",
    }
)


def _fail(what: str) -> Value:
    raise _Fail(what)
