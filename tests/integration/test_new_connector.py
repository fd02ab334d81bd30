"""`orderhub new-connector` checks everything before writing: a failure leaves no files."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.cli import app
from tests.e2e.test_adding_a_connector_guide import project_copy

cli = CliRunner()
PYPROJECT = '[project]\nname = "p"\n\n[project.scripts]\norderhub = "orderhub.cli:main"\n'


def new_connector(root: Path, name: str = "acme", kind: str = "rest") -> tuple[int, str]:
    result = cli.invoke(
        app, ["new-connector", name, "--kind", kind, "--root", str(root)], env={"COLUMNS": "200"}
    )
    return result.exit_code, result.output


def minimal_project(root: Path, pyproject: str = PYPROJECT) -> Path:
    (root / "connectors").mkdir(parents=True)
    (root / "mappings").mkdir()
    (root / "pyproject.toml").write_text(pyproject)
    return root


def files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def folders(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_dir())


@pytest.mark.parametrize(
    ("name", "kind", "says"),
    [
        ("Acme", "rest", "must be 2-31 lower-case letters"),
        ("a", "rest", "must be 2-31 lower-case letters"),
        ("json", "rest", "'json' is reserved"),
        ("class", "rest", "'class' is reserved"),
        ("orderhub", "rest", "'orderhub' is reserved"),
        ("acme", "ftp", "kind must be one of graphql, rest, soap, sql, not 'ftp'"),
    ],
)
def test_a_bad_name_or_kind_writes_nothing(tmp_path: Path, name: str, kind: str, says: str) -> None:
    root = minimal_project(tmp_path)
    before = files(root), folders(root)
    code, output = new_connector(root, name, kind)
    assert code == 1 and says in output and "Traceback" not in output
    assert (files(root), folders(root)) == before


@pytest.mark.parametrize("missing", ["pyproject.toml", "connectors", "mappings"])
def test_a_folder_that_is_not_a_project_is_refused(tmp_path: Path, missing: str) -> None:
    root = minimal_project(tmp_path)
    target = root / missing
    target.unlink() if target.is_file() else target.rmdir()
    before = files(root), folders(root)
    code, output = new_connector(root)
    assert code == 1 and f"is not an orderhub project: it has no {missing}" in output
    assert (files(root), folders(root)) == before


@pytest.mark.parametrize(
    ("existing", "says"),
    [
        ("tests/connectors/acme/test_acme.py", "tests/connectors/acme already exists"),
        ("docs/mapping-reference/acme.md", "docs/mapping-reference/acme.md already exists"),
        ("docs/sources/acme.md", "docs/sources/acme.md already exists"),
        ("mappings/acme/orders.yml", "mappings/acme already exists"),
    ],
)
def test_an_existing_target_file_is_refused_before_anything_is_written(
    tmp_path: Path, existing: str, says: str
) -> None:
    root = minimal_project(tmp_path)
    (root / existing).parent.mkdir(parents=True, exist_ok=True)
    (root / existing).write_text("mine\n")
    before = files(root), folders(root)
    code, output = new_connector(root)
    assert code == 1 and says in output
    assert (files(root), folders(root)) == before


def test_a_file_in_the_way_of_a_folder_is_refused(tmp_path: Path) -> None:
    root = minimal_project(tmp_path)
    (root / "tests").write_text("not a folder\n")
    before = files(root), folders(root)
    code, output = new_connector(root)
    assert code == 1 and "tests is a file" in output
    assert (files(root), folders(root)) == before


@pytest.mark.parametrize(
    ("pyproject", "says"),
    [
        ('[project]\nname = "p"\n', "has no [project.scripts] table"),
        (PYPROJECT + 'tap-acme = "elsewhere:Tap.cli"\n', "already declares tap-acme"),
    ],
)
def test_a_pyproject_that_cannot_take_the_script_is_refused(
    tmp_path: Path, pyproject: str, says: str
) -> None:
    root = minimal_project(tmp_path, pyproject)
    before = files(root), folders(root)
    code, output = new_connector(root)
    assert code == 1 and says in output
    assert (files(root), folders(root)) == before


def test_a_failure_while_writing_takes_back_everything(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "project")
    init = root / "connectors" / "__init__.py"
    init.write_text(init.read_text() + '\nraise ImportError("this project is broken")\n')
    before = files(root), folders(root)
    code, output = new_connector(root, "acme", "sql")
    assert code == 1 and "does not import, so nothing was kept" in output
    assert (files(root), folders(root)) == before


def test_a_scaffold_writes_its_files_and_declares_its_tap(tmp_path: Path) -> None:
    root = project_copy(tmp_path / "project")
    code, output = new_connector(root, "acme", "rest")
    assert code == 0, output
    assert (root / "connectors" / "acme" / "tap.py").is_file()
    assert (root / "docs" / "mapping-reference" / "acme.md").is_file()
    assert 'tap-acme = "connectors.acme.tap:TapAcme.cli"' in (root / "pyproject.toml").read_text()
    assert "tap-acme" in (root / "meltano.yml").read_text()
    code, output = new_connector(root, "acme", "rest")
    assert code == 1 and "connectors/acme already exists" in output


@pytest.mark.parametrize("read_only", ["pyproject.toml", "tests"])
def test_a_read_only_target_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_only: str
) -> None:
    # Tests run as root, for whom every file is writable: the permission itself is faked.
    root = minimal_project(tmp_path)
    (root / "tests").mkdir()
    real_access = os.access
    monkeypatch.setattr(
        "orderhub.connector_kit.scaffold.os.access",
        lambda path, mode: Path(path).name != read_only and real_access(path, mode),
    )
    before = files(root), folders(root)
    code, output = new_connector(root)
    assert code == 1 and f"{read_only} is not writable" in output
    assert (files(root), folders(root)) == before
