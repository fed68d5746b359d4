"""Hot reads whose SQL the ORM builds once per process, not on every request.

Building and compiling a queryset costs far more CPU than running it here: about 1 ms for
a configuration read with a join, a subquery and fifteen columns, against 0.1–0.2 ms for
the round trip to PostgreSQL on loopback. A read answered on most requests (guided
options, a quote request) can keep the SQL the ORM wrote the first time and only bind its
values afterwards.

    ROWS = CompiledQuery(lambda pk, org: Thing.objects.filter(pk=pk, organization=org)
                         .values_list("a", "b"))
    ROWS.rows(pk=3, org=7)  # -> list of tuples, exactly what the queryset would return

`build` is called once per database with a distinct marker for each value, of the type the
first call passes (an integer, as primary and foreign keys are, or a string, as a key or a
code is); the markers are found among the compiled parameters, so every value must reach
the SQL as a parameter of its own and unchanged (an `iexact`, `contains` or `startswith`
lookup escapes or wraps it). Anything else is refused when the query is first built, and a
value of another type than the one compiled is refused on every call: never answered wrongly.

Two kinds of querysets: `values_list` (tuples), and a model's own rows without
`select_related`, deferred fields or annotations (instances, built as the ORM builds them,
through `Model.from_db`). Either way the values go through the same converters the ORM
applies (SQLite's decimals, booleans and dates, JSON fields included).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable

_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def _marker(kind: type, variant: int, i: int) -> int | str:
    """The stand-in for value `i` in build `variant` (0 or 1). Integers small enough for any
    integer field (a value out of a field's range is answered without SQL); strings of
    noncharacters (never in a stored key or code) around the characters a LIKE escapes, so
    that a lookup that escapes or wraps the value (iexact on SQLite, contains) changes them."""
    if kind is int:
        return (30_011, 31_013)[variant] + i
    return f"\uffff%_\\compiled-{variant}-{i}\uffff"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # constants, and the value names in the markers' places
    slots: frozenset[int]  # positions in `params` that take a value
    types: dict[str, type]  # value name -> int or str, as compiled
    converters: dict
    model: type[Model] | None  # instances of it (None: tuples)
    attnames: tuple[str, ...]  # the model's columns, in the select's order


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self._build = build
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: int | str | Model | None) -> list:
        """What the queryset would return for these values, as a list (tuples or instances).
        A model instance stands for its primary key; a missing key (None, or an unsaved
        instance) matches no row, and nothing is asked."""
        values = {name: value.pk if isinstance(value, Model) else value for name, value in values.items()}
        if any(value is None or (type(value) is int and not _INT64_MIN <= value <= _INT64_MAX)
               for value in values.values()):
            return []  # no key is out of a 64-bit column's range (SQLite's driver raises on one)
        connection = connections[using]
        key = (using, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using, values)
        for name, value in values.items():
            if type(value) is not compiled.types.get(name):
                raise TypeError(f"{name}: compiled for {compiled.types.get(name)}, given {value!r}")
        params = [values[p] if i in compiled.slots else p for i, p in enumerate(compiled.params)]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.model is not None:
            return [compiled.model.from_db(using, compiled.attnames, row) for row in rows]
        return rows

    def _compile(self, using: str, values: dict[str, int | str]) -> _Compiled:
        types = {name: type(value) for name, value in values.items()}
        if not set(types.values()) <= {int, str}:
            raise TypeError("CompiledQuery binds integers and strings only")
        # Built twice with different stand-ins: a parameter is a value's slot only where both
        # builds put that value's stand-in (a constant equal to one of them is no slot), and
        # any other parameter that differs between them was derived from a value.
        builds = []
        for variant in (0, 1):
            markers = {_marker(types[name], variant, i): name for i, name in enumerate(sorted(values))}
            queryset = self._build(**{name: marker for marker, name in markers.items()})
            compiler = queryset.query.get_compiler(using=using)
            builds.append((markers, queryset, compiler, *compiler.as_sql()))
        (first, queryset, compiler, sql, raw), (second, _, _, other_sql, other_raw) = builds
        params, positions, seen, derived = [], set(), set(), False
        for i, (value, other) in enumerate(zip(raw, other_raw, strict=False)):
            # isinstance: psycopg's Int2/Int4 wrap the integers of small integer fields.
            name = first.get(value) if _bindable(value) else None
            if name is not None and _bindable(other) and second.get(other) == name:
                params.append(name)
                positions.add(i)
                seen.add(name)
            else:
                derived = derived or value != other
                params.append(value)
        if seen != set(values):
            missing = ", ".join(sorted(set(values) - seen))
            raise ValueError(f"{missing}: not found among the compiled parameters")
        if derived or other_sql != sql or len(other_raw) != len(raw):
            raise ValueError("a parameter is derived from a value, or the SQL depends on one")
        model, attnames = self._shape(queryset)
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        if model is not None:
            attnames = tuple(column.target.attname for column in columns)
        return _Compiled(sql=sql, params=tuple(params), slots=frozenset(positions), types=types,
                         converters=compiler.get_converters(columns), model=model,
                         attnames=attnames)

    @staticmethod
    def _shape(queryset: QuerySet) -> tuple[type[Model] | None, tuple[str, ...]]:
        if queryset._iterable_class is ValuesListIterable and queryset._fields is not None:
            return None, ()
        query = queryset.query
        if (queryset._iterable_class is ModelIterable and not query.select_related
                and not query.annotations and not query.extra and not query.deferred_loading[0]
                and query.deferred_loading[1]):
            return queryset.model, ()
        raise TypeError("CompiledQuery takes a values_list() queryset, or a model's own rows "
                        "(no select_related, deferred fields or annotations)")


def _bindable(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _convert(row: tuple, converters: dict, connection) -> tuple:
    row = list(row)
    for position, (functions, expression) in converters.items():
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return tuple(row)
