"""The shape of the actions package: what rasa_sdk loads, and imports that go one way.

rasa_sdk (`--actions actions`) imports every module of the package and registers
every concrete Action subclass it finds, so the names must match the domain.
"""
import ast
import graphlib
from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]
ACTIONS = ROOT / "actions"


def domain_actions() -> set[str]:
    names = set()
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        names.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("actions") or [])
    return {n for n in names if not n.startswith("utter_")}


def test_the_action_server_registers_every_action_of_the_domain():
    executor = ActionExecutor()
    executor.register_package("actions")
    assert set(executor.actions) == domain_actions()


def imports_of(path: Path) -> tuple[set[str], list[int]]:
    """The actions.* modules a module imports, and the lines of imports not at module top."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    modules, nested = set(), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        if id(node) not in top:
            nested.append(node.lineno)
        modules.update(n.split(".")[1] for n in names
                       if n.startswith("actions.") and (ACTIONS / f"{n.split('.')[1]}.py").exists())
    return modules, nested


def test_action_modules_import_at_the_top_and_without_a_cycle():
    graph = {}
    for path in sorted(ACTIONS.glob("*.py")):
        modules, nested = imports_of(path)
        assert nested == [], f"{path.name}: imports inside functions at lines {nested}"
        graph[path.stem] = modules - {path.stem}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError, naming the cycle
