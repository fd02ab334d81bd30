"""`orderhub mappings check|doc`: validate specs, print field lineage.

Neither needs an orderhub.yml: without one (and without ``--dir``) they read the
project's own ``mappings/``, the same folder from any working directory.
"""

from __future__ import annotations

import dataclasses
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from orderhub.cli.console import (
    ConfigOption,
    JsonOption,
    console,
    guarded,
    listing,
    print_json,
    print_listing,
    settings_for,
)
from orderhub.exceptions import ConfigurationError
from orderhub.mapping.catalog import MappingCatalog
from orderhub.mapping.lineage import catalog_lineage, markdown, write_reference_pages
from orderhub.runner.settings import DEFAULT_WAREHOUSE

mappings_app = typer.Typer(
    help="Validate mapping specs and show field lineage.", no_args_is_help=True
)
DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir", help="Mappings folder (default: orderhub.yml's mappings_dir, else the project's)"
    ),
]


class DocFormat(StrEnum):
    """What `mappings doc` prints (typer rejects anything else, listing these)."""

    TABLE = "table"
    MD = "md"
    JSON = "json"


def _catalog(folder: Path | None, config: Path | None) -> MappingCatalog:
    if folder is None:
        # These commands never open the warehouse: giving one means they run without an
        # orderhub.yml (reading the project's own mappings/) and need none of its variables.
        configured = settings_for(config, warehouse=DEFAULT_WAREHOUSE).mappings_dir
        folder = Path(configured) if configured else None
    return MappingCatalog.load(folder)


@mappings_app.command("check")
@guarded
def check(
    folder: DirOption = None, as_json: JsonOption = False, config: ConfigOption = None
) -> None:
    """Load and compile every spec and code table; exit 1 naming file and line on error."""
    catalog = _catalog(folder, config)
    specs = sorted(catalog.mappings.items())
    if as_json:
        print_json(
            [
                {
                    "source": source,
                    "stream": stream,
                    "entities": [e.name for e in compiled.entities],
                    "version": compiled.version_tag,
                    "file": str(catalog.files.get((source, stream), "")),
                }
                for (source, stream), compiled in specs
            ]
        )
        return
    for (source, stream), compiled in specs:
        entities = ", ".join(e.name for e in compiled.entities)
        console.print(
            f"[green]ok[/] {source}/{stream} -> {entities}  ({compiled.version_tag})",
            soft_wrap=True,
        )
    console.print(f"{len(catalog.mappings)} spec(s) valid in {catalog.root}", soft_wrap=True)


@mappings_app.command("doc")
@guarded
def doc(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source")] = None,
    output_format: Annotated[
        DocFormat, typer.Option("--format", "-f", help="table, md or json")
    ] = DocFormat.TABLE,
    as_json: JsonOption = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="With --format md: write one page per source here"),
    ] = None,
    folder: DirOption = None,
    config: ConfigOption = None,
) -> None:
    """Field-level lineage: source path -> unified field -> transforms."""
    catalog = _catalog(folder, config)
    sources = sorted({spec_source for spec_source, _ in catalog.mappings})
    if source is not None and source not in sources:
        raise ConfigurationError(
            f"no mapping specs for source {source!r} in {catalog.root} "
            f"(sources: {', '.join(sources) or 'none'})"
        )
    rows = catalog_lineage(catalog, source)
    if output is not None:
        for path in write_reference_pages(catalog, output, source):
            console.print(f"wrote {path}", soft_wrap=True)
        return
    if as_json or output_format is DocFormat.JSON:
        print_json([dataclasses.asdict(row) for row in rows])
        return
    if output_format is DocFormat.MD:
        typer.echo(markdown(rows), nl=False)
        return
    table = listing(
        "field lineage",
        ("source/stream", "entity", "unified field", "source path"),
        ("transforms",),
    )
    for row in rows:
        table.add_row(
            f"{row.source}/{row.stream}", row.entity, row.field, row.source_paths, row.transforms
        )
    print_listing(table)
