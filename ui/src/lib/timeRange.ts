// Time ranges: "last 5m" style (relative to now) or absolute; kept in the URL as range=5m or from=&to=.

export type TimeRange = { kind: "relative"; last: string } | { kind: "absolute"; from: number; to: number };

export const DEFAULT_RANGE: TimeRange = { kind: "relative", last: "5m" };

export const PRESETS = ["5m", "15m", "30m", "1h", "6h", "24h", "7d", "30d"] as const;

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** "15m" → 900000; null if it is not a positive duration. */
export function parseDuration(text: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$/i.exec(text);
  if (!match?.[1] || !match[2]) return null;
  const ms = Number(match[1]) * (UNIT_MS[match[2].toLowerCase()] ?? 0);
  return ms > 0 ? ms : null;
}

export function parseRange(params: URLSearchParams): TimeRange {
  const from = params.get("from");
  const to = params.get("to");
  if (from && to) {
    const f = Date.parse(from);
    const t = Date.parse(to);
    if (Number.isFinite(f) && Number.isFinite(t) && f < t) return { kind: "absolute", from: f, to: t };
  }
  const last = params.get("range");
  if (last && parseDuration(last) !== null) return { kind: "relative", last: last.trim().toLowerCase() };
  return DEFAULT_RANGE;
}

/** Writes the range into params (mutates and returns them), removing the other form. */
export function writeRange(params: URLSearchParams, range: TimeRange): URLSearchParams {
  params.delete("range");
  params.delete("from");
  params.delete("to");
  if (range.kind === "relative") {
    if (!isDefault(range)) params.set("range", range.last);
  } else {
    params.set("from", new Date(range.from).toISOString());
    params.set("to", new Date(range.to).toISOString());
  }
  return params;
}

function isDefault(range: TimeRange): boolean {
  return range.kind === "relative" && range.last === "5m";
}

export interface ResolvedRange {
  minMs: number;
  maxMs: number;
  /** True when the range ends at "now" and moves with it (live). */
  live: boolean;
}

export function resolveRange(range: TimeRange, nowMs: number = Date.now()): ResolvedRange {
  if (range.kind === "absolute") return { minMs: range.from, maxMs: range.to, live: false };
  const span = parseDuration(range.last) ?? 5 * 60e3;
  return { minMs: nowMs - span, maxMs: nowMs, live: true };
}

export function describeRange(range: TimeRange): string {
  if (range.kind === "relative") return `Last ${range.last}`;
  const fmt = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);
  return `${fmt(range.from)} → ${fmt(range.to)}`;
}

const NICE_SECONDS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];

/** A round bucket width giving at most ~`target` buckets over the window. */
export function bucketSeconds(windowMs: number, target = 60): number {
  const raw = windowMs / 1000 / target;
  return NICE_SECONDS.find((s) => s >= raw) ?? NICE_SECONDS[NICE_SECONDS.length - 1] ?? 86400;
}

/** Interval literal for SQL (`time_bucket('5 minutes', …)`). */
export function intervalLiteral(seconds: number): string {
  if (seconds % 86400 === 0) return `${seconds / 86400} day${seconds === 86400 ? "" : "s"}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}`;
  if (seconds % 60 === 0) return `${seconds / 60} minute${seconds === 60 ? "" : "s"}`;
  return `${seconds} second${seconds === 1 ? "" : "s"}`;
}
