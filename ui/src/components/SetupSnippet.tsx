import { useState } from "react";
import type { ProjectApi } from "../api/client";
import { configureSnippet } from "../lib/snippet";
import { CopyButton } from "./CopyButton";

/** The empty state that teaches: the exact `logfire.configure(...)` for this instance, with a token. */
export function SetupSnippet({ api, canWrite, title = "No data yet" }: { api: ProjectApi; canWrite: boolean; title?: string }) {
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const baseUrl = window.location.origin;
  const snippet = configureSnippet(baseUrl, token);

  async function createToken() {
    setError(null);
    try {
      const created = await api.createToken("write", "created from the setup instructions");
      setToken(created.token);
    } catch (e) {
      setError((e as Error).message);
    }
  }

  return (
    <section className="empty-state" data-testid="setup-snippet">
      <h2>{title}</h2>
      <p>
        Send traces and logs with the <code>logfire</code> SDK (<code>pip install logfire</code>), pointed at this
        Hearth instance:
      </p>
      <pre className="code" data-testid="configure-snippet">
        {snippet}
      </pre>
      <div className="row gap">
        <CopyButton text={snippet} label="Copy snippet" />
        {canWrite && !token && (
          <button type="button" className="primary" onClick={() => void createToken()} data-testid="create-write-token">
            Create a write token
          </button>
        )}
        {token && <span className="notice">Token created and put in the snippet. It is shown only once.</span>}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <p className="muted">
        Or set <code>LOGFIRE_TOKEN</code> and <code>LOGFIRE_BASE_URL={baseUrl}</code> in the environment.
      </p>
    </section>
  );
}
