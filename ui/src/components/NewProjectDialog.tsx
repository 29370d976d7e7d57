// A small form for a new project in the current organization: name, slug (derived until edited).
import { useState, type FormEvent } from "react";
import type { ApiClient } from "../api/client";
import type { Project } from "../api/types";
import { describeError } from "./ProjectMembers";

/** The backend's slug rule (the `logfire` CLI's): lowercase letters, digits, single hyphens, ≤ 63. */
export const SLUG_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

export function slugFromName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
}

export function slugProblem(slug: string): string | null {
  if (!slug) return "A project needs a slug.";
  if (slug.length > 63) return "Slugs are at most 63 characters.";
  if (!SLUG_PATTERN.test(slug)) return "Slugs are lowercase letters, digits and single hyphens (e.g. my-app).";
  return null;
}

export function NewProjectDialog({
  client,
  org,
  orgName,
  onCreated,
  onClose,
}: {
  client: ApiClient;
  org: string;
  orgName: string;
  onCreated: (project: Project) => void | Promise<void>;
  onClose: () => void;
}) {
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const effectiveSlug = slugEdited ? slug : slugFromName(name);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problem = slugProblem(effectiveSlug);
    if (problem) {
      setError(problem);
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const created = await client.createProject(org, effectiveSlug, name.trim() || effectiveSlug);
      await onCreated(created);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="modal-backdrop" onClick={onClose}>
      <form
        className="modal form"
        role="dialog"
        aria-label="New project"
        style={{ width: "min(480px, 94vw)" }}
        onClick={(e) => e.stopPropagation()}
        onSubmit={(e) => void submit(e)}
        data-testid="new-project-form"
      >
        <h2>New project in {orgName}</h2>
        <label>
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="My app" autoFocus required />
        </label>
        <label>
          Slug (in URLs and for the `logfire` SDK)
          <input
            className="mono"
            value={effectiveSlug}
            onChange={(e) => {
              setSlugEdited(true);
              setSlug(e.target.value);
            }}
            placeholder="my-app"
          />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="new-project-error">
            {error}
          </p>
        )}
        <div className="row gap">
          <button type="submit" className="primary" disabled={busy} data-testid="new-project-submit">
            Create project
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
