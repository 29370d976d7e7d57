import { describe, expect, it } from "vitest";
import { scrollToIndex, visibleWindow } from "./virtual";

describe("visibleWindow", () => {
  it("renders only the rows around the viewport", () => {
    const w = visibleWindow(2400, 600, 24, 10000, 8);
    expect(w.start).toBe(100 - 8);
    expect(w.end).toBe(100 + 26 + 8);
    expect(w.offsetTop).toBe(w.start * 24);
    expect(w.totalHeight).toBe(240000);
    expect(w.end - w.start).toBeLessThan(50);
  });

  it("clamps at both ends", () => {
    expect(visibleWindow(0, 600, 24, 5)).toMatchObject({ start: 0, end: 5 });
    const end = visibleWindow(1e9, 600, 24, 100, 0);
    expect(end.end).toBe(100);
    expect(end.start).toBeLessThan(100);
  });

  it("is empty for no rows", () => {
    expect(visibleWindow(0, 600, 24, 0)).toEqual({ start: 0, end: 0, offsetTop: 0, totalHeight: 0 });
  });
});

describe("scrollToIndex", () => {
  it("scrolls just enough to reveal a row", () => {
    expect(scrollToIndex(0, 240, 600, 24)).toBe(0);
    expect(scrollToIndex(50, 0, 600, 24)).toBe(50 * 24 + 24 - 600);
    expect(scrollToIndex(12, 0, 600, 24)).toBe(0);
  });
});
