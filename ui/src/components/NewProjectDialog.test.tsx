// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../api/client";
import type { Project } from "../api/types";
import { NewProjectDialog, slugFromName, slugProblem } from "./NewProjectDialog";

afterEach(cleanup);

function renderDialog(answer: (body: { slug: string; name: string }) => Response) {
  const bodies: unknown[] = [];
  const impl = (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { slug: string; name: string };
    bodies.push(body);
    return Promise.resolve(answer(body));
  };
  const created: Project[] = [];
  render(
    <NewProjectDialog
      client={new ApiClient(impl as typeof fetch, () => "hearth_csrf=t")}
      org="acme"
      orgName="Acme"
      onCreated={(p) => {
        created.push(p);
      }}
      onClose={() => undefined}
    />,
  );
  return { bodies, created };
}

const slugInput = () => screen.getByLabelText("Slug (in URLs and for the `logfire` SDK)") as HTMLInputElement;

describe("NewProjectDialog", () => {
  it("derives the slug from the name and creates the project", async () => {
    const { bodies, created } = renderDialog((b) =>
      Response.json({ id: "p1", slug: b.slug, name: b.name, role: "admin", retention_days: 30 }, { status: 201 }),
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Web Shop!" } });
    expect(slugInput().value).toBe("web-shop");
    fireEvent.click(screen.getByTestId("new-project-submit"));
    await waitFor(() => expect(created).toHaveLength(1));
    expect(bodies).toEqual([{ slug: "web-shop", name: "Web Shop!" }]);
  });

  it("checks the slug before asking, then shows the backend's refusal", async () => {
    const { bodies } = renderDialog(() =>
      Response.json({ title: "Conflict", status: 409, detail: "project slug 'shop' is taken" }, { status: 409 }),
    );
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "Shop" } });
    fireEvent.change(slugInput(), { target: { value: "Shop--1" } });
    fireEvent.click(screen.getByTestId("new-project-submit"));
    expect(screen.getByTestId("new-project-error").textContent).toContain("lowercase letters");
    expect(bodies).toHaveLength(0);
    fireEvent.change(slugInput(), { target: { value: "shop" } });
    fireEvent.click(screen.getByTestId("new-project-submit"));
    await waitFor(() => expect(screen.getByTestId("new-project-error").textContent).toBe("Conflict: project slug 'shop' is taken"));
  });

  it("slug helpers follow the backend's rule", () => {
    expect(slugFromName("  Ünïcode -- App ")).toBe("n-code-app");
    expect(slugFromName("x".repeat(70)).length).toBe(63);
    expect(slugProblem("")).not.toBeNull();
    expect(slugProblem("a-b-1")).toBeNull();
    expect(slugProblem("-a")).not.toBeNull();
  });
});
