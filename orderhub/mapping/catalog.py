"""The set of mapping specs in a mappings folder, loaded and compiled once.

Layout: ``mappings/<source>/<stream>.yml`` plus ``mappings/<source>/code_tables.yml``.
Each compiled mapping carries a version tag (spec version + content hash of the spec and
its code tables) that every unified row records, so ``orderhub remap`` can tell which
rows an edited mapping would change.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from orderhub.exceptions import ConfigurationError, MappingSpecError
from orderhub.mapping.code_tables import CodeTable, load_code_tables
from orderhub.mapping.compiler import CompiledMapping, compile_spec
from orderhub.mapping.spec import load_spec

CODE_TABLES_FILE = "code_tables.yml"


def default_mappings_dir() -> Path:
    """The project's ``mappings/`` folder (next to the orderhub package)."""
    return Path(__file__).resolve().parents[2] / "mappings"


@dataclass
class MappingCatalog:
    """Compiled mappings by ``(source, stream)`` and code tables by source."""

    root: Path
    mappings: dict[tuple[str, str], CompiledMapping] = field(default_factory=dict)
    code_tables: dict[str, dict[str, CodeTable]] = field(default_factory=dict)
    files: dict[tuple[str, str], Path] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path | None = None, *, sources: set[str] | None = None) -> MappingCatalog:
        """Load and compile every spec under ``root`` (or only the given sources)."""
        root = (root or default_mappings_dir()).resolve()
        if not root.is_dir():
            raise ConfigurationError(f"mappings folder {root} does not exist")
        catalog = cls(root)
        for source_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            if sources is not None and source_dir.name not in sources:
                continue
            catalog._load_source(source_dir)
        return catalog

    def _load_source(self, source_dir: Path) -> None:
        tables_path = source_dir / CODE_TABLES_FILE
        tables = load_code_tables(tables_path) if tables_path.exists() else {}
        tables_bytes = tables_path.read_bytes() if tables_path.exists() else b""
        self.code_tables[source_dir.name] = tables
        for path in sorted(source_dir.glob("*.yml")):
            if path.name == CODE_TABLES_FILE:
                continue
            spec, document = load_spec(path)
            if spec.source != source_dir.name:
                raise MappingSpecError(
                    f"source {spec.source!r} does not match its folder {source_dir.name!r}",
                    file=str(path),
                    line=document.key_lines.get("source"),
                )
            key = (spec.source, spec.stream)
            if key in self.mappings:
                raise MappingSpecError(
                    f"stream {spec.stream!r} is already mapped by {self.files[key]}",
                    file=str(path),
                    line=document.key_lines.get("stream"),
                )
            digest = hashlib.sha256(path.read_bytes() + tables_bytes).hexdigest()[:8]
            tag = f"{spec.source}/{spec.stream}@v{spec.mapping_version}+{digest}"
            self.mappings[key] = compile_spec(
                spec, tables, version_tag=tag, file=str(path), document=document
            )
            self.files[key] = path

    def get(self, source: str, stream: str) -> CompiledMapping:
        """The compiled mapping of a source stream, or a configuration error saying which."""
        try:
            return self.mappings[(source, stream)]
        except KeyError:
            have = ", ".join(f"{s}/{t}" for s, t in sorted(self.mappings)) or "none"
            raise ConfigurationError(
                f"no mapping spec for {source}/{stream} in {self.root} (have: {have}); "
                f"add {self.root / source / (stream + '.yml')}"
            ) from None
