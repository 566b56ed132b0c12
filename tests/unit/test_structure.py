"""The structure guard: the import graph of the project's own modules keeps the
layout the READMEs promise (each folder's README says what it may import).

- no cycle between modules (imports inside functions count: they hide cycles);
- voice/ is engines only: no aiohttp, nothing of the gateway;
- bot/ is shared content and pure helpers: it imports nothing of channels/,
  actions/ or voice/;
- a channel package never imports another channel package;
- the gateway core imports no channel, except its app factory (the one place
  that assembles them).
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOP = ("bot", "actions", "voice", "channels", "bench")
CHANNEL_PACKAGES = ("api", "kiosk", "console", "phone", "wechat")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules() -> dict[str, Path]:
    found = {}
    for top in TOP:
        for path in (ROOT / top).rglob("*.py"):
            found[module_name(path)] = path
    return found


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The project's modules that `name` imports (anywhere in the file)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:   # a name inside a module: the module
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                out.add(target)
    return out


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = project_modules()
    known = set(modules)
    return {name: imports_of(path, name, known) for name, path in modules.items()}


def external_imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            out.add(node.module.split(".")[0])
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import cycle as a list of modules, or []."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []


def test_the_guard_sees_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_the_guard_reads_relative_and_nested_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from channels.kiosk import ui\n    import voice.asr\n")
    known = {"channels.kiosk.ui", "channels.kiosk", "voice.asr", "voice"}
    assert imports_of(source, "x.m", known) == {"channels.kiosk.ui", "channels.kiosk", "voice.asr"}


def test_no_module_imports_itself_round_a_cycle(graph):
    assert find_cycle(graph) == []


def test_voice_is_engines_only(graph):
    modules = project_modules()
    for name, path in modules.items():
        if name == "voice" or name.startswith("voice."):
            assert "aiohttp" not in external_imports(path), f"{name} imports aiohttp"
            bad = [m for m in graph[name] if not (m == "voice" or m.startswith(("voice.", "bot.")))]
            assert not bad, f"{name} imports {bad}"


def test_bot_is_shared_and_depends_on_nothing_of_the_processes(graph):
    for name, deps in graph.items():
        if name == "bot" or name.startswith("bot."):
            bad = [m for m in deps if m.startswith(("channels", "actions", "voice"))]
            assert not bad, f"{name} imports {bad}"


def _channel_of(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 2 and parts[0] == "channels" and parts[1] in CHANNEL_PACKAGES:
        return parts[1]
    return None


def test_a_channel_never_imports_another_channel(graph):
    for name, deps in graph.items():
        own = _channel_of(name)
        if own is None:
            continue
        others = sorted({_channel_of(m) for m in deps} - {None, own})
        assert not others, f"{name} (channel {own}) imports channel(s) {others}"


def test_the_core_imports_channels_only_in_its_app_factory(graph):
    for name, deps in graph.items():
        if name.startswith("channels.gateway") and name != "channels.gateway.app":
            channels = sorted({m for m in deps if _channel_of(m)})
            assert not channels, f"{name} imports {channels}"


def test_actions_never_import_the_gateway(graph):
    for name, deps in graph.items():
        if name.startswith("actions"):
            bad = [m for m in deps if m.startswith(("channels", "voice"))]
            assert not bad, f"{name} imports {bad}"


BLOCK_AIOHTTP = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "aiohttp" or name.startswith("aiohttp."):
            raise ImportError("aiohttp is not installed here")
sys.meta_path.insert(0, Block())
import voice.asr, voice.tts, voice.audio, voice.reading, voice.vad
assert "aiohttp" not in sys.modules
print("engines without aiohttp")
"""


def test_the_voice_engines_import_without_aiohttp():
    done = subprocess.run([sys.executable, "-c", BLOCK_AIOHTTP], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "engines without aiohttp" in done.stdout
