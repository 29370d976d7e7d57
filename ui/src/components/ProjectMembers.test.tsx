// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, OrgApi, ProjectApi } from "../api/client";
import type { ProjectMember } from "../api/types";
import { ProjectMembers } from "./ProjectMembers";

afterEach(cleanup);

const user = (id: string, email: string) => ({ id, email, name: email.split("@")[0]!, is_admin: false });
const ME = user("u-me", "me@example.com");
const ANN = user("u-ann", "ann@example.com");
const BOB = user("u-bob", "bob@example.com");

const BASE = "/ui-api/orgs/acme/projects/web/members";

interface Call {
  method: string;
  url: string;
  body: unknown;
  csrf: string | null;
}

/** A fake backend holding the project's members; `refuse` answers a problem for the next change. */
function server() {
  const members: ProjectMember[] = [
    { user: ME, role: "admin" },
    { user: ANN, role: "read" },
  ];
  const calls: Call[] = [];
  const state = { refuse: null as { status: number; detail: string } | null };
  const impl = (input: RequestInfo | URL, init?: RequestInit) => {
    const method = init?.method ?? "GET";
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const body: unknown = init?.body ? JSON.parse(String(init.body)) : null;
    calls.push({ method, url, body, csrf: headers["X-CSRF-Token"] ?? null });
    if (method !== "GET" && state.refuse) {
      const { status, detail } = state.refuse;
      state.refuse = null;
      return Promise.resolve(Response.json({ type: "about:blank", title: "refused", status, detail }, { status }));
    }
    if (url === "/ui-api/orgs/acme/members")
      return Promise.resolve(
        Response.json([
          { user: ME, role: "admin" },
          { user: ANN, role: "member" },
          { user: BOB, role: "guest" },
        ]),
      );
    if (url === BASE && method === "GET") return Promise.resolve(Response.json(members));
    const id = url.startsWith(`${BASE}/`) ? decodeURIComponent(url.slice(BASE.length + 1)) : null;
    const who = [ME, ANN, BOB].find((u) => u.id === id);
    if (who && method === "PUT") {
      const role = (body as { role: ProjectMember["role"] }).role;
      const existing = members.find((m) => m.user.id === who.id);
      if (existing) existing.role = role;
      else members.push({ user: who, role });
      return Promise.resolve(Response.json({ user: who, role }));
    }
    if (who && method === "DELETE") {
      members.splice(
        members.findIndex((m) => m.user.id === who.id),
        1,
      );
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return Promise.resolve(new Response(null, { status: 404 }));
  };
  const client = new ApiClient(impl as typeof fetch, () => "hearth_csrf=tok");
  return { client, calls, members, state };
}

function renderMembers(canEdit: boolean, confirmAnswer = true) {
  const backend = server();
  render(
    <ProjectMembers
      api={new ProjectApi(backend.client, "acme", "web")}
      orgApi={new OrgApi(backend.client, "acme")}
      canEdit={canEdit}
      currentUserId={ME.id}
      confirm={() => confirmAnswer}
    />,
  );
  return backend;
}

const row = (email: string) => screen.getAllByTestId("project-member-row").find((r) => r.textContent?.includes(email))!;

describe("ProjectMembers", () => {
  it("lists members with their project role; you cannot change your own", async () => {
    renderMembers(true);
    await screen.findByTestId("project-members-list");
    await waitFor(() => expect(screen.getAllByTestId("project-member-row")).toHaveLength(2));
    expect(row(ME.email).textContent).toContain("admin (you)");
    expect(within(row(ME.email)).queryByRole("combobox")).toBeNull();
    expect((screen.getByLabelText(`Project role of ${ANN.email}`) as HTMLSelectElement).value).toBe("read");
  });

  it("changes a role with PUT and the CSRF header, then shows the new role", async () => {
    const { calls, members } = renderMembers(true);
    const select = await screen.findByLabelText(`Project role of ${ANN.email}`);
    fireEvent.change(select, { target: { value: "write" } });
    await screen.findByText(`${ANN.email} is now write.`);
    const put = calls.find((c) => c.method === "PUT")!;
    expect(put).toMatchObject({ url: `${BASE}/${ANN.id}`, body: { role: "write" }, csrf: "tok" });
    expect(members.find((m) => m.user.id === ANN.id)!.role).toBe("write");
    await waitFor(() =>
      expect((screen.getByLabelText(`Project role of ${ANN.email}`) as HTMLSelectElement).value).toBe("write"),
    );
  });

  it("removes a member after confirmation", async () => {
    const { calls } = renderMembers(true);
    await screen.findByLabelText(`Project role of ${ANN.email}`);
    fireEvent.click(within(row(ANN.email)).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(screen.getAllByTestId("project-member-row")).toHaveLength(1));
    expect(calls.some((c) => c.method === "DELETE" && c.url === `${BASE}/${ANN.id}`)).toBe(true);
  });

  it("does nothing when the removal is not confirmed", async () => {
    const { calls } = renderMembers(true, false);
    await screen.findByLabelText(`Project role of ${ANN.email}`);
    fireEvent.click(within(row(ANN.email)).getByRole("button", { name: "Remove" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
  });

  it("adds an organization member who has no project role yet", async () => {
    const { calls } = renderMembers(true);
    const picker = (await screen.findByLabelText("Organization member")) as HTMLSelectElement;
    await waitFor(() => expect(picker.options.length).toBe(2)); // "Choose…" and Bob: the others have a role
    expect(picker.options[1]!.textContent).toContain(BOB.email);
    fireEvent.change(picker, { target: { value: BOB.id } });
    fireEvent.change(screen.getByLabelText("New project role"), { target: { value: "write" } });
    fireEvent.click(screen.getByTestId("add-project-member"));
    await screen.findByText(`Added ${BOB.email} as write.`);
    expect(calls.find((c) => c.method === "PUT")).toMatchObject({ url: `${BASE}/${BOB.id}`, body: { role: "write" } });
    await waitFor(() => expect(screen.getAllByTestId("project-member-row")).toHaveLength(3));
  });

  it("shows the server's refusal clearly", async () => {
    const { state } = renderMembers(true);
    const select = await screen.findByLabelText(`Project role of ${ANN.email}`);
    state.refuse = { status: 403, detail: "this needs the admin role on project 'web'" };
    fireEvent.change(select, { target: { value: "admin" } });
    const error = await screen.findByTestId("project-members-error");
    expect(error.textContent).toBe("Not allowed: this needs the admin role on project 'web'");
  });

  it("is read-only for non-admins and does not ask the server", () => {
    const { calls } = renderMembers(false);
    expect(screen.getByTestId("project-members-tab").textContent).toContain("Only project admins");
    expect(screen.queryByTestId("project-members-list")).toBeNull();
    expect(calls).toHaveLength(0);
  });
});
