"""`orderhub mappings check|doc`: validate specs, print field lineage."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.console import ConfigOption, console, guarded, settings_for
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.lineage import catalog_lineage, markdown, write_reference_pages

mappings_app = typer.Typer(
    help="Validate mapping specs and show field lineage.", no_args_is_help=True
)
DirOption = Annotated[
    Path | None, typer.Option("--dir", help="Mappings folder (default: the project's mappings/)")
]


def _catalog(folder: Path | None, config: Path | None) -> MappingCatalog:
    if folder is None:
        configured = settings_for(config).mappings_dir
        folder = Path(configured) if configured else None
    return MappingCatalog.load(folder)


@mappings_app.command("check")
@guarded
def check(folder: DirOption = None, config: ConfigOption = None) -> None:
    """Load and compile every spec and code table; exit 1 naming file and line on error."""
    catalog = _catalog(folder, config)
    for (source, stream), compiled in sorted(catalog.mappings.items()):
        entities = ", ".join(e.name for e in compiled.entities)
        console.print(f"[green]ok[/] {source}/{stream} -> {entities}  ({compiled.version_tag})")
    console.print(f"{len(catalog.mappings)} spec(s) valid in {catalog.root}")


@mappings_app.command("doc")
@guarded
def doc(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source")] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table or md")] = "table",
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="With --format md: write one page per source here"),
    ] = None,
    folder: DirOption = None,
    config: ConfigOption = None,
) -> None:
    """Field-level lineage: source path -> unified field -> transforms."""
    catalog = _catalog(folder, config)
    rows = catalog_lineage(catalog, source)
    if output is not None:
        for path in write_reference_pages(catalog, output, source):
            console.print(f"wrote {path}")
        return
    if output_format == "md":
        typer.echo(markdown(rows), nl=False)
        return
    table = Table(title="field lineage")
    for column in ("source/stream", "entity", "unified field", "source path", "transforms"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            f"{row.source}/{row.stream}", row.entity, row.field, row.source_paths, row.transforms
        )
    console.print(table)
