// A light SVG bar chart for the live view's timeline (no chart library on this page).
import { formatClock } from "../lib/time";

export interface Bucket {
  startMs: number;
  total: number;
  errors: number;
}

export function Histogram({
  buckets,
  minMs,
  maxMs,
  bucketMs,
  onSelect,
}: {
  buckets: Bucket[];
  minMs: number;
  maxMs: number;
  bucketMs: number;
  onSelect?: (fromMs: number, toMs: number) => void;
}) {
  const width = 1000;
  const height = 60;
  const span = Math.max(maxMs - minMs, 1);
  const peak = Math.max(1, ...buckets.map((b) => b.total));
  const barWidth = Math.max(1, (bucketMs / span) * width - 1);
  return (
    <div className="histogram" data-testid="timeline-histogram">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label="Records over time">
        {buckets.map((b) => {
          const x = ((b.startMs - minMs) / span) * width;
          const h = (b.total / peak) * (height - 2);
          const e = (b.errors / peak) * (height - 2);
          return (
            <g
              key={b.startMs}
              onClick={() => onSelect?.(b.startMs, b.startMs + bucketMs)}
              className={onSelect ? "clickable" : undefined}
            >
              <title>{`${formatClock(b.startMs, false)}: ${b.total} records, ${b.errors} errors`}</title>
              <rect x={x} y={height - h} width={barWidth} height={h} className="bar-total" />
              {b.errors > 0 && <rect x={x} y={height - e} width={barWidth} height={e} className="bar-error" />}
            </g>
          );
        })}
      </svg>
      <div className="histogram-axis muted">
        <span>{formatClock(minMs, false)}</span>
        <span>{formatClock(maxMs, false)}</span>
      </div>
    </div>
  );
}
