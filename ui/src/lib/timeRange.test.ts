import { describe, expect, it } from "vitest";
import {
  bucketSeconds,
  DEFAULT_RANGE,
  describeRange,
  intervalLiteral,
  parseDuration,
  parseRange,
  resolveRange,
  writeRange,
} from "./timeRange";

describe("parseDuration", () => {
  it("parses s/m/h/d/w", () => {
    expect(parseDuration("30s")).toBe(30e3);
    expect(parseDuration("5m")).toBe(300e3);
    expect(parseDuration("1h")).toBe(3600e3);
    expect(parseDuration("7d")).toBe(7 * 86400e3);
    expect(parseDuration("2w")).toBe(14 * 86400e3);
    expect(parseDuration(" 15M ")).toBe(900e3);
  });
  it("rejects other text", () => {
    for (const bad of ["", "5", "m", "-5m", "0m", "5 minutes", "5y"]) expect(parseDuration(bad)).toBeNull();
  });
});

describe("URL state", () => {
  it("defaults to the last 5 minutes", () => {
    expect(parseRange(new URLSearchParams())).toEqual(DEFAULT_RANGE);
    expect(parseRange(new URLSearchParams("range=banana"))).toEqual(DEFAULT_RANGE);
  });

  it("round-trips a relative range and leaves the default out of the URL", () => {
    const params = writeRange(new URLSearchParams("where=x"), { kind: "relative", last: "1h" });
    expect(params.toString()).toBe("where=x&range=1h");
    expect(parseRange(params)).toEqual({ kind: "relative", last: "1h" });
    expect(writeRange(new URLSearchParams("range=1h"), DEFAULT_RANGE).toString()).toBe("");
  });

  it("round-trips an absolute range", () => {
    const range = { kind: "absolute" as const, from: Date.UTC(2025, 0, 1), to: Date.UTC(2025, 0, 2) };
    const params = writeRange(new URLSearchParams("range=1h"), range);
    expect(params.get("range")).toBeNull();
    expect(params.get("from")).toBe("2025-01-01T00:00:00.000Z");
    expect(parseRange(params)).toEqual(range);
  });

  it("ignores an inverted or broken absolute range", () => {
    expect(parseRange(new URLSearchParams("from=2025-01-02T00:00:00Z&to=2025-01-01T00:00:00Z"))).toEqual(DEFAULT_RANGE);
    expect(parseRange(new URLSearchParams("from=x&to=y&range=1h"))).toEqual({ kind: "relative", last: "1h" });
  });
});

describe("resolveRange", () => {
  it("relative ranges end now and are live", () => {
    expect(resolveRange({ kind: "relative", last: "15m" }, 1_000_000_000)).toEqual({
      minMs: 1_000_000_000 - 900e3,
      maxMs: 1_000_000_000,
      live: true,
    });
  });
  it("absolute ranges are fixed", () => {
    expect(resolveRange({ kind: "absolute", from: 1, to: 2 }, 99)).toEqual({ minMs: 1, maxMs: 2, live: false });
  });
  it("describes ranges", () => {
    expect(describeRange({ kind: "relative", last: "5m" })).toBe("Last 5m");
    expect(describeRange({ kind: "absolute", from: 0, to: 60e3 })).toBe("1970-01-01 00:00:00 → 1970-01-01 00:01:00");
  });
});

describe("buckets", () => {
  it("chooses round bucket widths for about 60 buckets", () => {
    expect(bucketSeconds(5 * 60e3)).toBe(5);
    expect(bucketSeconds(3600e3)).toBe(60);
    expect(bucketSeconds(86400e3)).toBe(1800);
    expect(bucketSeconds(10 * 365 * 86400e3)).toBe(604800);
  });
  it("writes SQL interval literals", () => {
    expect(intervalLiteral(1)).toBe("1 second");
    expect(intervalLiteral(30)).toBe("30 seconds");
    expect(intervalLiteral(60)).toBe("1 minute");
    expect(intervalLiteral(300)).toBe("5 minutes");
    expect(intervalLiteral(3600)).toBe("1 hour");
    expect(intervalLiteral(172800)).toBe("2 days");
  });
});
