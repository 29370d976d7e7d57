// Severity numbers as in Logfire: trace 1, debug 5, info 9, notice 10, warn 13, error 17, fatal 21.

export const LEVELS = [
  { name: "trace", num: 1 },
  { name: "debug", num: 5 },
  { name: "info", num: 9 },
  { name: "notice", num: 10 },
  { name: "warn", num: 13 },
  { name: "error", num: 17 },
  { name: "fatal", num: 21 },
] as const;

export type LevelName = (typeof LEVELS)[number]["name"];

export function levelName(level: unknown): LevelName {
  const n = typeof level === "number" ? level : Number(level);
  if (!Number.isFinite(n)) {
    const byName = LEVELS.find((l) => l.name === level);
    return byName ? byName.name : "info";
  }
  let current: LevelName = "trace";
  for (const l of LEVELS) if (n >= l.num) current = l.name;
  return current;
}

export function levelNum(name: string): number {
  return LEVELS.find((l) => l.name === name)?.num ?? 9;
}

/** CSS class carrying the level colour (see styles.css). */
export function levelClass(level: unknown): string {
  return `lvl-${levelName(level)}`;
}
