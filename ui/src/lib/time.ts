// Timestamps: the server sends ISO strings (µs precision); keep the text for cursors, use ms for maths.

/** Milliseconds since epoch for an ISO string, epoch number (s/ms/µs/ns guessed by size) or Date. */
export function toMillis(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") {
    const abs = Math.abs(value);
    if (abs > 1e17) return value / 1e6; // ns
    if (abs > 1e14) return value / 1e3; // µs
    if (abs > 1e11) return value; // ms
    return value * 1000; // s
  }
  if (typeof value === "string") {
    let text = value.trim();
    // "2025-01-02 03:04:05.123456" (no zone) is UTC in our data.
    if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text = `${text.replace(" ", "T")}Z`;
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) {
      // Date.parse drops sub-ms digits; keep them for waterfall precision.
      const frac = /\.(\d{4,9})/.exec(text);
      if (frac?.[1]) {
        const extra = Number(`0.${frac[1].slice(3)}`);
        return ms + extra;
      }
      return ms;
    }
    const n = Number(text);
    return Number.isFinite(n) ? toMillis(n) : null;
  }
  return null;
}

export function formatClock(ms: number | null, withMs = true): string {
  if (ms === null) return "";
  const d = new Date(ms);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMs ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

export function formatDateTime(ms: number | null): string {
  if (ms === null) return "";
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${formatClock(ms)}`;
}

/** A duration in seconds as "812µs", "12.3ms", "1.52s", "3m 05s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "";
  if (seconds < 0) return `-${formatDuration(-seconds)}`;
  if (seconds < 1e-3) return `${Math.round(seconds * 1e6)}µs`;
  if (seconds < 1) return `${trim(seconds * 1e3)}ms`;
  if (seconds < 60) return `${trim(seconds)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${String(Math.round(seconds % 60)).padStart(2, "0")}s`;
  return `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, "0")}m`;
}

function trim(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
