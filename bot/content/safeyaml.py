"""Guarded YAML loading for untrusted front matter: no alias bombs, no deep nesting.

`load` refuses anchors/aliases reused anywhere, nesting deeper than `MAX_DEPTH` and trees
of more than `MAX_NODES` nodes before anything is built, and builds the tree itself with
PyYAML's safe constructor only for the rare scalar it does not handle. Every refusal is a
`YAMLRefused` whose `str()` is a one-line reason naming the line and column when known.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

MAX_DEPTH = 64
MAX_NODES = 50_000
# Each nesting level needs one of the indicators `[{-?:`, so with at most this many of them
# libyaml's composer (recursive in C: deep input crashes the process) is safe to run as is.
FAST_INDICATORS = 500

ALIASES = "anchors/aliases are not allowed (they can hide an alias bomb)"
TOO_DEEP = f"YAML nested too deeply (more than {MAX_DEPTH} levels)"
TOO_BIG = f"YAML has too many nodes (more than {MAX_NODES})"
NO_DOCUMENT = "no YAML document"

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _SEQ, _MAP, _INT, _BOOL = (
    f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map", "int", "bool")
)
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
        # Merge keys are rare: let PyYAML resolve them (safe here: no aliases, bounded depth).
        return loader.construct_document(node) if "<<" in text else _plain(loader, node, 0)
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
            return int(node.value)
        if tag == _BOOL and node.value.lower() in _BOOLS:
            return _BOOLS[node.value.lower()]
    return loader.construct_object(node, deep=True)


def _mapping(loader: Any, node: yaml.Node, depth: int) -> dict[Any, Any]:
    """A mapping whose keys and values are at `depth`; string scalars, most of a record,
    are taken in place instead of through one call of `_plain` each."""
    data = {}
    for k, v in node.value:
        if depth > MAX_DEPTH:
            raise YAMLRefused(TOO_DEEP)  # as `_plain` would for the key
        key = k.value if k.tag == _STR and isinstance(k, _Scalar) else _plain(loader, k, depth)
        data[key] = (
            v.value if v.tag == _STR and isinstance(v, _Scalar) else _plain(loader, v, depth)
        )
    return data


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
