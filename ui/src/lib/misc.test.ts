import { describe, expect, it } from "vitest";
import { validateAlert, DEFAULT_ALERT, formatSeconds } from "./alerts";
import { levelName, levelNum } from "./levels";
import { configureSnippet } from "./snippet";

describe("configureSnippet", () => {
  it("points the SDK at this instance", () => {
    const s = configureSnippet("https://hearth.example.com/", "pylf_v1_us_abc");
    expect(s).toContain("token='pylf_v1_us_abc'");
    expect(s).toContain("advanced=logfire.AdvancedOptions(base_url='https://hearth.example.com')");
    expect(configureSnippet("http://localhost:8080", null)).toContain("token='<your write token>'");
  });
});

describe("levels", () => {
  it("maps numbers to names by threshold", () => {
    expect(levelName(9)).toBe("info");
    expect(levelName(12)).toBe("notice");
    expect(levelName(13)).toBe("warn");
    expect(levelName(17)).toBe("error");
    expect(levelName(24)).toBe("fatal");
    expect(levelName(0)).toBe("trace");
    expect(levelName("warn")).toBe("warn");
    expect(levelNum("error")).toBe(17);
  });
});

describe("alerts", () => {
  it("validates before saving", () => {
    expect(validateAlert({ ...DEFAULT_ALERT, name: "errors" })).toEqual([]);
    expect(validateAlert({ ...DEFAULT_ALERT, name: "", lookback_seconds: 30, interval_seconds: 60 })).toEqual([
      "Name is required.",
      "Lookback must be at least the interval.",
    ]);
  });
  it("formats seconds", () => {
    expect(formatSeconds(300)).toBe("5m");
    expect(formatSeconds(7200)).toBe("2h");
    expect(formatSeconds(45)).toBe("45s");
  });
});
