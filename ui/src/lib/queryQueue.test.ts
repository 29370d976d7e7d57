import { describe, expect, it } from "vitest";
import { BUSY_RETRIES, busyRetryDelayMs, Limiter, sleep } from "./queryQueue";

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Limiter", () => {
  it("runs at most `max` tasks at once, the rest in order", async () => {
    const limiter = new Limiter(2);
    const gates = [deferred<number>(), deferred<number>(), deferred<number>()];
    const started: number[] = [];
    const results = gates.map((g, i) =>
      limiter.run(() => {
        started.push(i);
        return g.promise;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.active).toBe(2);
    gates[0]!.resolve(10);
    await results[0];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[1]!.resolve(11);
    gates[2]!.resolve(12);
    expect(await Promise.all(results)).toEqual([10, 11, 12]);
    expect(limiter.active).toBe(0);
  });

  it("frees the slot when a task fails", async () => {
    const limiter = new Limiter(1);
    await expect(limiter.run(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limiter.run(() => Promise.resolve("next"))).toBe("next");
  });

  it("drops a waiting task whose signal aborts", async () => {
    const limiter = new Limiter(1);
    const gate = deferred<string>();
    const first = limiter.run(() => gate.promise);
    const controller = new AbortController();
    let ran = false;
    const second = limiter.run(() => {
      ran = true;
      return Promise.resolve("no");
    }, controller.signal);
    controller.abort();
    await expect(second).rejects.toBeDefined();
    gate.resolve("yes");
    expect(await first).toBe("yes");
    expect(ran).toBe(false);
    expect(limiter.active).toBe(0);
  });
});

describe("busyRetryDelayMs", () => {
  it("retries only 429s, after Retry-After, backing off", () => {
    expect(busyRetryDelayMs(400, 1, 1)).toBeNull();
    expect(busyRetryDelayMs(429, 1, 1)).toBe(1000);
    expect(busyRetryDelayMs(429, 1, 2)).toBe(2000);
    expect(busyRetryDelayMs(429, null, 1)).toBe(1000);
    expect(busyRetryDelayMs(429, 30, 1)).toBe(8000);
  });

  it("gives up after the last retry", () => {
    expect(busyRetryDelayMs(429, 1, BUSY_RETRIES)).not.toBeNull();
    expect(busyRetryDelayMs(429, 1, BUSY_RETRIES + 1)).toBeNull();
  });
});

describe("sleep", () => {
  it("rejects at once when aborted", async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toBeDefined();
  });
});
