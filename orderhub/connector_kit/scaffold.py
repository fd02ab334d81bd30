"""``orderhub new-connector``: a new source's whole folder set, ready to run and test.

Templates live in ``templates/common`` (every kind) and ``templates/<kind>``; each file
mirrors its place in the project, with ``<<name>>``, ``<<Name>>`` and ``<<kind>>``
replaced in paths and contents. The scaffold also declares the console script in
pyproject.toml and the tap in meltano.yml.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Scaffold:
    """What a scaffold wrote."""

    name: str
    kind: str
    files: list[Path]


def class_prefix(name: str) -> str:
    """``acme_erp`` -> ``AcmeErp`` (for ``TapAcmeErp``)."""
    return "".join(part.title() for part in name.split("_"))


def _render(text: str, name: str, kind: str) -> str:
    return (
        text.replace("<<name>>", name)
        .replace("<<Name>>", class_prefix(name))
        .replace("<<kind>>", kind)
        .replace("<<tap>>", f"tap-{name.replace('_', '-')}")
    )


def _add_console_script(root: Path, name: str) -> None:
    pyproject = root / "pyproject.toml"
    text = pyproject.read_text()
    script = f'tap-{name.replace("_", "-")} = "connectors.{name}.tap:Tap{class_prefix(name)}.cli"'
    if script in text:
        return
    marker = "[project.scripts]\n"
    if marker not in text:
        raise ConfigurationError(f"{pyproject} has no [project.scripts] table")
    head, tail = text.split(marker, 1)
    end = tail.find("\n\n")
    end = len(tail) if end < 0 else end
    pyproject.write_text(head + marker + tail[:end] + "\n" + script + tail[end:])


def _regenerate_meltano(root: Path) -> None:
    # In a fresh interpreter with the project first on sys.path, so the new tap imports.
    done = subprocess.run(
        [sys.executable, "-m", "orderhub.connector_kit.meltano", "--write", str(root)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise ConfigurationError(f"the scaffolded tap does not import:\n{done.stderr[-2000:]}")


def scaffold(name: str, kind: str, root: Path) -> Scaffold:
    """Write connector ``name`` of ``kind`` into the project at ``root``."""
    if not _NAME.match(name):
        raise ConfigurationError(
            f"connector name {name!r} must be lower-case letters, digits and _ (e.g. acme_erp)"
        )
    if kind not in KINDS:
        raise ConfigurationError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if (root / "connectors" / name).exists():
        raise ConfigurationError(f"connectors/{name} already exists: pick another name")
    written: list[Path] = []
    for folder in (TEMPLATES / "common", TEMPLATES / kind):
        for template in sorted(folder.rglob("*.tmpl")):
            relative = _render(str(template.relative_to(folder)), name, kind).removesuffix(".tmpl")
            target = root / relative
            if target.exists():
                raise ConfigurationError(
                    f"{relative} already exists: remove it or pick another name"
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_render(template.read_text(), name, kind))
            written.append(target)
    _add_console_script(root, name)
    _regenerate_meltano(root)
    catalog = MappingCatalog.load(root / "mappings", sources={name})
    written += write_reference_pages(catalog, root / "docs" / "mapping-reference", name)
    return Scaffold(name, kind, written)
