"""Compile a validated spec once into plain Python callables.

Per record, a compiled mapping walks prebuilt getter and transform closures: no spec
lookups, no string parsing. A bad record raises one RecordError naming the entity, the
item and the field, and the rule it broke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from orderhub.exceptions import MappingSpecError, RecordError
from orderhub.jsonutil import safe_repr
from orderhub.mapping.code_tables import CodeTable
from orderhub.mapping.spec import EntitySpec, FieldSpec, MappingSpec
from orderhub.mapping.transforms import REGISTRY
from orderhub.mapping.yaml_lines import line_of
from orderhub.model.entities import ENTITY_TYPES, UnifiedEntity
from orderhub.model.types import RULE_NAMES, is_sign_ruled

#: (record, enclosing items..., current item)
Context = tuple[Any, ...]
Getter = Callable[[Context], Any]


def compile_path(path: str) -> Getter:
    """A getter for ``a.b.0``, ``$.a`` (from the record) or ``^.a`` (enclosing item).

    The getter is generated as straight-line Python (one dict lookup per step, no loop),
    since it runs for every field of every record.
    """
    if path.startswith("$."):
        start, rest = "context[0]", path[2:]
    elif path.startswith("^."):
        start, rest = "(context[-2] if len(context) > 1 else None)", path[2:]
    else:
        start, rest = "context[-1]", path
    body = [f"    node = {start}"]
    for step in rest.split("."):
        if step.isdigit():
            index = int(step)
            body += [
                "    if type(node) is not list:",
                "        return None",
                f"    node = node[{index}] if len(node) > {index} else None",
            ]
        else:
            body += [
                "    if type(node) is not dict:",
                "        return None",
                f"    node = node.get({step!r})",
            ]
    source = "def get(context):\n" + "\n".join(body) + "\n    return node\n"
    namespace: dict[str, Any] = {}
    exec(compile(source, f"<path {path}>", "exec"), namespace)
    getter: Getter = namespace["get"]
    return getter


def _compile_steps(
    field: FieldSpec, tables: Mapping[str, CodeTable]
) -> list[tuple[Callable[[Any], Any], bool]]:
    """The field's transforms (code table last), each with whether it skips nulls."""
    steps: list[tuple[Callable[[Any], Any], bool]] = []
    for name, argument in field.steps():
        if name == "code_table":
            if argument not in tables:
                raise ValueError(f"unknown code table {argument!r} (have: {sorted(tables)})")
            steps.append((tables[argument].lookup, False))
            continue
        if name not in REGISTRY:
            raise ValueError(f"unknown transform {name!r} (have: {sorted(REGISTRY)})")
        registered = REGISTRY[name]
        steps.append((registered.factory(argument), registered.none_passes))
    return steps


def _iterate(each: str | None) -> Callable[[Any], Iterator[Context]]:
    if each is None:
        return lambda record: iter([(record,)])
    levels = [compile_path(part) for part in each.split("[].")]

    def walk(context: Context, depth: int) -> Iterator[Context]:
        found = levels[depth](context)
        items = found if isinstance(found, list) else ([] if found is None else [found])
        for item in items:
            inner = (*context, item)
            if depth + 1 == len(levels):
                yield inner
            else:
                yield from walk(inner, depth + 1)

    return lambda record: walk((record,), 0)


def _pydantic_to_record_error(exc: ValidationError, where: str) -> RecordError:
    first = exc.errors()[0]
    field = ".".join(str(step) for step in first["loc"])
    rule = RULE_NAMES.get(first["type"], first["type"])
    return RecordError(
        f"{first['msg']} (got {safe_repr(first.get('input'))})", field=f"{where}.{field}", rule=rule
    )


class _FieldSpecInvalid(ValueError):
    """A field spec that cannot compile (unknown transform, bad argument ...)."""

    def __init__(self, field: str, error: ValueError) -> None:
        super().__init__(str(error))
        self.field = field


class _FieldFailed(Exception):
    """Carries the name of the field whose value broke a rule out of a generated builder."""

    def __init__(self, field: str, error: RecordError) -> None:
        self.field, self.error = field, error


def compile_builder(
    fields: Mapping[str, FieldSpec], tables: Mapping[str, CodeTable], special: Mapping[str, Getter]
) -> Callable[[Context], dict[str, Any]]:
    """One generated function computing every field of an entity from a context.

    Leaf fields (paths and transforms) are inlined as straight-line code; nested objects
    and ``special`` getters are called. This is the per-record hot path of every sync.
    """
    names: dict[str, Any] = {
        "RecordError": RecordError,
        "_FieldFailed": _FieldFailed,
        "MISSING": "is required but missing",
        "TRANSFORM_FAILED": "a transform failed on this value (%s: %s); report it as a bug",
    }
    lines = ["def build(context):", "    data = {}", "    field = None", "    try:"]

    def bind(prefix: str, value: Any) -> str:
        name = f"{prefix}{len(names)}"
        names[name] = value
        return name

    for field_name, getter in special.items():
        lines.append(f"        field = {field_name!r}")
        lines.append(f"        data[{field_name!r}] = {bind('g', getter)}(context)")
    for field_name, field in fields.items():
        try:
            lines += _field_lines(field_name, field, tables, bind)
        except ValueError as exc:
            raise _FieldSpecInvalid(field_name, exc) from None
    lines += [
        "    except RecordError as error:",
        "        raise _FieldFailed(field, error) from None",
        # A transform that chokes on a value it did not foresee must cost one record,
        # not the sync: the field is named, and the error says what to report.
        "    except (ArithmeticError, ValueError, TypeError, LookupError) as error:",
        "        raise _FieldFailed(field, RecordError(TRANSFORM_FAILED % (",
        "            type(error).__name__, error), rule='transform_error')) from None",
        "    return data",
    ]
    exec(compile("\n".join(lines) + "\n", "<entity builder>", "exec"), names)
    builder: Callable[[Context], dict[str, Any]] = names["build"]
    return builder


def _field_lines(
    field_name: str,
    field: FieldSpec,
    tables: Mapping[str, CodeTable],
    bind: Callable[[str, Any], str],
) -> list[str]:
    """Generated lines computing one field into ``data``."""
    return [
        f"        field = {field_name!r}",
        *_value_lines(field, "data", field_name, tables, bind, 0),
    ]


def _value_lines(
    field: FieldSpec,
    into: str,
    key: str,
    tables: Mapping[str, CodeTable],
    bind: Callable[[str, Any], str],
    depth: int,
) -> list[str]:
    """Lines computing one value into ``into[key]``; nested objects recurse."""
    if field.fields is not None:
        holder = f"o{depth}"
        lines = [f"        {holder} = {{}}"]
        for name, sub in field.fields.items():
            lines += _value_lines(sub, holder, name, tables, bind, depth + 1)
        # An object whose every part is null is itself null (no address at all).
        return [
            *lines,
            f"        {into}[{key!r}] = {holder} if any(x is not None for x in "
            f"{holder}.values()) else None",
        ]
    if field.from_ is None:
        return [f"        {into}[{key!r}] = {bind('k', field.value)}"]
    if isinstance(field.from_, str):
        lines = [f"        v = {bind('p', compile_path(field.from_))}(context)"]
    else:
        parts = ", ".join(f"{bind('p', compile_path(p))}(context)" for p in field.from_)
        lines = [f"        v = ({parts},)"]
    for step, none_passes in _compile_steps(field, tables):
        call = f"v = {bind('s', step)}(v)"
        lines.append(f"        if v is not None: {call}" if none_passes else f"        {call}")
    if field.required:
        lines.append("        if v is None: raise RecordError(MISSING, rule='required')")
    elif field.default is not None:
        lines.append(f"        if v is None: v = {bind('d', field.default)}")
    lines.append(f"        {into}[{key!r}] = v")
    return lines


@dataclass(frozen=True)
class CompiledEntity:
    """An entity spec as callables.

    ``unsigned`` names the amounts and quantities the spec does not declare ``signed``:
    the model leaves their sign to the spec (see orderhub.model.types.SignRuled).
    """

    name: str
    model: type[UnifiedEntity]
    items: Callable[[Any], Iterator[Context]]
    build: Callable[[Context], dict[str, Any]]
    unsigned: tuple[str, ...] = ()

    def produce(self, record: Mapping[str, Any]) -> Iterator[UnifiedEntity]:
        for index, context in enumerate(self.items(record)):
            where = self.name if len(context) == 1 else f"{self.name}[{index}]"
            try:
                entity = self.model(**self.build(context))
            except _FieldFailed as failed:
                raise RecordError(
                    str(failed.error), field=f"{where}.{failed.field}", rule=failed.error.rule
                ) from None
            except ValidationError as exc:
                raise _pydantic_to_record_error(exc, where) from None
            for name in self.unsigned:
                value = getattr(entity, name)
                if value is not None and value < 0:
                    raise RecordError(
                        f"is negative ({value}); amounts and quantities are as the source "
                        "states them, and this spec does not declare the field `signed: true` "
                        "(do so only if the source sends negatives on purpose, e.g. returns)",
                        field=f"{where}.{name}",
                        rule="non_negative",
                    )
            yield entity


@dataclass(frozen=True)
class CompiledMapping:
    """A spec compiled for one source stream."""

    spec: MappingSpec
    version_tag: str
    entities: tuple[CompiledEntity, ...]
    record_version: Getter

    def map(self, record: Mapping[str, Any]) -> list[UnifiedEntity]:
        """All unified entities of one source record; raises RecordError if it is bad."""
        return [entity for spec in self.entities for entity in spec.produce(record)]

    def version_of(self, record: Mapping[str, Any]) -> Any:
        """The record's version at the source (its ``record_version``)."""
        try:
            return self.record_version((record,))
        except RecordError as exc:
            raise RecordError(str(exc), field="record_version", rule=exc.rule) from None


def _entity_fields(spec: MappingSpec, entity: EntitySpec) -> dict[str, FieldSpec]:
    model = ENTITY_TYPES[entity.entity]
    fields = {"source_system": FieldSpec(value=spec.source)}
    fields.update({k: v for k, v in spec.defaults.items() if k in model.model_fields})
    fields.update(entity.fields)
    return fields


def compile_spec(
    spec: MappingSpec,
    tables: Mapping[str, CodeTable],
    *,
    version_tag: str,
    file: str,
    document: Any = None,
) -> CompiledMapping:
    """Compile a validated spec; a bad transform argument or table name names the field."""
    try:
        version_builder = compile_builder({"record_version": spec.record_version}, tables, {})
    except _FieldSpecInvalid as exc:
        raise MappingSpecError(
            f"record_version: {exc}", file=file, line=line_of(document, ("record_version",))
        ) from None

    def record_version(context: Context) -> Any:
        try:
            return version_builder(context)["record_version"]
        except _FieldFailed as failed:
            raise failed.error from None

    def version_at_root(context: Context) -> Any:
        return record_version(context[:1])

    compiled: list[CompiledEntity] = []
    for index, entity in enumerate(spec.entities):
        special = (
            {} if "source_updated_at" in entity.fields else {"source_updated_at": version_at_root}
        )
        fields = _entity_fields(spec, entity)
        try:
            build = compile_builder(fields, tables, special)
        except _FieldSpecInvalid as exc:
            location: tuple[int | str, ...] = ("entities", index, "fields", exc.field)
            if exc.field not in entity.fields:
                location = ("defaults", exc.field)
            raise MappingSpecError(
                f"{entity.entity}.{exc.field}: {exc}", file=file, line=line_of(document, location)
            ) from None
        model = ENTITY_TYPES[entity.entity]
        unsigned = tuple(
            name
            for name, info in model.model_fields.items()
            if is_sign_ruled(info) and name in fields and not fields[name].signed
        )
        compiled.append(
            CompiledEntity(entity.entity, model, _iterate(entity.each), build, unsigned)
        )
    return CompiledMapping(spec, version_tag, tuple(compiled), record_version)
