"""The package's import graph, read from the source (AST) of every module.

Rules:
1. ``micronet_dense.utils`` is the bottom layer: it imports nothing of ``micronet_dense`` outside
   itself.
2. The library never imports the repository's scripts (``tools``, ``benchmarks``, ``demo``,
   ``tests``).
3. A private name (a leading underscore, not a dunder) belongs to the module that defines it. No
   module of the library, tools, benchmarks, demos or tests imports one from another of the
   project's modules (``from m import _name``) or reads one off such a module (``m._name``).
   An underscore *module* (``apis/_pipeline.py``) is private to its package: only modules of that
   package (``micronet_dense.apis.*``) import it.
"""
import ast
from pathlib import Path
from typing import Dict, Iterator, List, NamedTuple, Optional

REPO = Path(__file__).resolve().parents[1]
LIBRARY = 'micronet_dense'
SCRIPTS = ('tools', 'benchmarks', 'demo', 'tests')


class Import(NamedTuple):
    """``importer`` imports ``module`` (absolute name) at ``line``; ``names``: the from-list."""
    importer: str
    line: int
    module: str
    names: List[str]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def source_files(*folders: str) -> List[Path]:
    return sorted(p for folder in folders for p in (REPO / folder).rglob('*.py'))


def is_project_module(module: str) -> bool:
    """Whether ``module`` names a module or package of this repository."""
    path = REPO.joinpath(*module.split('.'))
    return path.with_suffix('.py').is_file() or (path / '__init__.py').is_file()


def is_project(module: str) -> bool:
    return module.split('.')[0] in (LIBRARY, *SCRIPTS)


def is_private(name: str) -> bool:
    return name.startswith('_') and not (name.startswith('__') and name.endswith('__'))


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + '.')


def imports_of(path: Path, tree: ast.AST) -> Iterator[Import]:
    """Every import statement of the module at ``path``, relative imports made absolute."""
    importer = module_name(path)
    package = importer if path.name == '__init__.py' else importer.rpartition('.')[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(importer, node.lineno, alias.name, [])
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ''
            if node.level:
                parts = package.split('.')
                anchor = parts[:len(parts) - node.level + 1]
                module = '.'.join(anchor + ([module] if module else []))
            yield Import(importer, node.lineno, module, [alias.name for alias in node.names])


def parse(path: Path) -> ast.AST:
    return ast.parse(path.read_text(encoding='utf-8'), str(path))


def private_owner_of(module: str) -> Optional[str]:
    """Where the dotted name ``module`` may be imported from: the module or package above its
    last private part (None for a public name)."""
    parts = module.split('.')
    private = [i for i, part in enumerate(parts) if is_private(part)]
    return '.'.join(parts[:private[-1]]) if private else None


def private_uses(path: Path) -> Iterator[str]:
    """``importer:line what`` for each private name ``path`` takes from another project module."""
    tree = parse(path)
    modules: Dict[str, str] = {}  # local name -> the project module it is bound to
    for imp in imports_of(path, tree):
        if not is_project(imp.module):
            continue
        for target in [imp.module] + [f'{imp.module}.{name}' for name in imp.names]:
            owner = private_owner_of(target)
            if owner is not None and not within(imp.importer, owner):
                yield f'{imp.importer}:{imp.line} imports {target}, private to {owner}'
        if not imp.names:
            modules[imp.module.split('.')[0]] = imp.module.split('.')[0]
        modules.update((name, f'{imp.module}.{name}') for name in imp.names
                       if is_project_module(f'{imp.module}.{name}'))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and is_private(node.attr)
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            yield f'{module_name(path)}:{node.lineno} reads {modules[node.value.id]}.{node.attr}'


def test_utils_imports_nothing_else_of_the_package():
    wrong = [f'{imp.importer}:{imp.line} imports {imp.module}'
             for path in source_files(f'{LIBRARY}/utils') for imp in imports_of(path, parse(path))
             if within(imp.module, LIBRARY) and not within(imp.module, f'{LIBRARY}.utils')]
    assert not wrong, '\n'.join(wrong)


def test_library_does_not_import_scripts():
    wrong = [f'{imp.importer}:{imp.line} imports {imp.module}'
             for path in source_files(LIBRARY) for imp in imports_of(path, parse(path))
             if imp.module.split('.')[0] in SCRIPTS]
    assert not wrong, '\n'.join(wrong)


def test_no_private_names_across_modules():
    wrong = [use for path in source_files(LIBRARY, *SCRIPTS) for use in private_uses(path)]
    assert not wrong, '\n'.join(wrong)


def test_rules_catch_each_kind_of_private_use(tmp_path, monkeypatch):
    monkeypatch.setitem(globals(), 'REPO', tmp_path)
    package = tmp_path / LIBRARY / 'apis'
    package.mkdir(parents=True)
    for path in (tmp_path / LIBRARY / '__init__.py', package / '__init__.py'):
        path.write_text('')
    (package / '_pipeline.py').write_text('def _helper():\n    pass\n')
    (package / 'inference.py').write_text(
        'from . import _pipeline\nfrom ._pipeline import _helper\n_pipeline._helper()\n')
    other = tmp_path / LIBRARY / 'tools_like.py'
    other.write_text('from micronet_dense.apis import _pipeline\n')
    assert list(private_uses(package / 'inference.py')) == [
        'micronet_dense.apis.inference:2 imports micronet_dense.apis._pipeline._helper, '
        'private to micronet_dense.apis._pipeline',
        'micronet_dense.apis.inference:3 reads micronet_dense.apis._pipeline._helper']
    assert list(private_uses(other)) == [
        'micronet_dense.tools_like:1 imports micronet_dense.apis._pipeline, private to '
        'micronet_dense.apis']
