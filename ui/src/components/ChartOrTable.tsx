import { lazy, Suspense } from "react";
import type { ChartKind, QueryResult } from "../api/types";
import { ResultsTable } from "./ResultsTable";
import { Spinner } from "./Spinner";

const Chart = lazy(() => import("./Chart"));

export function ChartOrTable({
  result,
  kind,
  height,
  traceUrl,
}: {
  result: QueryResult;
  kind: ChartKind;
  height?: number;
  traceUrl?: (traceId: string, spanId?: string) => string;
}) {
  if (kind === "table") return <ResultsTable result={result} traceUrl={traceUrl} />;
  return (
    <Suspense fallback={<Spinner label="Loading chart…" />}>
      <Chart result={result} kind={kind} height={height} />
    </Suspense>
  );
}
