import { lazy, Suspense } from "react";
import type { SqlEditorProps } from "./SqlEditor";

const SqlEditor = lazy(() => import("./SqlEditor"));

/** The SQL editor, with a plain text field until CodeMirror has loaded. */
export function SqlInput(props: SqlEditorProps) {
  const fallback = props.singleLine ? (
    <input
      className="sql-fallback"
      data-testid={props.testId}
      aria-label={props.ariaLabel ?? "SQL"}
      placeholder={props.placeholder}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      onKeyDown={(e) => e.key === "Enter" && props.onRun?.()}
    />
  ) : (
    <textarea
      className="sql-fallback"
      data-testid={props.testId}
      aria-label={props.ariaLabel ?? "SQL"}
      placeholder={props.placeholder}
      value={props.value}
      rows={6}
      onChange={(e) => props.onChange(e.target.value)}
      onKeyDown={(e) => (e.metaKey || e.ctrlKey) && e.key === "Enter" && props.onRun?.()}
    />
  );
  return (
    <Suspense fallback={fallback}>
      <SqlEditor {...props} />
    </Suspense>
  );
}
