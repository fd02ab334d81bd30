"""``orderhub new-connector``: a new source's whole folder set, ready to run and test.

Templates live in ``templates/common`` (every kind) and ``templates/<kind>``; each file
mirrors its place in the project, with ``<<name>>``, ``<<Name>>`` and ``<<kind>>``
replaced in paths and contents. The scaffold also declares the console script in
pyproject.toml and the tap in meltano.yml.

All or nothing: :func:`plan` checks every precondition and renders every file before
anything is written, and :func:`scaffold` removes what it wrote (and restores
pyproject.toml and meltano.yml) if a step still fails, so a failure leaves no files.
"""

from __future__ import annotations

import keyword
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from orderhub.exceptions import ConfigurationError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.lineage import write_reference_pages

TEMPLATES = Path(__file__).with_name("templates")
#: Kinds with templates: rest, graphql, sql, soap (each a folder next to ``common``).
KINDS = tuple(
    sorted(d.name for d in TEMPLATES.iterdir() if d.name != "common" and any(d.rglob("*.tmpl")))
)
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
#: Names that would shadow a module the project or Python itself imports.
RESERVED = frozenset(
    {"orderhub", "connectors", "connector_kit", "tests", "test", "common", "mappings", "docs"}
    | {"tap", "target", "singer_sdk", "sqlalchemy", "pydantic", "httpx", "zeep", "meltano"}
    | set(keyword.kwlist)
    | set(sys.stdlib_module_names)
)
REQUIRED = {"pyproject.toml": "file", "connectors": "folder", "mappings": "folder"}
SCRIPTS_TABLE = "[project.scripts]\n"


@dataclass(frozen=True)
class Scaffold:
    """What a scaffold wrote."""

    name: str
    kind: str
    files: list[Path]


@dataclass
class ScaffoldPlan:
    """Every file a scaffold will write, rendered, and the project files it will edit."""

    name: str
    kind: str
    root: Path
    files: dict[Path, str]
    reference_page: Path
    pyproject: str
    meltano: str | None


@dataclass
class _Undo:
    """What to take back if a later step fails."""

    files: list[Path] = field(default_factory=list)
    folders: list[Path] = field(default_factory=list)
    restore: dict[Path, str | None] = field(default_factory=dict)

    def mkdirs(self, folder: Path) -> None:
        missing = [p for p in (folder, *folder.parents) if not p.exists()]
        for path in reversed(missing):
            path.mkdir()
            self.folders.append(path)

    def run(self) -> None:
        for path in reversed(self.files):
            path.unlink(missing_ok=True)
        for folder in reversed(self.folders):
            shutil.rmtree(folder, ignore_errors=True)  # with caches a step left in it
        for path, text in self.restore.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text)


def class_prefix(name: str) -> str:
    """``acme_erp`` -> ``AcmeErp`` (for ``TapAcmeErp``)."""
    return "".join(part.title() for part in name.split("_"))


def tap_script(name: str) -> str:
    """The console script of connector ``name`` (``tap-acme-erp``)."""
    return f"tap-{name.replace('_', '-')}"


def _render(text: str, name: str, kind: str) -> str:
    return (
        text.replace("<<name>>", name)
        .replace("<<Name>>", class_prefix(name))
        .replace("<<kind>>", kind)
        .replace("<<tap>>", tap_script(name))
    )


def _check_name(name: str, kind: str) -> None:
    if not _NAME.match(name):
        raise ConfigurationError(
            f"connector name {name!r} must be 2-31 lower-case letters, digits and _ starting "
            "with a letter (e.g. acme_erp)"
        )
    if name in RESERVED:
        raise ConfigurationError(
            f"connector name {name!r} is reserved (a Python or project module): pick another"
        )
    if kind not in KINDS:
        raise ConfigurationError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


def _check_root(root: Path) -> None:
    for relative, what in REQUIRED.items():
        path = root / relative
        if not (path.is_file() if what == "file" else path.is_dir()):
            raise ConfigurationError(
                f"{root} is not an orderhub project: it has no {relative} {what}; "
                "run new-connector in the project folder or pass --root"
            )


def _check_writable(path: Path, root: Path) -> None:
    """``path`` does not exist and could be created: its nearest existing ancestor is a
    writable folder."""
    relative = path.relative_to(root)
    if path.exists() or path.is_symlink():
        raise ConfigurationError(f"{relative} already exists: remove it or pick another name")
    ancestor = next(p for p in path.parents if p.exists())
    if not ancestor.is_dir():
        raise ConfigurationError(
            f"{ancestor.relative_to(root)} is a file, so {relative} cannot be written: move it"
        )
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise ConfigurationError(f"{ancestor} is not writable: fix its permissions")


def _with_script(pyproject: Path, name: str) -> str:
    text = pyproject.read_text()
    if SCRIPTS_TABLE not in text:
        raise ConfigurationError(f"{pyproject} has no [project.scripts] table: add one")
    if re.search(rf"^{re.escape(tap_script(name))}\s*=", text, re.MULTILINE):
        raise ConfigurationError(
            f"{pyproject} already declares {tap_script(name)}: remove it or pick another name"
        )
    if not os.access(pyproject, os.W_OK):
        raise ConfigurationError(f"{pyproject} is not writable: fix its permissions")
    script = f'{tap_script(name)} = "connectors.{name}.tap:Tap{class_prefix(name)}.cli"'
    head, tail = text.split(SCRIPTS_TABLE, 1)
    end = tail.find("\n\n")
    end = len(tail) if end < 0 else end
    return head + SCRIPTS_TABLE + tail[:end] + "\n" + script + tail[end:]


def _meltano_text(root: Path) -> str | None:
    path = root / "meltano.yml"
    if not path.exists():
        _check_writable(path, root)
        return None
    if not path.is_file() or not os.access(path, os.W_OK):
        raise ConfigurationError(f"{path} is not a writable file: fix it")
    return path.read_text()


def plan(name: str, kind: str, root: Path) -> ScaffoldPlan:
    """Check every precondition and render every file; nothing is written."""
    _check_name(name, kind)
    _check_root(root)
    files: dict[Path, str] = {}
    for folder in (TEMPLATES / "common", TEMPLATES / kind):
        for template in sorted(folder.rglob("*.tmpl")):
            relative = _render(str(template.relative_to(folder)), name, kind).removesuffix(".tmpl")
            files[root / relative] = _render(template.read_text(), name, kind)
    # The folders as a whole too: a stray file inside one would be mixed into the connector.
    owned = [
        root / "connectors" / name,
        root / "mappings" / name,
        root / "tests" / "connectors" / name,
    ]
    page = root / "docs" / "mapping-reference" / f"{name}.md"
    for path in [*owned, *files, page]:
        _check_writable(path, root)
    pyproject = _with_script(root / "pyproject.toml", name)
    return ScaffoldPlan(name, kind, root, files, page, pyproject, _meltano_text(root))


def scaffold(name: str, kind: str, root: Path) -> Scaffold:
    """Write connector ``name`` of ``kind`` into the project at ``root``, or nothing."""
    ready = plan(name, kind, root)
    undo = _Undo()
    try:
        return _write(ready, undo)
    except BaseException as exc:
        undo.run()
        if isinstance(exc, OSError):
            raise ConfigurationError(
                f"could not write connector {name}: {exc}; nothing was left behind"
            ) from None
        raise


def _write(ready: ScaffoldPlan, undo: _Undo) -> Scaffold:
    root = ready.root
    for path, text in ready.files.items():
        undo.mkdirs(path.parent)
        undo.files.append(path)
        path.write_text(text)
    pyproject = root / "pyproject.toml"
    undo.restore[pyproject] = pyproject.read_text()
    pyproject.write_text(ready.pyproject)
    undo.restore[root / "meltano.yml"] = ready.meltano
    _regenerate_meltano(root)
    catalog = MappingCatalog.load(root / "mappings", sources={ready.name})
    undo.mkdirs(ready.reference_page.parent)
    undo.files.append(ready.reference_page)
    written = write_reference_pages(catalog, ready.reference_page.parent, ready.name)
    return Scaffold(ready.name, ready.kind, [*ready.files, *written])


def _regenerate_meltano(root: Path) -> None:
    # In a fresh interpreter with the project first on sys.path, so the new tap imports;
    # without bytecode files, which a failed scaffold would otherwise leave behind.
    done = subprocess.run(
        [sys.executable, "-m", "orderhub.connector_kit.meltano", "--write", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    if done.returncode:
        raise ConfigurationError(
            f"the scaffolded tap does not import, so nothing was kept:\n{done.stderr[-2000:]}"
        )
