// Turning a query result into chart series: first time-like column is x, numeric columns are y;
// with a text column beside them, rows are pivoted into one series per text value.
import type { QueryResult } from "../api/types";
import { datatypeName } from "./columns";
import { toMillis } from "./time";

export interface Series {
  label: string;
  values: (number | null)[];
}

export interface ChartData {
  /** x values: seconds since epoch when `time`, else category indexes. */
  x: number[];
  categories: string[] | null;
  /** Name of the column the x values come from (for the legend). */
  xLabel: string;
  time: boolean;
  series: Series[];
}

function isTimeColumn(name: string, datatype: unknown, values: unknown[]): boolean {
  const type = datatypeName(datatype);
  if (type.includes("timestamp") || type.includes("date")) return true;
  // Text that looks like ISO date-times is time too (whatever the column is called).
  const sample = values.find((v) => v !== null && v !== undefined);
  if (typeof sample === "string" && /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}|$)/.test(sample)) return toMillis(sample) !== null;
  return /(time|timestamp|bucket|^ts$)/i.test(name) && typeof sample === "number" && sample > 1e9;
}

function isNumericColumn(values: unknown[]): boolean {
  let seen = false;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    if (typeof v === "number") seen = true;
    else if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) seen = true;
    else return false;
  }
  return seen;
}

const num = (v: unknown): number | null => {
  if (v === null || v === undefined || v === "") return null;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

export function toChartData(result: QueryResult): ChartData | null {
  const cols = result.columns;
  if (!cols.length) return null;
  const timeCol = cols.find((c) => isTimeColumn(c.name, c.datatype, c.values));
  const numericCols = cols.filter((c) => c !== timeCol && isNumericColumn(c.values));
  const textCols = cols.filter((c) => c !== timeCol && !numericCols.includes(c));
  if (!numericCols.length) return null;

  if (timeCol) {
    const xs = timeCol.values.map((v) => (toMillis(v) ?? 0) / 1000);
    const groupCol = textCols[0];
    if (groupCol && numericCols.length >= 1) {
      // Pivot: one series per group value, aligned on the sorted distinct x values.
      const valueCol = numericCols[0]!;
      const xSet = [...new Set(xs)].sort((a, b) => a - b);
      const xIndex = new Map(xSet.map((x, i) => [x, i]));
      const groups = new Map<string, (number | null)[]>();
      xs.forEach((x, i) => {
        const g = String(groupCol.values[i] ?? "null");
        if (!groups.has(g)) groups.set(g, new Array<number | null>(xSet.length).fill(null));
        groups.get(g)![xIndex.get(x)!] = num(valueCol.values[i]);
      });
      return {
        x: xSet,
        categories: null,
        xLabel: timeCol.name,
        time: true,
        series: [...groups].map(([label, values]) => ({ label, values })),
      };
    }
    const order = xs.map((_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
    return {
      x: order.map((i) => xs[i] as number),
      categories: null,
      xLabel: timeCol.name,
      time: true,
      series: numericCols.map((c) => ({ label: c.name, values: order.map((i) => num(c.values[i])) })),
    };
  }

  // Categories: a text column, else (several numeric columns, as in `SELECT level, count() … GROUP BY level`)
  // the first column names the rows and the others are the series.
  const labelCol = textCols[0] ?? (numericCols.length > 1 && cols[0] === numericCols[0] ? numericCols[0] : undefined);
  const valueCols = numericCols.filter((c) => c !== labelCol);
  const length = valueCols[0]!.values.length;
  const categories = Array.from({ length }, (_, i) => (labelCol ? String(labelCol.values[i] ?? "null") : String(i + 1)));
  return {
    x: categories.map((_, i) => i),
    categories,
    xLabel: labelCol?.name ?? "row",
    time: false,
    series: valueCols.map((c) => ({ label: c.name, values: c.values.map(num) })),
  };
}

/** The single number a "value" panel shows: the first numeric cell. */
export function singleValue(result: QueryResult): number | string | null {
  for (const col of result.columns) {
    const v = col.values[0];
    if (v === undefined || v === null) continue;
    return typeof v === "number" ? v : Number.isFinite(Number(v)) ? Number(v) : String(v);
  }
  return null;
}

/**
 * The x range of a time chart, from its data: bars get half a step of room at each end so none is cut in
 * half, and a single point gets a step each side (uPlot would stretch one instant over 1000 days).
 */
export function timeRange(xs: readonly number[], bars: boolean): [number, number] | null {
  if (!xs.length) return null;
  let step = Infinity;
  for (let i = 1; i < xs.length; i++) {
    const gap = Math.abs((xs[i] as number) - (xs[i - 1] as number));
    if (gap > 0 && gap < step) step = gap;
  }
  if (!Number.isFinite(step)) step = 60;
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  if (min === max) return [min - step, max + step];
  return bars ? [min - step / 2, max + step / 2] : [min, max];
}
