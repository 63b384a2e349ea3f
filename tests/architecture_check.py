"""Static check of gaitcheck's import layering: parses the source with `ast`, never imports it.

The layer map is the `layers` contract of `[tool.importlinter]` in pyproject.toml, so this check and
`lint-imports` read one map. Every import counts: module-level, function-local, under `if TYPE_CHECKING:`,
absolute and relative. Run it by hand with `python tests/architecture_check.py [REPO_ROOT]`.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

LAYERS_CONTRACT_ID = "layers"


@dataclass(frozen=True)
class Layer:
    """Modules and packages (a package brings all its submodules) that share one layer."""

    units: tuple[str, ...]
    independent: bool = False  # import-linter's `a | b`: siblings may not import each other; `a : b` may


@dataclass(frozen=True)
class LayerMap:
    """The root package and its layers, lowest first."""

    root: str
    layers: tuple[Layer, ...]

    def level(self, module: str) -> int | None:
        """1-based layer of `module` (lowest is 1); None when no layer holds it."""
        unit = self.unit(module)
        return None if unit is None else next(i for i, lay in enumerate(self.layers, 1) if unit in lay.units)

    def unit(self, module: str) -> str | None:
        """The most specific map entry that is `module` or one of its packages."""
        best: str | None = None
        for layer in self.layers:
            for unit in layer.units:
                if (module == unit or module.startswith(unit + ".")) and (best is None or len(unit) > len(best)):
                    best = unit
        return best

    def legend(self) -> str:
        """One line per layer, lowest first."""
        return "\n".join(f"  {i}: {', '.join(lay.units)}" for i, lay in enumerate(self.layers, 1))


def parse_layers(raw: Sequence[str], container: str) -> LayerMap:
    """Build a LayerMap from import-linter `layers` strings (highest first, relative to `container`)."""
    layers = []
    for line in reversed(raw):
        independent = "|" in line
        if independent and ":" in line:
            raise ValueError(f"layer {line!r} mixes '|' and ':'")
        names = [name.strip() for name in line.replace("|", ":").split(":")]
        units = tuple(f"{container}.{name.removeprefix('(').removesuffix(')').strip()}" for name in names)
        layers.append(Layer(units, independent))
    return LayerMap(container.partition(".")[0], tuple(layers))


def load_layers(pyproject: Path, contract_id: str = LAYERS_CONTRACT_ID) -> LayerMap:
    """The LayerMap of the `layers` contract with id `contract_id` in pyproject.toml's [tool.importlinter]."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["importlinter"]
    contract = next(c for c in config["contracts"] if c.get("id") == contract_id)
    (container,) = contract["containers"]
    return parse_layers(contract["layers"], container)


@dataclass(frozen=True)
class Import:
    """One import statement's edge: `importer` (in file `path`, at `line`) imports module `target`."""

    importer: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line} -> {self.target}"


def module_names(package_dir: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file under `package_dir` (a package's is its __init__.py)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement, nested ones too (function, class, if, try, with, loop and match bodies).

    Imports are statements, so expressions, the bulk of a tree, need no visit.
    """
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        for name in ("cases", "handlers", "finalbody", "orelse", "body"):
            children = getattr(node, name, None)
            if isinstance(children, list):
                stack.extend(reversed(children))


def _imports_of(tree: ast.Module, importer: str, is_package: bool, known: set[str]) -> Iterator[tuple[str, int]]:
    """(target module, line) for every import anywhere in `tree`, relative ones resolved."""
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = importer.split(".") if is_package else importer.split(".")[:-1]
                if node.level - 1 >= len(package):
                    continue  # reaches above the top-level package: not ours to judge
                base = ".".join(package[: len(package) - (node.level - 1)] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule if submodule in known else base), node.lineno


def collect_imports(package_dir: Path, known_extra: Iterable[str] = ()) -> tuple[dict[str, Path], list[Import]]:
    """The package's modules and every import inside it of a module of the same package.

    `from pkg import name` counts as importing `pkg.name` when that is a module on disk or in `known_extra`
    (e.g. a mapped module not written yet), else as importing `pkg` itself.
    """
    modules = module_names(package_dir)
    root = package_dir.name
    known = set(modules) | set(known_extra)
    imports = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        shown = path.relative_to(package_dir.parent).as_posix()
        for target, line in _imports_of(tree, module, path.name == "__init__.py", known):
            if (target == root or target.startswith(root + ".")) and target != module:
                imports.append(Import(module, target, shown, line))
    return modules, sorted(imports, key=lambda i: (i.path, i.line, i.target))


def find_cycles(imports: Iterable[Import]) -> list[list[Import]]:
    """The shortest cycle through each module that is on one, as import edges; rotations of one cycle once."""
    first: dict[tuple[str, str], Import] = {}
    for imp in sorted(imports, key=lambda i: (i.path, i.line)):
        first.setdefault((imp.importer, imp.target), imp)
    graph: dict[str, list[str]] = {}
    for importer, target in first:
        graph.setdefault(importer, []).append(target)
        graph.setdefault(target, [])

    cycles: dict[tuple[str, ...], list[Import]] = {}
    for group in _strongly_connected(graph):
        for start in sorted(group) if len(group) > 1 else ():
            path = _shortest_path_back(graph, group, start)
            lowest = path.index(min(path[:-1]))
            key = tuple(path[lowest:-1] + path[:lowest])
            cycles.setdefault(key, [first[(a, b)] for a, b in pairwise([*key, key[0]])])
    return [cycles[key] for key in sorted(cycles)]


def _shortest_path_back(graph: dict[str, list[str]], group: set[str], start: str) -> list[str]:
    """Breadth first inside `group`: start -> ... -> start."""
    previous: dict[str, str] = {}
    queue = deque([start])
    while queue and start not in previous:
        node = queue.popleft()
        for nxt in sorted(graph[node]):
            if nxt in group and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    path = [start]
    while len(path) == 1 or path[-1] != start:
        path.append(previous[path[-1]])
    return path[::-1]


def _strongly_connected(graph: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


@dataclass
class Findings:
    """What the check found, one human-readable line (or block) per problem."""

    layer_map: LayerMap
    unmapped: list[str] = field(default_factory=list)
    upward: list[str] = field(default_factory=list)
    root_imports: list[str] = field(default_factory=list)
    cycles: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.unmapped or self.upward or self.root_imports or self.cycles)

    def __str__(self) -> str:
        sections = [
            ("modules in no layer", self.unmapped),
            ("imports from a higher layer (or between independent siblings)", self.upward),
            (f"imports of the package root `{self.layer_map.root}`", self.root_imports),
            ("import cycles", self.cycles),
        ]
        text = [explain(title, lines) for title, lines in sections if lines]
        return "\n".join([*text, "layers, lowest first:", self.layer_map.legend()])


def explain(title: str, lines: Sequence[str]) -> str:
    """`title (n):` over the indented lines."""
    return f"{title} ({len(lines)}):" + "".join(f"\n  {line}" for line in lines)


def check(package_dir: Path, layer_map: LayerMap) -> Findings:
    """Check the package in `package_dir` against `layer_map`."""
    mapped = {unit for layer in layer_map.layers for unit in layer.units}
    modules, imports = collect_imports(package_dir, mapped)
    root = layer_map.root
    found = Findings(layer_map)
    for module, path in modules.items():
        if module != root and layer_map.level(module) is None:
            found.unmapped.append(
                f"{path.relative_to(package_dir.parent).as_posix()}: {module} is in no layer; add it to the "
                f"`layers` map ([[tool.importlinter.contracts]] id = {LAYERS_CONTRACT_ID!r} in pyproject.toml)"
            )
    for imp in imports:
        if imp.target == root:
            found.root_imports.append(f"{imp}  (import the defining module, e.g. {root}.version, instead)")
            continue
        own, theirs = layer_map.level(imp.importer), layer_map.level(imp.target)
        if own is None or theirs is None:
            continue  # the root facade, an unmapped module (reported above), or a module not written yet
        if theirs > own:
            found.upward.append(f"{imp}  (layer {own} imports layer {theirs})")
        elif theirs == own and layer_map.layers[own - 1].independent:
            if layer_map.unit(imp.importer) != layer_map.unit(imp.target):
                found.upward.append(f"{imp}  (independent siblings in layer {own})")
    for cycle in find_cycles(imports):
        route = " -> ".join([cycle[0].importer, *(imp.target for imp in cycle)])
        found.cycles.append(route + "".join(f"\n      {imp}" for imp in cycle))
    return found


def main(argv: Sequence[str] = ()) -> int:
    """Print the findings for the repository at argv[0] (default: this file's repository); 1 if any."""
    repo = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    layer_map = load_layers(repo / "pyproject.toml")
    found = check(repo / layer_map.root, layer_map)
    print("architecture: OK" if found.ok else found)
    return 0 if found.ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
