import { useEffect, useState, type FormEvent } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { api as defaultApi, type ApiClient } from "../api/client";
import type { AuthConfig } from "../api/types";

/** Only same-site paths are followed after login (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}

export function LoginPage({ client = defaultApi }: { client?: ApiClient }) {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const next = safeNext(params.get("next"));
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(params.get("error"));
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let alive = true;
    client
      .authConfig()
      .then((c) => alive && setConfig(c))
      .catch(() => alive && setConfig({ local_login: true, oidc: { enabled: false, label: "", login_url: "" } }));
    return () => {
      alive = false;
    };
  }, [client]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await client.login(email, password);
      navigate(next, { replace: true });
    } catch (e) {
      setError((e as Error).message || "Sign-in failed");
    } finally {
      setBusy(false);
    }
  }

  const oidcHref = config?.oidc.enabled ? `${config.oidc.login_url}?next=${encodeURIComponent(next)}` : null;

  return (
    <main className="login">
      <div className="login-card">
        <h1 className="brand-title">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Hearth
        </h1>
        {oidcHref && (
          <a className="button primary wide" href={oidcHref} data-testid="oidc-login">
            {config?.oidc.label || "Sign in with SSO"}
          </a>
        )}
        {oidcHref && config?.local_login && <div className="divider">or</div>}
        {(config === null || config.local_login) && (
          <form onSubmit={(e) => void submit(e)} data-testid="login-form" aria-label="Sign in">
            <label>
              Email
              <input
                type="email"
                name="email"
                autoComplete="username"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            </label>
            <label>
              Password
              <input
                type="password"
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            {error && (
              <p className="error" role="alert" data-testid="login-error">
                {error}
              </p>
            )}
            <button className="primary wide" type="submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
