"""Fail on any import cycle between the project's packages or between its modules.

    python scripts/import_cycles.py [ROOT]

Reads every `import` and `from ... import` of every module in the project's own packages
(the top-level directories of ROOT that hold an `__init__.py`) with `ast`, at any depth:
imports inside functions count, because a function-level import that dodges a cycle at
start-up is still a cycle in the design. Imports under `if TYPE_CHECKING:` are the one
exception (they never run). Two graphs are checked: modules (`activation.models.devices`
→ `activation.codes`) and top-level packages (`activation` → `portal`). Each cycle is
printed; the exit status is 1 if there is any, 0 otherwise. `make lint` runs it.
"""

import ast
import sys
from pathlib import Path


def project_modules(root: Path) -> dict[str, Path]:
    """Every module of every top-level package under `root`, by dotted name."""
    modules = {}
    for init in sorted(root.glob("*/__init__.py")):
        package = init.parent
        for path in sorted(package.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if not all(
                (root.joinpath(*parts[:i]) / "__init__.py").exists() for i in range(1, len(parts))
            ):
                continue  # a script in a plain directory, not importable as a module
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST, module: str, is_package: bool):
    """Yield (module name, names taken from it) for each import statement in `tree`."""
    package = module if is_package else module.rpartition(".")[0]
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            yield base, [alias.name for alias in node.names]
        stack.extend(ast.iter_child_nodes(node))


def import_graph(root: Path) -> dict[str, set[str]]:
    """module → the project modules it imports (itself excluded)."""
    modules = project_modules(root)
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = set()
        for base, names in _imports(tree, name, path.name == "__init__.py"):
            submodules = {f"{base}.{n}" for n in names} & modules.keys()
            # `from pkg import submodule` depends on the submodule; it runs pkg/__init__
            # too, but so does every import of a module inside pkg.
            targets |= submodules
            if base in modules and (not names or len(submodules) < len(names)):
                targets.add(base)
        targets.discard(name)
        graph[name] = targets
    return graph


def package_graph(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    top = {}
    for module, targets in graph.items():
        package = module.split(".")[0]
        top.setdefault(package, set()).update(
            t.split(".")[0] for t in targets if t.split(".")[0] != package
        )
    return top


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The shortest cycle through each node that is on one, without repeats."""
    found, seen = [], set()
    for start in sorted(graph):
        cycle = _shortest_cycle(graph, start)
        if cycle is None:
            continue
        at = cycle.index(min(cycle[:-1]))  # the same cycle from another node: one line
        key = tuple(cycle[at:-1] + cycle[:at])
        if key not in seen:
            seen.add(key)
            found.append(cycle)
    return found


def _shortest_cycle(graph, start):
    """A shortest path from ``start`` back to itself (breadth first), or None."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for target in sorted(graph.get(node, ())):
            if target == start:
                return [*paths[node], start]
            if target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return None


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent
    graph = import_graph(root)
    found = [("package", c) for c in cycles(package_graph(graph))]
    found += [("module", c) for c in cycles(graph)]
    for kind, cycle in found:
        print(f"import cycle between {kind}s: {' -> '.join(cycle)}")
    if not found:
        print(f"no import cycles in {len(graph)} modules")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
