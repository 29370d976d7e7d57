import { useState } from "react";
import { describeRange, parseDuration, PRESETS, type TimeRange } from "../lib/timeRange";

function toLocalInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3);
  return d.toISOString().slice(0, 16);
}

export function TimeRangePicker({ value, onChange }: { value: TimeRange; onChange: (r: TimeRange) => void }) {
  const [custom, setCustom] = useState(false);
  const [from, setFrom] = useState(() => toLocalInput(Date.now() - 3600e3));
  const [to, setTo] = useState(() => toLocalInput(Date.now()));
  const selected = value.kind === "relative" ? value.last : "custom";
  const options: string[] = [...PRESETS];
  if (value.kind === "relative" && !options.includes(value.last)) options.push(value.last);

  return (
    <div className="time-range" data-testid="time-range">
      <select
        aria-label="Time range"
        value={custom ? "custom" : selected}
        onChange={(e) => {
          if (e.target.value === "custom") setCustom(true);
          else {
            setCustom(false);
            if (parseDuration(e.target.value)) onChange({ kind: "relative", last: e.target.value });
          }
        }}
      >
        {options.map((p) => (
          <option key={p} value={p}>
            Last {p}
          </option>
        ))}
        <option value="custom">{value.kind === "absolute" ? describeRange(value) : "Custom…"}</option>
      </select>
      {custom && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            const f = new Date(from).getTime();
            const t = new Date(to).getTime();
            if (Number.isFinite(f) && Number.isFinite(t) && f < t) {
              onChange({ kind: "absolute", from: f, to: t });
              setCustom(false);
            }
          }}
        >
          <input type="datetime-local" aria-label="From" value={from} onChange={(e) => setFrom(e.target.value)} />
          <input type="datetime-local" aria-label="To" value={to} onChange={(e) => setTo(e.target.value)} />
          <button type="submit">Apply</button>
        </form>
      )}
    </div>
  );
}
