"""Result formats on hand-made Arrow tables: value spelling, CSV quoting, Arrow IPC, NDJSON, negotiation."""

from __future__ import annotations

import decimal
from datetime import UTC, date, datetime

import orjson
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, unused-ignore]
import pytest

from hearth_query_api.errors import NotAcceptable
from hearth_query_api.formats import arrow, csv, json, ndjson
from hearth_query_api.formats import values as values_module
from hearth_query_api.formats.media import ResultFormat, negotiate, problem_json_accepted
from hearth_query_api.query import QueryPlans

WHEN = datetime(2024, 9, 27, 15, 19, 42, 123456, tzinfo=UTC)


def table() -> pa.Table:
    return pa.table(
        {
            "kind": pa.array(["log", None], pa.string()),
            "ts": pa.array([WHEN, None], pa.timestamp("us", tz="UTC")),
            "paris": pa.array([WHEN, None], pa.timestamp("us", tz="UTC")).cast(
                pa.timestamp("ms", tz="Europe/Paris"), safe=False
            ),
            "naive": pa.array([datetime(2024, 1, 2, 3, 4, 5), None], pa.timestamp("ns")),
            "day": pa.array([date(2024, 9, 27), None], pa.date32()),
            "flag": pa.array([False, None]),
            "tags": pa.array([["tag1", "tag2"], None], pa.list_(pa.string())),
            "n": pa.array([1, None], pa.int64()),
            "x": pa.array([float("nan"), 2.5]),
            "price": pa.array([decimal.Decimal("1.25"), None], pa.decimal128(10, 2)),
            "raw": pa.array([b"\x01\xff", None], pa.binary()),
            "attrs": pa.array(['{"a": 1}', None]),
        }
    )


def test_v2_json_values_and_schema() -> None:
    body = orjson.loads(json.v2_body(table(), include_schema=True))
    assert body["data"][0] == {
        "kind": "log",
        "ts": "2024-09-27T15:19:42.123456Z",
        "paris": "2024-09-27T17:19:42.123000+02:00",
        "naive": "2024-01-02T03:04:05.000000",
        "day": "2024-09-27",
        "flag": False,
        "tags": ["tag1", "tag2"],
        "n": 1,
        "x": None,
        "price": 1.25,
        "raw": "01ff",
        "attrs": '{"a": 1}',
    }
    assert set(body["data"][1].values()) == {None, 2.5}
    fields = {f["name"]: f for f in body["schema"]["fields"]}
    assert fields["ts"] == {
        "name": "ts",
        "data_type": {"Timestamp": ["Microsecond", "UTC"]},
        "nullable": True,
    }
    assert fields["tags"]["data_type"]["List"]["name"] == "item"
    assert fields["day"]["data_type"] == "Date32"
    assert list(body) == ["schema", "data"]
    assert "schema" not in orjson.loads(json.v2_body(table(), include_schema=False))


def test_v2_json_with_plans() -> None:
    plans = QueryPlans("logical", "physical", "physical+metrics")
    body = orjson.loads(json.v2_body(table(), include_schema=False, plans=plans))
    assert (body["logical_plan"], body["physical_plan"], body["physical_plan_with_metrics"]) == (
        "logical",
        "physical",
        "physical+metrics",
    )


def test_legacy_v1_shapes() -> None:
    small = table().select(["kind", "tags"])
    columns = orjson.loads(json.v1_columns_body(small))
    assert columns == {
        "columns": [
            {"name": "kind", "datatype": "Utf8", "nullable": True, "values": ["log", None]},
            {
                "name": "tags",
                "datatype": {
                    "List": {
                        "name": "item",
                        "data_type": "Utf8",
                        "nullable": True,
                        "dict_id": 0,
                        "dict_is_ordered": False,
                        "metadata": {},
                    }
                },
                "nullable": True,
                "values": [["tag1", "tag2"], None],
            },
        ]
    }
    rows = orjson.loads(json.v1_rows_body(small))
    assert rows["rows"] == [{"kind": "log", "tags": ["tag1", "tag2"]}, {"kind": None, "tags": None}]
    assert [c["name"] for c in rows["columns"]] == ["kind", "tags"]
    assert "values" not in rows["columns"][0]


def test_csv_quotes_only_where_needed() -> None:
    small = table().select(["kind", "attrs", "flag", "tags", "ts", "n"])
    text = csv.csv_text(small)
    assert text.splitlines() == [
        "kind,attrs,flag,tags,ts,n",
        'log,"{""a"": 1}",false,"[""tag1"",""tag2""]",2024-09-27T15:19:42.123456Z,1',
        ",,,,,",
    ]


def test_arrow_ipc_stream_round_trips() -> None:
    data = table()
    read = pa.ipc.open_stream(arrow.ipc_stream(data)).read_all()
    assert read.schema.equals(data.schema)
    assert read.drop_columns(["x"]).equals(data.drop_columns(["x"]))  # NaN != NaN
    empty = data.schema.empty_table()
    assert pa.ipc.open_stream(arrow.ipc_stream(empty)).read_all().num_rows == 0


def test_ndjson_messages() -> None:
    batch = table().select(["kind"]).to_batches()[0]
    assert orjson.loads(ndjson.schema_line(batch.schema)) == {
        "type": "schema",
        "schema": {"fields": [{"name": "kind", "data_type": "Utf8", "nullable": True}]},
    }
    assert orjson.loads(ndjson.data_line(batch)) == {
        "type": "data",
        "rows": [{"kind": "log"}, {"kind": None}],
    }
    assert orjson.loads(ndjson.explain_line(QueryPlans("l", "p"))) == {
        "type": "explain",
        "logical_plan": "l",
        "physical_plan": "p",
    }
    assert orjson.loads(ndjson.error_line("boom")) == {"type": "error", "message": "boom"}
    assert ndjson.end_line(3) == b'{"type":"end","row_count":3}\n'


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, ResultFormat.JSON),
        ("*/*", ResultFormat.JSON),
        ("application/json, application/problem+json;q=0.9", ResultFormat.JSON),
        ("text/csv, application/problem+json;q=0.9", ResultFormat.CSV),
        ("application/vnd.apache.arrow.stream, application/problem+json;q=0.9", ResultFormat.ARROW),
        ("application/x-ndjson", ResultFormat.NDJSON),
        ("text/csv;q=0.5, application/x-ndjson", ResultFormat.NDJSON),
        ("image/png, text/csv;q=0.1", ResultFormat.CSV),
    ],
)
def test_negotiation(accept: str | None, expected: ResultFormat) -> None:
    assert negotiate(accept).format is expected


def test_negotiation_refusals_and_problem_json() -> None:
    with pytest.raises(NotAcceptable):
        negotiate("image/png")
    with pytest.raises(NotAcceptable):
        negotiate("application/json;q=0")
    assert problem_json_accepted("text/csv, application/problem+json;q=0.9")
    assert not problem_json_accepted("application/json")
    assert not problem_json_accepted("application/problem+json;q=0")


@pytest.mark.parametrize("tz", ["UTC", None])
@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_timestamp_text_spells_every_instant_as_strftime_does(tz: str | None, unit: str) -> None:
    """The cheap cast-to-text path agrees with strftime (the reference spelling), including instants
    before 1970, around leap days, at both ends of years 1..9999 and beyond them (where the plain cast
    cannot spell the year and strftime takes over)."""
    seconds = [
        -62135596800,  # 0001-01-01T00:00:00
        -1,
        0,
        951782400,  # 2000-02-29
        1727450382,
        253402300799,  # 9999-12-31T23:59:59
    ]
    per_second = {"s": 1, "ms": 1000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    values: list[int | None] = [
        s * per_second + (per_second - 1) for s in seconds if unit != "ns" or abs(s) < 9e9
    ]
    values.append(None)
    column = pa.array(values, pa.timestamp(unit, tz=tz))
    suffix = "Z" if tz else ""
    reference = pc.strftime(
        pc.cast(column, pa.timestamp("us", tz=tz), safe=False), format="%Y-%m-%dT%H:%M:%S" + suffix
    )
    assert values_module.timestamp_text(column).to_pylist() == reference.to_pylist()
    if unit == "s":
        beyond = pa.array([253402300800 + 86400 * 400], pa.timestamp("s", tz=tz))
        assert values_module.timestamp_text(beyond).to_pylist() == [f"10001-02-04T00:00:00.000000{suffix}"]
