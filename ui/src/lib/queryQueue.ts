// Queries from one tab share the query API's few slots with everyone else: a dashboard's panels run a
// few at a time, and an answer of 429 "all query slots are busy" is retried after its Retry-After.

/** Runs at most `max` tasks at once; the others wait in order. A task whose signal aborts leaves the queue. */
export class Limiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  get active(): number {
    return this.running;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.running >= this.max) await this.turn(signal);
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  private turn(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener("abort", leave);
        resolve();
      };
      const leave = () => {
        const index = this.waiting.indexOf(go);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
      };
      if (signal?.aborted) return leave();
      signal?.addEventListener("abort", leave, { once: true });
      this.waiting.push(go);
    });
  }
}

export const BUSY_RETRIES = 4;
const MAX_DELAY_MS = 8000;

/**
 * How long to wait before retry `attempt` (1-based) of a request answered 429, or null to give up:
 * the server's Retry-After (default 1 s), doubled at each further attempt, capped.
 */
export function busyRetryDelayMs(status: number, retryAfterSeconds: number | null, attempt: number): number | null {
  if (status !== 429 || attempt > BUSY_RETRIES) return null;
  const base = retryAfterSeconds !== null && retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : 1000;
  return Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1));
}

/** Resolves after `ms`, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new DOMException("Aborted", "AbortError"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", stop);
      resolve();
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new DOMException("Aborted", "AbortError"));
    };
    signal?.addEventListener("abort", stop, { once: true });
  });
}
