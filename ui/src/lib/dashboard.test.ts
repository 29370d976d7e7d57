import { describe, expect, it } from "vitest";
import type { Panel } from "../api/types";
import { applyLayout, bottomOf, newPanel, panelsToLayout, slugify, validateImport, variableValues } from "./dashboard";

const panel = (id: string, y = 0): Panel => ({ id, title: id, sql: "SELECT 1", chart: "table", layout: { x: 0, y, w: 6, h: 4 } });

describe("layout", () => {
  it("maps panels to grid items and back, keeping unchanged panels identical", () => {
    const panels = [panel("a"), panel("b", 4)];
    const layout = panelsToLayout(panels);
    expect(layout[1]).toEqual({ i: "b", x: 0, y: 4, w: 6, h: 4 });
    const moved = applyLayout(panels, [{ ...layout[0]!, x: 6, w: 3 }, layout[1]!]);
    expect(moved[0]!.layout).toEqual({ x: 6, y: 0, w: 3, h: 4 });
    expect(moved[1]).toBe(panels[1]);
  });

  it("adds new panels below the others with a fresh id", () => {
    const panels = [panel("panel-2"), panel("b", 4)];
    expect(bottomOf(panels)).toBe(8);
    const p = newPanel(panels);
    expect(p.layout.y).toBe(8);
    expect(p.id).toBe("panel-3");
  });
});

describe("variableValues", () => {
  const def = { panels: [], variables: [{ name: "service", label: "Service", default: "'api'" }] };
  it("uses URL values over defaults and adds $resolution", () => {
    expect(variableValues(def, new URLSearchParams(), 3600e3)).toEqual({ service: "'api'", resolution: "'30 seconds'" });
    expect(variableValues(def, new URLSearchParams("var-service='web'"), 3600e3)["service"]).toBe("'web'");
  });
});

describe("validateImport", () => {
  it("accepts an exported dashboard", () => {
    const result = validateImport({
      title: "Web server",
      definition: { panels: [panel("a")], variables: [] },
    });
    expect(result.ok && result.dashboard.slug).toBe("web-server");
  });
  it("explains what is wrong", () => {
    expect(validateImport(3)).toEqual({ ok: false, error: "The file is not a JSON object." });
    expect(validateImport({ title: "x" })).toMatchObject({ ok: false });
    expect(validateImport({ title: "x", definition: { panels: [{ sql: "s", chart: "radar" }] } })).toEqual({
      ok: false,
      error: "Panel 1 has an unknown chart type.",
    });
  });
  it("slugifies titles", () => {
    expect(slugify("  Web Server — Metrics! ")).toBe("web-server-metrics");
    expect(slugify("!!!")).toBe("dashboard");
  });
});
