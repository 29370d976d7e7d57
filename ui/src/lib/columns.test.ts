import { describe, expect, it } from "vitest";
import { columnNames, columnsToRows, datatypeName, parseJsonValue } from "./columns";

describe("columnsToRows", () => {
  it("turns column-oriented results into rows", () => {
    const rows = columnsToRows({
      columns: [
        { name: "a", datatype: "Int64", values: [1, 2, 3] },
        { name: "b", datatype: "Utf8", values: ["x", null, "z"] },
      ],
    });
    expect(rows).toEqual([
      { a: 1, b: "x" },
      { a: 2, b: null },
      { a: 3, b: "z" },
    ]);
  });

  it("handles no columns and no rows", () => {
    expect(columnsToRows({ columns: [] })).toEqual([]);
    expect(columnsToRows({ columns: [{ name: "a", datatype: "Int64", values: [] }] })).toEqual([]);
  });

  it("pads ragged columns with null instead of undefined", () => {
    const rows = columnsToRows({
      columns: [
        { name: "a", datatype: "Int64", values: [1, 2] },
        { name: "b", datatype: "Int64", values: [5] },
      ],
    });
    expect(rows[1]).toEqual({ a: 2, b: null });
  });

  it("lists column names in order", () => {
    expect(columnNames({ columns: [{ name: "z", datatype: "x", values: [] }, { name: "a", datatype: "x", values: [] }] })).toEqual([
      "z",
      "a",
    ]);
  });
});

describe("parseJsonValue", () => {
  it("decodes JSON text objects and arrays, leaves other values", () => {
    expect(parseJsonValue('{"k": 1}')).toEqual({ k: 1 });
    expect(parseJsonValue("[1,2]")).toEqual([1, 2]);
    expect(parseJsonValue("plain")).toBe("plain");
    expect(parseJsonValue("{not json")).toBe("{not json");
    expect(parseJsonValue({ already: true })).toEqual({ already: true });
    expect(parseJsonValue(null)).toBeNull();
  });
});

describe("datatypeName", () => {
  it("normalises string and object datatypes", () => {
    expect(datatypeName("Timestamp(Microsecond, Some(\"UTC\"))")).toContain("timestamp");
    expect(datatypeName({ Timestamp: ["Microsecond", "UTC"] })).toBe("timestamp");
    expect(datatypeName("Int64")).toBe("int64");
  });
});
