import { useEffect, useRef } from "react";
import { isTypingTarget, SequenceMatcher } from "../lib/shortcuts";

/** Calls handlers[sequence] for key sequences typed outside editable fields ("Escape" always fires). */
export function useShortcuts(handlers: Record<string, () => void>, enabled = true): void {
  const ref = useRef(handlers);
  ref.current = handlers;
  const sequences = Object.keys(handlers).sort().join("|");
  useEffect(() => {
    if (!enabled) return;
    const matcher = new SequenceMatcher(sequences.split("|"));
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        ref.current["Escape"]?.();
        return;
      }
      if (isTypingTarget(event.target)) return;
      const hit = matcher.feed(event, performance.now());
      const handler = hit ? ref.current[hit] : undefined;
      if (handler) {
        event.preventDefault();
        handler();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [sequences, enabled]);
}
