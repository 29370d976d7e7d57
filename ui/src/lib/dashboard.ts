// Pure helpers for dashboards: grid layout <-> panels, new panels, variable values, import validation.
import type { Dashboard, DashboardDefinition, Panel, PanelLayout } from "../api/types";
import { bucketSeconds, intervalLiteral } from "./timeRange";
import { variableParam } from "./variables";

export const GRID_COLS = 12;

export interface GridItem {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export function panelsToLayout(panels: Panel[]): GridItem[] {
  return panels.map((p) => ({ i: p.id, ...p.layout }));
}

/** Panels with their layout taken from the grid (unknown ids ignored; unchanged panels kept as they are). */
export function applyLayout(panels: Panel[], layout: readonly GridItem[]): Panel[] {
  const byId = new Map(layout.map((item) => [item.i, item]));
  return panels.map((p) => {
    const item = byId.get(p.id);
    if (!item) return p;
    const next: PanelLayout = { x: item.x, y: item.y, w: item.w, h: item.h };
    const same = next.x === p.layout.x && next.y === p.layout.y && next.w === p.layout.w && next.h === p.layout.h;
    return same ? p : { ...p, layout: next };
  });
}

export function bottomOf(panels: Panel[]): number {
  return panels.reduce((max, p) => Math.max(max, p.layout.y + p.layout.h), 0);
}

export function newPanelId(panels: Panel[]): string {
  const ids = new Set(panels.map((p) => p.id));
  let n = panels.length + 1;
  while (ids.has(`panel-${n}`)) n++;
  return `panel-${n}`;
}

export function newPanel(panels: Panel[]): Panel {
  return {
    id: newPanelId(panels),
    title: "New panel",
    sql:
      "SELECT time_bucket($resolution, start_timestamp) AS x, count() AS records\n" +
      "FROM records\nGROUP BY x\nORDER BY x",
    chart: "time_series",
    layout: { x: 0, y: bottomOf(panels), w: 6, h: 8 },
  };
}

/** Values of `$name` variables: URL (`var-name`) over defaults, plus `$resolution` for the time range. */
export function variableValues(
  definition: DashboardDefinition,
  params: URLSearchParams,
  windowMs: number,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const v of definition.variables) values[v.name] = params.get(variableParam(v.name)) ?? v.default;
  if (!("resolution" in values)) values["resolution"] = `'${intervalLiteral(bucketSeconds(windowMs, 120))}'`;
  return values;
}

export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "dashboard"
  );
}

const CHARTS = new Set(["time_series", "bar", "table", "value", "pie"]);

/** Checks an imported JSON file has the dashboard shape; returns a message for the first problem. */
export function validateImport(data: unknown): { ok: true; dashboard: Omit<Dashboard, "version"> } | { ok: false; error: string } {
  if (!data || typeof data !== "object") return { ok: false, error: "The file is not a JSON object." };
  const d = data as Record<string, unknown>;
  const title = d["title"];
  if (typeof title !== "string" || !title) return { ok: false, error: "Missing “title”." };
  const definition = d["definition"] as Record<string, unknown> | undefined;
  if (!definition || !Array.isArray(definition["panels"])) return { ok: false, error: "Missing “definition.panels”." };
  const panels = definition["panels"] as unknown[];
  for (const [i, p] of panels.entries()) {
    const panel = p as Record<string, unknown> | null;
    if (!panel || typeof panel["sql"] !== "string") return { ok: false, error: `Panel ${i + 1} has no SQL.` };
    if (!CHARTS.has(String(panel["chart"]))) return { ok: false, error: `Panel ${i + 1} has an unknown chart type.` };
  }
  const variables = Array.isArray(definition["variables"]) ? definition["variables"] : [];
  return {
    ok: true,
    dashboard: {
      slug: typeof d["slug"] === "string" && d["slug"] ? d["slug"] : slugify(title),
      title,
      description: typeof d["description"] === "string" ? d["description"] : "",
      definition: { panels: panels as Panel[], variables: variables as DashboardDefinition["variables"] },
    },
  };
}

export function downloadJson(filename: string, data: unknown): void {
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(href), 1000);
}
