// Keyboard shortcuts: single keys and two-key "g x" sequences, ignored while typing in a field.

export interface Shortcut {
  keys: string; // "g l", "/", "?", "mod+enter"
  description: string;
}

export const GLOBAL_SHORTCUTS: Shortcut[] = [
  { keys: "g l", description: "Go to live view" },
  { keys: "g e", description: "Go to explore" },
  { keys: "g d", description: "Go to dashboards" },
  { keys: "g a", description: "Go to alerts" },
  { keys: "g s", description: "Go to settings" },
  { keys: "/", description: "Focus the filter / editor" },
  { keys: "?", description: "Show keyboard shortcuts" },
  { keys: "Esc", description: "Close the trace panel or dialog" },
];

export const LIVE_SHORTCUTS: Shortcut[] = [
  { keys: "j / k", description: "Next / previous row" },
  { keys: "Enter", description: "Open the selected row's trace" },
  { keys: "p", description: "Pause / resume the live stream" },
];

export const EDITOR_SHORTCUTS: Shortcut[] = [{ keys: "mod+Enter", description: "Run the query" }];

export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** Tracks a pending "g" prefix; returns the completed sequence ("g l", "/") or null. */
export class SequenceMatcher {
  private pending: string | null = null;
  private pendingAt = 0;

  constructor(
    private readonly sequences: string[],
    private readonly timeoutMs = 1200,
  ) {}

  feed(event: KeyLike, nowMs: number): string | null {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      this.pending = null;
      return null;
    }
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (this.pending && nowMs - this.pendingAt <= this.timeoutMs) {
      const candidate = `${this.pending} ${key}`;
      this.pending = null;
      if (this.sequences.includes(candidate)) return candidate;
    }
    this.pending = null;
    if (this.sequences.some((s) => s.startsWith(`${key} `))) {
      this.pending = key;
      this.pendingAt = nowMs;
      return null;
    }
    const exact = event.key === "?" ? "?" : key;
    return this.sequences.includes(exact) ? exact : null;
  }
}

export function isTypingTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as HTMLElement).tagName !== "string") return false;
  const el = target as HTMLElement;
  const tag = el.tagName.toLowerCase();
  return tag === "input" || tag === "textarea" || tag === "select" || el.isContentEditable || !!el.closest?.(".cm-editor");
}
