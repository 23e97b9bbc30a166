"""The import graph of exchange/: no cycles, and every arrow points down the declared layer order.

Every `import` and `from ... import` in a module counts, wherever it stands: at module level, inside a
function (a late import that only hides a cycle is still an arrow) and under `if TYPE_CHECKING:`. Importing a
submodule is not counted as importing its parent package's __init__ (Python runs it, but it is not a choice).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "exchange"

# The layers of exchange/, lowest first; a unit may import only units of a lower layer. A unit is a package
# (`practices` = exchange/practices/**) or a top-level module (`errors` = exchange/errors.py), except that a
# domain's `models` module is a unit of its own: the models form one data layer under the rest of the code
# (their relationships name each other anyway), and the policy, which every domain's services ask, reads the
# accounts models (roles, coaching) while sitting below the accounts services.
LAYERS: list[set[str]] = [
    # core: no domain knowledge
    {"database", "i18n", "markdown", "security", "signing", "palette", "charts", "fields", "cli", "routing"},
    {"assets", "servers"},  # hashed static URLs; what running on several servers requires
    {"extensions"},  # db, mail, login manager, ... built on the declarative base
    {"parallel"},  # independent reads of one request at the same time (on the session's engine)
    {"errors"},
    {"forms"},  # the form-and-error contract
    # the data layer, in the order the models refer to each other
    {"reference.models"},
    {"accounts.models"},
    {"practices.models", "digests.models", "search.models", "mail.models", "caching.models"},
    {"documents.models"},  # files attached to practices
    {"jobs"},  # one lease per periodic job, so every server may start them (exchange/jobs.py)
    # asked by every domain: who may do what, the audit log every domain writes to, mail that follows the commit
    {"policy", "audit", "mail", "caching"},
    # the /beheer blueprint and its index page; the screens mount on it from their own domain
    {"admin"},
    # the domains
    {"reference"},  # regions, plans, themes, phases, the fund, and the one lookup of a region or theme
    {"accounts"},  # people (who work for a region), roles, sign-in, coaching assignments (regions x themes)
    {
        "documents"
    },  # files attached to practices: storage, checks, text; below practices so transfer carries them
    {"practices"},  # practices and results; also the region and theme pages that list them
    {"search"},  # indexes practices
    {"digests", "opendata", "maps", "api"},  # built from practices (and search)
    {"feeds", "overview", "privacy"},  # feeds use the API's HTTP helpers, overview the maps, privacy all
    {"workspace"},  # where signed-in people land: lists from practices, accounts, mail and search
    {
        "pages",
        "seed",
        "seo",
    },  # the home page, demo content, the site for machines (robots, sitemap, previews)
    # the application: the list of all models, the template helpers, and the factory that wires it all
    {"models", "templating"},
    {"exchange"},
]


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imported_names(name: str, path: Path) -> set[str]:
    """Every exchange module `name` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            # `from a import b` imports module a.b when there is one, else a name from module a.
            candidates = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module
                for alias in node.names
            ]
        else:
            continue
        for candidate in candidates:
            while candidate not in MODULES and "." in candidate:
                candidate = candidate.rsplit(".", 1)[0]
            if candidate in MODULES and candidate != name:
                found.add(candidate)
    return found


@cache
def module_graph() -> dict[str, set[str]]:
    return {name: _imported_names(name, path) for name, path in MODULES.items()}


def unit_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "exchange"
    if len(parts) == 3 and parts[2] == "models":
        return f"{parts[1]}.models"
    return parts[1]


def layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"{unit!r} is in no layer: add it to LAYERS in {__file__}")


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def unit_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, targets in module_graph().items():
        for target in targets:
            if unit_of(source) != unit_of(target):
                graph[unit_of(source)].add(unit_of(target))
    return graph


def test_the_parser_sees_the_imports_it_should():
    graph = module_graph()
    assert "exchange.errors" in graph["exchange.forms"]  # module level
    assert "exchange.search.outbox" in graph["exchange.search"]  # inside a function
    assert "exchange.reference.models" in graph["exchange.accounts.models"]  # under TYPE_CHECKING


def test_no_module_cycles():
    assert _cycles(module_graph()) == []


def test_no_cycles_between_packages():
    assert _cycles(unit_graph()) == []


def test_every_unit_has_a_layer():
    for module in MODULES:
        layer_of(unit_of(module))


def test_arrows_point_down_the_layers():
    wrong = sorted(
        f"{source} -> {target} ({unit_of(source)} may not import {unit_of(target)})"
        for source, targets in module_graph().items()
        for target in targets
        if unit_of(source) != unit_of(target) and layer_of(unit_of(target)) >= layer_of(unit_of(source))
    )
    assert wrong == []


def test_blueprints_are_defined_in_package_inits():
    """A blueprint is made in its package's __init__; route modules import it, the factory imports them."""
    elsewhere = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", getattr(node.func, "attr", None)) == "Blueprint"
                and path.name != "__init__.py"
            ):
                elsewhere.append(name)
    assert elsewhere == []


def test_no_module_imports_after_its_code():
    """Imports stand at the top of a module (or inside a function), never at its bottom to register routes."""
    late = []
    for name, path in MODULES.items():
        seen_code = False
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if seen_code:
                    late.append(f"{name}:{node.lineno}")
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                seen_code = True
    assert late == []
