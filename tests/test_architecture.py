"""The layout's one rule: imports flow one way, from files to answers to front ends.

ingest -> index -> app.settings, app.records -> app.retrieval -> app.answering -> app.drafting
-> app.service -> app.web -> eval -> app.cli. A module may import its own layer and those before
it, never one after: a cycle cannot be dodged with an import inside a function, because every
import is read, wherever it stands (only those under `if TYPE_CHECKING:` are for the type
checker alone and are skipped).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"ingest": "scrutiny.ingest", "index": "scrutiny.index", "app": "scrutiny.app",
            "eval": "scrutiny.eval", "prompts": "scrutiny.prompts"}
LAYERS = (
    ("scrutiny.prompts", "scrutiny.ingest", "scrutiny.app"),  # scrutiny.app alone: its empty __init__
    ("scrutiny.index",),
    ("scrutiny.app.settings", "scrutiny.app.records"),
    ("scrutiny.app.retrieval",),
    ("scrutiny.app.answering",),
    ("scrutiny.app.drafting",),
    ("scrutiny.app.service",),
    ("scrutiny.app.web",),
    ("scrutiny.eval",),
    ("scrutiny.app.cli",),
)


def layer_of(module: str) -> int:
    """The layer a scrutiny module belongs to (its longest matching prefix)."""
    matches = [(len(prefix), rank) for rank, prefixes in enumerate(LAYERS) for prefix in prefixes
               if module == prefix or module.startswith(prefix + ".")]
    if not matches:
        raise LookupError(f"{module} belongs to no layer: add it to LAYERS")
    return max(matches)[1]


def module_files() -> list[tuple[str, Path]]:
    """(module name, path) of every Python module of the product (tests aside)."""
    found = []
    for folder, package in PACKAGES.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = parts[:-1] if parts[-1] == "__init__" else parts
            found.append((".".join((package, *parts)), path))
    return found


def _type_checking_only(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def scrutiny_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a scrutiny module in the file, at any depth."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    imports = []
    for node in ast.walk(tree):
        if _type_checking_only(node, parents):
            continue
        if isinstance(node, ast.Import):
            imports += [(node.lineno, alias.name) for alias in node.names if alias.name.startswith("scrutiny.")]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("scrutiny."):
            assert node.module is not None
            imports.append((node.lineno, node.module))
    return imports


@pytest.mark.parametrize(("module", "path"), module_files(), ids=lambda value: str(value))
def test_imports_flow_one_way(module, path):
    own = layer_of(module)
    upward = [f"{path.relative_to(ROOT)}:{line} imports {target}"
              for line, target in scrutiny_imports(path) if layer_of(target) > own]
    assert not upward, "\n".join(upward)


def test_the_check_sees_an_upward_import_inside_a_function(tmp_path):
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    from scrutiny.app.service import Scrutiny\n", encoding="utf-8")
    assert scrutiny_imports(sneaky) == [(2, "scrutiny.app.service")]
    assert layer_of("scrutiny.app.service") > layer_of("scrutiny.app.answering.features")


def test_app_keeps_only_its_seams_at_the_top():
    top = sorted(path.name for path in (ROOT / "app").glob("*.py"))
    assert top == ["__init__.py", "cli.py", "records.py", "service.py", "settings.py"]
