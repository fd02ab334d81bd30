"""Mapping specs: one YAML file per source stream, validated when loaded.

Shape (see docs/mapping-reference.md for every key)::

    source: shopify
    stream: orders
    mapping_version: 1
    record_version: {from: updatedAt, transform: iso_datetime}
    defaults:                      # applied to every entity that has the field
      order_source_id: {from: $.id, transform: gid_to_id}
    entities:
      - entity: order
        fields:
          source_id: {from: id, transform: gid_to_id}
          status: {from: [cancelledAt, displayFinancialStatus], code_table: order_status}
      - entity: order_line
        each: lineItems            # one entity per list item; "a[].b" nests lists
        fields: {...}

Paths are dotted (``a.b.0.c``) and relative to the current item; ``$.`` starts at the
record, ``^.`` at the enclosing item. Every error names the file, line and field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from orderhub.exceptions import MappingSpecError
from orderhub.mapping.yaml_lines import LineDict, line_of, load_yaml
from orderhub.model.entities import ENTITY_TYPES
from orderhub.model.types import is_sign_ruled

EntityName = Literal["customer", "order", "order_line", "payment", "shipment", "tracking_event"]


def _transform_calls(value: Any) -> list[tuple[str, Any]]:
    """Normalise ``"name"``, ``{name: arg}`` or a list of them to ``[(name, arg)]``."""
    items = value if isinstance(value, list) else [value]
    calls: list[tuple[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            calls.append((item, None))
        elif isinstance(item, dict) and len(item) == 1:
            ((name, argument),) = item.items()
            calls.append((str(name), argument))
        else:
            raise ValueError("a transform is a name or a one-key mapping {name: argument}")
    return calls


def _shorthand(raw: Any) -> Any:
    """A bare string is shorthand for ``{from: <string>}``."""
    return {"from": raw} if isinstance(raw, str) else raw


def _fields_before(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shorthand(raw) for key, raw in value.items()}
    return value


class FieldSpec(BaseModel):
    """How one unified field gets its value."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    from_: str | list[str] | None = Field(default=None, alias="from")
    value: Any = None
    transform: list[tuple[str, Any]] = Field(default_factory=list)
    code_table: str | None = None
    default: Any = None
    required: bool = False
    #: The source may send this amount or quantity negative (U8 red-ink returns); without
    #: it a negative value is a record error (``non_negative``). See orderhub.model.types.
    signed: bool = False
    fields: dict[str, FieldSpec] | None = None

    @field_validator("fields", mode="before")
    @classmethod
    def _shorthand_fields(cls, value: Any) -> Any:
        return _fields_before(value)

    @field_validator("transform", mode="before")
    @classmethod
    def _normalise_transform(cls, value: Any) -> list[tuple[str, Any]]:
        return [] if value is None else _transform_calls(value)

    def sources(self) -> list[str]:
        """The source paths this field reads, for lineage."""
        if self.from_ is None:
            return []
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)

    def steps(self) -> list[tuple[str, Any]]:
        """Transforms in order, the code table last."""
        tail = [("code_table", self.code_table)] if self.code_table else []
        return [*self.transform, *tail]


class EntitySpec(BaseModel):
    """One unified entity produced from each record (or from each item of a list in it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: EntityName
    each: str | None = None
    fields: dict[str, FieldSpec]

    _fields = field_validator("fields", mode="before")(
        classmethod(lambda cls, v: _fields_before(v))
    )


class MappingSpec(BaseModel):
    """A whole spec file: one source stream to one or more unified entities."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    stream: str = Field(min_length=1)
    mapping_version: int = Field(ge=1)
    description: str = ""
    record_version: FieldSpec
    defaults: dict[str, FieldSpec] = Field(default_factory=dict)
    entities: list[EntitySpec] = Field(min_length=1)

    _record_version = field_validator("record_version", mode="before")(
        classmethod(lambda cls, v: _shorthand(v))
    )
    _defaults = field_validator("defaults", mode="before")(
        classmethod(lambda cls, v: _fields_before(v))
    )


def _check_field_spec(spec: FieldSpec, where: str) -> None:
    given = [name for name in ("from_", "value", "fields") if name in spec.model_fields_set]
    if len(given) != 1:
        raise ValueError(f"{where}: give exactly one of 'from', 'value' or 'fields'")


def _semantic_errors(spec: MappingSpec) -> list[tuple[tuple[int | str, ...], str]]:
    """Rules pydantic cannot express: fields exist on the model, required ones are fed."""
    errors: list[tuple[tuple[int | str, ...], str]] = []
    for index, entity in enumerate(spec.entities):
        model = ENTITY_TYPES[entity.entity]
        accepted = set(model.model_fields)
        for name, field in entity.fields.items():
            loc: tuple[int | str, ...] = ("entities", index, "fields", name)
            if name not in accepted:
                errors.append((loc, f"{entity.entity} has no field {name!r}"))
            try:
                _check_field_spec(field, f"{entity.entity}.{name}")
            except ValueError as exc:
                errors.append((loc, str(exc)))
            if field.signed and name in accepted and not is_sign_ruled(model.model_fields[name]):
                errors.append(
                    (
                        (*loc, "signed"),
                        f"{entity.entity}.{name}: 'signed' applies only to amounts and quantities",
                    )
                )
        fed = set(entity.fields) | {"source_system"} | (set(spec.defaults) & accepted)
        fed.add("source_updated_at")
        for name, info in model.model_fields.items():
            if info.is_required() and name not in fed:
                errors.append(
                    (
                        ("entities", index, "entity"),
                        f"{entity.entity}: required field {name!r} is not mapped",
                    )
                )
    return errors


def load_spec(path: Path) -> tuple[MappingSpec, Any]:
    """Load and validate one spec file; returns the spec and its line-aware document."""
    document = load_yaml(path)
    if not isinstance(document, LineDict):
        raise MappingSpecError("a mapping spec must be a YAML mapping", file=str(path), line=1)
    try:
        spec = MappingSpec.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = tuple(step for step in first["loc"] if not str(step).startswith("function"))
        field = ".".join(str(step) for step in location) or "(top)"
        raise MappingSpecError(
            f"{field}: {first['msg']}", file=str(path), line=line_of(document, location)
        ) from None
    errors = _semantic_errors(spec)
    if errors:
        location, message = errors[0]
        raise MappingSpecError(message, file=str(path), line=line_of(document, location))
    return spec, document
