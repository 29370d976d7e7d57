// Charts for explore and dashboards (its own chunk: uPlot loads only where a chart is drawn).
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { ChartKind, QueryResult } from "../api/types";
import { singleValue, timeRange, toChartData, type ChartData } from "../lib/chartData";

const PALETTE = ["#e8590c", "#1c7ed6", "#2f9e44", "#ae3ec9", "#f59f00", "#0ca678", "#d6336c", "#5c7cfa", "#868e96"];

export interface ChartProps {
  result: QueryResult;
  kind: Exclude<ChartKind, "table">;
  height?: number;
}

export default function Chart({ result, kind, height = 280 }: ChartProps) {
  if (kind === "value") return <ValueView result={result} />;
  const data = toChartData(result);
  if (!data)
    return (
      <p className="muted chart-empty" data-testid="chart-empty">
        Nothing to chart: the result needs at least one numeric column.
      </p>
    );
  if (kind === "pie") return <Pie data={data} />;
  return <UPlotChart data={data} bars={kind === "bar"} height={height} />;
}

function ValueView({ result }: { result: QueryResult }) {
  const value = singleValue(result);
  const text =
    typeof value === "number" ? value.toLocaleString(undefined, { maximumFractionDigits: 3 }) : (value ?? "–");
  return (
    <div className="value-panel" data-testid="chart-value">
      {text}
    </div>
  );
}

function Pie({ data }: { data: ChartData }) {
  const series = data.series[0];
  const slices = (series?.values ?? []).map((v, i) => ({
    label: data.categories?.[i] ?? String(i),
    value: Math.max(0, v ?? 0),
  }));
  const total = slices.reduce((s, x) => s + x.value, 0) || 1;
  let angle = -Math.PI / 2;
  return (
    <div className="pie" data-testid="chart-pie">
      <svg viewBox="-1.1 -1.1 2.2 2.2" role="img" aria-label="Pie chart">
        {slices.map((s, i) => {
          const a0 = angle;
          const a1 = angle + (s.value / total) * Math.PI * 2;
          angle = a1;
          const large = a1 - a0 > Math.PI ? 1 : 0;
          const path =
            s.value >= total
              ? "M 1 0 A 1 1 0 1 1 -1 0 A 1 1 0 1 1 1 0 Z"
              : `M 0 0 L ${Math.cos(a0)} ${Math.sin(a0)} A 1 1 0 ${large} 1 ${Math.cos(a1)} ${Math.sin(a1)} Z`;
          return (
            <path key={i} d={path} fill={PALETTE[i % PALETTE.length]}>
              <title>{`${s.label}: ${s.value}`}</title>
            </path>
          );
        })}
      </svg>
      <ul className="legend">
        {slices.map((s, i) => (
          <li key={i}>
            <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
            {s.label} <span className="muted">{s.value.toLocaleString()}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

// uPlot's legend is drawn below the plot: the height given to a chart covers both, and a small chart
// leaves the legend out to keep its room for the plot.
const LEGEND_PX = 28;
const LEGEND_MIN_HEIGHT = 160;

function UPlotChart({ data, bars, height: total }: { data: ChartData; bars: boolean; height: number }) {
  const host = useRef<HTMLDivElement>(null);
  const legend = total >= LEGEND_MIN_HEIGHT;
  const height = legend ? total - LEGEND_PX : total;
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const style = getComputedStyle(document.documentElement);
    const axisColor = style.getPropertyValue("--muted").trim() || "#888";
    const gridColor = style.getPropertyValue("--border").trim() || "#ddd";
    const barPaths = bars ? uPlot.paths.bars?.({ size: [0.8, 60] }) : undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      scales: {
        // Categories get half a slot of room each side, so the first and last bars are whole.
        x: data.categories
          ? { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }
          : { time: data.time, range: (_u, min, max) => timeRange(data.x, bars) ?? [min, max] },
        // Bars are read by their length: their axis starts at zero.
        ...(bars ? { y: { range: (_u, min, max) => uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true) } } : {}),
      },
      axes: [
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          // One tick per category: uPlot's own ticks fall between the indexes and repeat labels.
          ...(data.categories
            ? {
                splits: () => data.x,
                values: (_u: uPlot, ticks: number[]) => ticks.map((t) => data.categories?.[t] ?? ""),
              }
            : {}),
        },
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 } },
      ],
      series: [
        { label: data.xLabel },
        ...data.series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          fill: bars ? `${PALETTE[i % PALETTE.length]}cc` : undefined,
          width: bars ? 0 : 1.5,
          spanGaps: false,
          ...(barPaths ? { paths: barPaths } : {}),
        })),
      ],
      legend: { show: legend && data.series.length > 0 },
    };
    const plot = new uPlot(opts, [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData, el);
    const observer =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    observer?.observe(el);
    return () => {
      observer?.disconnect();
      plot.destroy();
    };
  }, [data, bars, height, legend]);
  return <div ref={host} className="uplot-host" data-testid="chart" />;
}
