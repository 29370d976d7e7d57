export type ConnectionState = "connecting" | "connected" | "reconnecting" | "paused" | "closed" | "error";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  paused: "Paused",
  closed: "Not live",
  error: "Disconnected",
};

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span className={`conn conn-${state}`} data-testid="connected-indicator" data-state={state} role="status">
      <span className="conn-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
