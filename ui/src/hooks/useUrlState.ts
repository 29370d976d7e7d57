import { useCallback } from "react";
import { useSearchParams } from "react-router-dom";

/** Reads the URL's search params and updates some of them (replace: true keeps history tidy). */
export function useUrlParams(): [URLSearchParams, (changes: Record<string, string | null>, push?: boolean) => void] {
  const [params, setParams] = useSearchParams();
  const update = useCallback(
    (changes: Record<string, string | null>, push = false) => {
      setParams(
        (current) => {
          const next = new URLSearchParams(current);
          for (const [key, value] of Object.entries(changes)) {
            if (value === null || value === "") next.delete(key);
            else next.set(key, value);
          }
          return next;
        },
        { replace: !push },
      );
    },
    [setParams],
  );
  return [params, update];
}
