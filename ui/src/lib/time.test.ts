import { describe, expect, it } from "vitest";
import { formatDuration, toMillis } from "./time";

describe("toMillis", () => {
  it("parses ISO strings keeping sub-millisecond digits", () => {
    expect(toMillis("2025-01-02T03:04:05.123456Z")).toBeCloseTo(Date.UTC(2025, 0, 2, 3, 4, 5, 123) + 0.456, 6);
  });
  it("treats zone-less timestamps as UTC", () => {
    expect(toMillis("2025-01-02 03:04:05")).toBe(Date.UTC(2025, 0, 2, 3, 4, 5));
  });
  it("guesses epoch units by magnitude", () => {
    const ms = Date.UTC(2025, 0, 1);
    expect(toMillis(ms / 1000)).toBe(ms);
    expect(toMillis(ms)).toBe(ms);
    expect(toMillis(ms * 1000)).toBe(ms);
    expect(toMillis(ms * 1e6)).toBe(ms);
  });
  it("returns null for nothing or garbage", () => {
    expect(toMillis(null)).toBeNull();
    expect(toMillis("")).toBeNull();
    expect(toMillis("yesterday-ish")).toBeNull();
  });
});

describe("formatDuration", () => {
  it("picks a readable unit", () => {
    expect(formatDuration(0.0000123)).toBe("12µs");
    expect(formatDuration(0.0123)).toBe("12.3ms");
    expect(formatDuration(1.5)).toBe("1.50s");
    expect(formatDuration(185)).toBe("3m 05s");
    expect(formatDuration(7260)).toBe("2h 01m");
    expect(formatDuration(null)).toBe("");
  });
});
