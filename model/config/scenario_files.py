"""Reading scenario files: YAML that gives every key once, `extends:` chains merged key by
key, and the file that set each key path (what model/config/scenario.py validates and
names in its messages).

`extends: FILE` (relative to the extending file) loads a parent first; the child
overrides any key by path, mappings merge key by key, lists and scalars replace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from model.config.expectations import resolve_against
from model.errors import ScenarioError


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names the same key twice (YAML 1.2 forbids it; PyYAML keeps the last)."""


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a key given twice in one mapping, at its line, instead of
    silently keeping the last value."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)  # merge keys (<<) first, as SafeLoader does
            seen: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: SafeLoader reports it below
                    continue
                if first is not None:
                    raise DuplicateKeyError(
                        "while reading a mapping", node.start_mark,
                        f"key {key!r} is given twice (first at line "
                        f"{first.start_mark.line + 1}); allowed: each key once",
                        key_node.start_mark,
                    )  # fmt: skip
                seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def read_yaml_text(text: str) -> Any:
    """Parse YAML with the safe loader, refusing duplicate keys (yaml.YAMLError)."""
    return yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)


def read_yaml_file(path: Path, referenced_from: str | None) -> dict[str, Any]:
    """The mapping a YAML file holds; a missing, malformed, empty or non-mapping file is a
    ScenarioError naming the file (and, for a parent, the file that named it)."""
    where = f" (named by {referenced_from})" if referenced_from else ""
    if not path.is_file():
        raise ScenarioError([f"{path}: file not found{where}"])
    try:
        data = read_yaml_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{path}: malformed YAML{at}: {problem}"]) from None
    except UnicodeDecodeError:
        raise ScenarioError([f"{path}: not a UTF-8 text file"]) from None
    if data is None:  # nothing but blanks or comments: a typo'd path, a truncated copy
        raise ScenarioError(
            [f"{path}: at line 1: the file is empty{where}; allowed: a mapping of keys "
             "(e.g. name: ..., extends: ...)"]
        )  # fmt: skip
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"{path}: the top level must be a mapping of keys, not {type(data).__name__}"]
        )
    return data


def merge_override(base: dict, override: dict, origin: dict, file: str, prefix: tuple = ()) -> dict:
    """Deep-merge `override` into `base`, recording which file set each key path."""
    merged = dict(base)
    for key, value in override.items():
        path = (*prefix, key)
        if (
            isinstance(value, dict)
            and isinstance(merged.get(key), dict)
            and key not in {"poverty_line", "national_poverty_line"}
        ):
            merged[key] = merge_override(merged[key], value, origin, file, path)
        else:
            merged[key] = value
            origin[path] = file
    return merged


def load_raw(
    path: Path, origin: dict, chain: tuple[Path, ...], referenced_from: str | None
) -> dict:
    """The scenario file at `path` with its `extends:` chain merged in (not yet validated);
    `origin` records which file set each key path. Paths a file names (the household
    table, expectations) are resolved against that file's folder."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError([f"{chain[-1]}: extends: inheritance cycle: {cycle}"])
    data = read_yaml_file(path, referenced_from)
    if chain:  # a parent's expectations are its own, not the child's (config/expectations.py)
        data.pop("expect", None)
    elif "expect" in data:
        data["expect"] = resolve_against(data["expect"], path.parent)
    parent = data.pop("extends", None)
    base: dict = {}
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError([f"{path}: extends: must be a file path (a string)"])
        base = load_raw(path.parent / parent, origin, (*chain, path), f"{path}: extends")
    csv = (
        data.get("population", {}).get("households_csv")
        if isinstance(data.get("population"), dict)
        else None
    )
    if isinstance(csv, str):  # resolve relative to the file that names it
        data["population"]["households_csv"] = str((path.parent / csv).resolve())
    return merge_override(base, data, origin, str(path))
