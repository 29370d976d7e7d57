import { EDITOR_SHORTCUTS, GLOBAL_SHORTCUTS, LIVE_SHORTCUTS } from "../lib/shortcuts";

export function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const groups = [
    ["Everywhere", GLOBAL_SHORTCUTS],
    ["Live view", LIVE_SHORTCUTS],
    ["SQL editors", EDITOR_SHORTCUTS],
  ] as const;
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
        data-testid="shortcut-help"
      >
        <h2>Keyboard shortcuts</h2>
        {groups.map(([title, list]) => (
          <section key={title}>
            <h3>{title}</h3>
            <dl className="shortcuts">
              {list.map((s) => (
                <div key={s.keys}>
                  <dt>
                    <kbd>{s.keys}</kbd>
                  </dt>
                  <dd>{s.description}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
