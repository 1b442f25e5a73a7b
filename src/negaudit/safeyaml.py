"""YAML from the audited tree (configs, rule packs): PyYAML's safe loader, with bounded size.

yaml.safe_load never runs code, but an alias may stand for a whole subtree, so an 800-byte file with
nested aliases describes 10^9 nodes ("billion laughs"). PyYAML shares the constructed object between
the aliases, and anything that walks it later (str(), validation) expands it. Here the composed node
graph is measured with every alias expanded, before anything is constructed, and a document over
MAX_NODES nodes, or one that contains itself, is refused. Files over MAX_BYTES are refused unread.
"""
from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_BYTES = 16 * 1024 * 1024
MAX_NODES = 100_000  # the shipped packs have about 1,000 each


class YAMLTooLarge(yaml.YAMLError):
    """A document that is too large once its aliases are expanded (or that contains itself)."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = None


def _children(node: Node) -> list:
    if isinstance(node, SequenceNode):
        return node.value
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def expanded_size(root: Node, limit: int = MAX_NODES) -> int:
    """Nodes of the document with every alias expanded; YAMLTooLarge past `limit` or on a cycle."""
    size: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in _children(node))
            if size[key] > limit:
                raise YAMLTooLarge(f"the document expands to more than {limit:,} nodes (nested aliases?)")
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise YAMLTooLarge("the document contains itself through an alias")
            if id(child) not in size:
                stack.append((child, False))
    return size[id(root)]


# libyaml's parser when PyYAML has it (the same safe constructors, several times faster)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(data: bytes | str, limit: int = MAX_NODES) -> Any:
    """yaml.safe_load with the bounds above (YAMLError for every problem, including deep nesting)."""
    if len(data) > MAX_BYTES:
        raise YAMLTooLarge(f"the file is over {MAX_BYTES // (1024 * 1024)} MB")
    loader = _LOADER(data)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        expanded_size(node, limit)
        return loader.construct_document(node)
    except RecursionError:
        raise YAMLTooLarge("the document is nested too deeply") from None
    except yaml.YAMLError as e:
        if "nesting depth" in str(e):  # libyaml's own bound on nesting
            raise YAMLTooLarge("the document is nested too deeply") from None
        raise
    finally:
        loader.dispose()
