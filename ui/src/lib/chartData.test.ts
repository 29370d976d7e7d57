import { describe, expect, it } from "vitest";
import { singleValue, timeRange, toChartData } from "./chartData";

const t0 = "2025-01-01T00:00:00Z";
const t1 = "2025-01-01T00:01:00Z";

describe("toChartData", () => {
  it("uses the time column as x and numeric columns as series, sorted by time", () => {
    const data = toChartData({
      columns: [
        { name: "x", datatype: "Timestamp(Microsecond, Some(\"UTC\"))", values: [t1, t0] },
        { name: "count", datatype: "Int64", values: [5, 3] },
      ],
    });
    expect(data?.time).toBe(true);
    expect(data?.x).toEqual([Date.parse(t0) / 1000, Date.parse(t1) / 1000]);
    expect(data?.series).toEqual([{ label: "count", values: [3, 5] }]);
  });

  it("pivots a text column into one series per value", () => {
    const data = toChartData({
      columns: [
        { name: "bucket", datatype: "Utf8", values: [t0, t0, t1] },
        { name: "service_name", datatype: "Utf8", values: ["api", "web", "api"] },
        { name: "n", datatype: "Int64", values: [1, 2, 3] },
      ],
    });
    expect(data?.time).toBe(true);
    expect(data?.x.length).toBe(2);
    expect(data?.series).toEqual([
      { label: "api", values: [1, 3] },
      { label: "web", values: [2, null] },
    ]);
  });

  it("uses categories when there is no time column", () => {
    const data = toChartData({
      columns: [
        { name: "service_name", datatype: "Utf8", values: ["api", "web"] },
        { name: "n", datatype: "Int64", values: ["4", 6] },
      ],
    });
    expect(data?.time).toBe(false);
    expect(data?.categories).toEqual(["api", "web"]);
    expect(data?.series[0]?.values).toEqual([4, 6]);
  });

  it("takes a leading numeric column as the categories when others follow it", () => {
    const data = toChartData({
      columns: [
        { name: "level", datatype: "UInt16", values: [9, 17] },
        { name: "records", datatype: "Int64", values: [5, 2] },
      ],
    });
    expect(data?.time).toBe(false);
    expect(data?.categories).toEqual(["9", "17"]);
    expect(data?.series).toEqual([{ label: "records", values: [5, 2] }]);
  });

  it("numbers the rows when a single numeric column is all there is", () => {
    const data = toChartData({ columns: [{ name: "n", datatype: "Int64", values: [3, 4] }] });
    expect(data?.categories).toEqual(["1", "2"]);
    expect(data?.series).toEqual([{ label: "n", values: [3, 4] }]);
  });

  it("recognises ISO text as time whatever the column name", () => {
    const data = toChartData({
      columns: [
        { name: "x", datatype: "Utf8", values: [t0, t1] },
        { name: "n", datatype: "Int64", values: [1, 2] },
      ],
    });
    expect(data?.time).toBe(true);
    expect(data?.series).toEqual([{ label: "n", values: [1, 2] }]);
  });

  it("returns null without numeric columns", () => {
    expect(toChartData({ columns: [{ name: "m", datatype: "Utf8", values: ["a"] }] })).toBeNull();
    expect(toChartData({ columns: [] })).toBeNull();
  });
});

describe("singleValue", () => {
  it("takes the first non-null cell", () => {
    expect(singleValue({ columns: [{ name: "n", datatype: "Int64", values: [42] }] })).toBe(42);
    expect(singleValue({ columns: [{ name: "n", datatype: "Utf8", values: ["7.5"] }] })).toBe(7.5);
    expect(singleValue({ columns: [{ name: "n", datatype: "Int64", values: [] }] })).toBeNull();
  });
});

describe("timeRange", () => {
  it("keeps a line chart's range to its data", () => {
    expect(timeRange([0, 60, 120], false)).toEqual([0, 120]);
  });

  it("gives bars half a step of room at each end", () => {
    expect(timeRange([0, 30, 90], true)).toEqual([-15, 105]);
  });

  it("centres a single point in a step each side", () => {
    expect(timeRange([600], true)).toEqual([540, 660]);
    expect(timeRange([600, 600], false)).toEqual([540, 660]);
  });

  it("has no range without data", () => {
    expect(timeRange([], true)).toBeNull();
  });
});
