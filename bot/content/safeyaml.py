"""Guarded YAML loading for untrusted front matter: no alias bombs, no deep nesting.

`load` refuses anchors/aliases reused anywhere, nesting deeper than `MAX_DEPTH` and trees
of more than `MAX_NODES` nodes before anything is built, and builds the tree itself with
PyYAML's safe constructor only for the rare scalar it does not handle. It also refuses a
key repeated in one mapping (PyYAML would keep the last silently), a tagged value that is
not what its tag says (`!!int abc`) and a number too long to store or show. A timestamp
that is not a real date (`2021-02-30`) is kept as its text. Every refusal is a
`YAMLRefused` whose `str()` is a one-line reason naming the line and column when known.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_DEPTH = 64
MAX_NODES = 50_000
# Python refuses to turn an int of more than 4,300 digits into text (and so JSON): a bound
# far below that keeps every number a record holds storable and showable.
MAX_INT_DIGITS = 100
_INT_BOUND = 10**MAX_INT_DIGITS
# Each nesting level needs one of the indicators `[{-?:`, so with at most this many of them
# libyaml's composer (recursive in C: deep input crashes the process) is safe to run as is.
FAST_INDICATORS = 500

ALIASES = "anchors/aliases are not allowed (they can hide an alias bomb)"
TOO_DEEP = f"YAML nested too deeply (more than {MAX_DEPTH} levels)"
TOO_BIG = f"YAML has too many nodes (more than {MAX_NODES})"
NO_DOCUMENT = "no YAML document"
DUPLICATE_KEY = "duplicate key {key}"
BAD_VALUE = "not a valid {tag} value"
LONG_NUMBER = f"number too long (more than {MAX_INT_DIGITS} digits)"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _SEQ, _MAP, _INT, _BOOL, _TIMESTAMP = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "int", "bool", "timestamp")
)
_MERGE = "tag:yaml.org,2002:merge"
# What PyYAML's scalar constructors raise on a value their tag does not fit.
_CONSTRUCT_ERRORS = (ValueError, KeyError, IndexError, AttributeError, OverflowError)
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")  # YAML 1.1 reads a leading 0 as octal
_Scalar = yaml.ScalarNode
_BOOLS = yaml.constructor.SafeConstructor.bool_values  # "yes", "off", "true", ... lowercased


class YAMLRefused(ValueError):
    """YAML that cannot be loaded safely; `str(e)` is the one-line reason."""


class EmptyDocument(YAMLRefused):
    """The text holds no YAML document at all."""


def load(text: str, first_line: int = 1) -> Any:
    """The data of the single YAML document in `text`; `first_line` is the file line number
    of the text's first line, for error messages. Raises `YAMLRefused` (`EmptyDocument`
    when there is no document)."""
    if sum(map(text.count, "[{-?:")) > FAST_INDICATORS:
        _check_depth(text, first_line)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise EmptyDocument(NO_DOCUMENT)
        if "*" in text:  # only an alias ("*name") can share a node: refuse before building
            _check_aliases(node, first_line)
        return _merged(loader, node) if "<<" in text else _plain(loader, node, 0)
    except _Refused as e:
        raise YAMLRefused(e.reason(first_line)) from None
    except yaml.YAMLError as e:
        raise YAMLRefused(_yaml_reason(e, text, first_line)) from None
    except TypeError:  # a list or mapping used as a mapping key
        raise YAMLRefused("YAML error: a mapping key must be a plain value") from None
    finally:
        loader.dispose()


def _check_depth(text: str, first_line: int) -> None:
    """Refuse deep nesting from the flat event stream: libyaml's composer recurses in C."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YAMLRefused(TOO_DEEP)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError as e:
        # Newer libyaml builds stop deep nesting in their scanner already: same verdict.
        reason = TOO_DEEP if "nesting depth" in str(e) else _yaml_reason(e, text, first_line)
        raise YAMLRefused(reason) from None


def _check_aliases(root: yaml.Node, first_line: int) -> None:
    """Refuse any node reached twice, before anything is built: no alias is ever expanded."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            mark = node.start_mark
            where = f"line {mark.line + first_line}, column {mark.column + 1}"
            raise YAMLRefused(f"YAML error at {where}: {ALIASES}")
        seen.add(id(node))
        if len(seen) > MAX_NODES:
            raise YAMLRefused(TOO_BIG)
        if isinstance(node, yaml.MappingNode):
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


def _plain(loader: Any, node: yaml.Node, depth: int) -> Any:
    """Data from an alias-free node tree: strings, decimal ints, booleans, lists and
    mappings are built here (the hot path); other scalars and any explicit tag go to
    PyYAML's safe constructor, which refuses `!!python/...` and never executes anything."""
    if depth > MAX_DEPTH:
        raise YAMLRefused(TOO_DEEP)
    tag = node.tag
    if tag == _STR and isinstance(node, _Scalar):
        return node.value
    if tag == _SEQ:
        return [_plain(loader, child, depth + 1) for child in node.value]
    if tag == _MAP:
        return _mapping(loader, node, depth + 1)
    if isinstance(node, _Scalar):
        # What PyYAML's int and bool constructors return for these, without their overhead.
        if tag == _INT and _DECIMAL.fullmatch(node.value):
            if len(node.value) > MAX_INT_DIGITS + 1:  # int() itself refuses 4,300 digits
                raise _Refused(node, LONG_NUMBER)
            return _checked(int(node.value), node)
        if tag == _BOOL and node.value.lower() in _BOOLS:
            return _BOOLS[node.value.lower()]
    return _construct(loader, node)


def _mapping(loader: Any, node: yaml.Node, depth: int) -> dict[Any, Any]:
    """A mapping whose keys and values are at `depth`; string scalars, most of a record,
    are taken in place instead of through one call of `_plain` each."""
    data = {}
    for k, v in node.value:
        if depth > MAX_DEPTH:
            raise YAMLRefused(TOO_DEEP)  # as `_plain` would for the key
        key = k.value if k.tag == _STR and isinstance(k, _Scalar) else _plain(loader, k, depth)
        if key in data:
            raise _Refused(k, DUPLICATE_KEY.format(key=_key_shown(k)))
        data[key] = (
            v.value if v.tag == _STR and isinstance(v, _Scalar) else _plain(loader, v, depth)
        )
    return data


def _construct(loader: Any, node: yaml.Node) -> Any:
    """PyYAML's safe constructor for `node`, its failures reported at the node."""
    try:
        value = loader.construct_object(node, deep=True)
    except _CONSTRUCT_ERRORS:
        if node.tag == _TIMESTAMP and isinstance(node, _Scalar):
            return node.value  # shaped like a date but not one (2021-02-30): its text
        # The value itself is not shown: it may be the `secured` token.
        raise _Refused(node, BAD_VALUE.format(tag=_tag_shown(node.tag))) from None
    return _checked(value, node)


def _merged(loader: Any, node: yaml.Node) -> Any:
    """The document built by PyYAML, which resolves merge keys (`<<`), after the same
    duplicate-key check; safe here: no aliases, bounded depth. Merge keys are rare."""
    _check_duplicate_nodes(node)
    try:
        data = loader.construct_document(node)
    except _CONSTRUCT_ERRORS:
        raise YAMLRefused("YAML error: a value is not what its tag says") from None
    return _checked(data, node)


def _check_duplicate_nodes(root: yaml.Node) -> None:
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            seen: set[tuple[str, str]] = set()
            for k, v in node.value:
                stack.append(v)
                if not isinstance(k, _Scalar) or k.tag == _MERGE:
                    continue
                if (k.tag, k.value) in seen:
                    raise _Refused(k, DUPLICATE_KEY.format(key=_key_shown(k)))
                seen.add((k.tag, k.value))


def _checked(value: Any, node: yaml.Node) -> Any:
    """`value`, unless it holds an int too long to store or show (keys included)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not -_INT_BOUND < item < _INT_BOUND:
            raise _Refused(node, LONG_NUMBER)
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list | tuple | set):
            stack.extend(item)
    return value


class _Refused(Exception):
    """A refusal at `node`, turned into a `YAMLRefused` naming its line once `load` knows
    where the text starts in its file."""

    def __init__(self, node: yaml.Node, problem: str) -> None:
        super().__init__(problem)
        self.mark, self.problem = node.start_mark, problem

    def reason(self, first_line: int) -> str:
        where = f"line {self.mark.line + first_line}, column {self.mark.column + 1}"
        return f"YAML error at {where}: {self.problem}"


def _key_shown(node: yaml.Node) -> str:
    text = repr(node.value) if isinstance(node, _Scalar) else "(a collection)"
    return text if len(text) <= 40 else text[:37] + "..."


def _tag_shown(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


def _yaml_reason(e: yaml.YAMLError, text: str, first_line: int) -> str:
    if isinstance(e, yaml.reader.ReaderError):
        before = _text_before(text, e.position)
        column = len(before) - before.rfind("\n")
        where, problem = (before.count("\n"), column), f"{e.reason} (#x{e.character:04x})"
    else:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        where = (mark.line, mark.column + 1) if mark else None
        problem = getattr(e, "problem", None) or type(e).__name__
        if getattr(e, "context", None):
            problem = f"{problem} ({e.context})"
    tag = isinstance(e, yaml.constructor.ConstructorError)
    label = "YAML tag not allowed" if tag else "YAML error"
    at = f" at line {where[0] + first_line}, column {where[1]}" if where else ""
    return " ".join(f"{label}{at}: {problem}".split())


def _text_before(text: str, position: int) -> str:
    if _Loader is yaml.SafeLoader:
        return text[:position]
    # libyaml reports reader errors as a byte offset into the UTF-8 text.
    return text.encode("utf-8")[:position].decode("utf-8", "ignore")
