// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import { ApiClient } from "../api/client";
import { LoginPage, safeNext } from "./LoginPage";

afterEach(cleanup);

interface Call {
  url: string;
  init: RequestInit;
}

function server(config: unknown, login: (body: { email: string; password: string }) => Response) {
  const calls: Call[] = [];
  const impl = (input: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    if (call.url === "/ui-api/auth/config") return Promise.resolve(Response.json(config));
    if (call.url === "/ui-api/auth/login") return Promise.resolve(login(JSON.parse(String(init?.body)) as never));
    return Promise.resolve(new Response(null, { status: 404 }));
  };
  return { client: new ApiClient(impl as typeof fetch, () => ""), calls };
}

const LOCAL_ONLY = { local_login: true, oidc: { enabled: false, label: "", login_url: "/ui-api/auth/oidc/login" } };

function renderAt(path: string, client: ApiClient) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <Routes>
        <Route path="/login" element={<LoginPage client={client} />} />
        <Route path="*" element={<p data-testid="landed">landed</p>} />
      </Routes>
    </MemoryRouter>,
  );
}

function fillAndSubmit(email: string, password: string) {
  fireEvent.change(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.change(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("LoginPage", () => {
  it("signs in with the local form and goes to `next`", async () => {
    const { client, calls } = server(LOCAL_ONLY, (body) =>
      body.password === "right"
        ? Response.json({ user: { id: "1", email: body.email, name: "A", is_admin: false }, csrf_token: "t" })
        : Response.json({ detail: "wrong email or password" }, { status: 401 }),
    );
    renderAt("/login?next=/o/acme/p/web/explore", client);
    expect(screen.getByTestId("login-form")).toBeTruthy();
    fillAndSubmit("me@example.com", "right");
    await waitFor(() => expect(screen.getByTestId("landed")).toBeTruthy());
    const login = calls.find((c) => c.url === "/ui-api/auth/login")!;
    expect(JSON.parse(String(login.init.body))).toEqual({ email: "me@example.com", password: "right" });
  });

  it("shows the server's message when sign-in fails", async () => {
    const { client } = server(LOCAL_ONLY, () => Response.json({ detail: "wrong email or password" }, { status: 401 }));
    renderAt("/login", client);
    fillAndSubmit("me@example.com", "wrong");
    const error = await screen.findByTestId("login-error");
    expect(error.textContent).toBe("wrong email or password");
    expect(screen.queryByTestId("landed")).toBeNull();
  });

  it("offers the OIDC button with `next`, and hides the form when local login is off", async () => {
    const { client } = server(
      { local_login: false, oidc: { enabled: true, label: "Sign in with Dex", login_url: "/ui-api/auth/oidc/login" } },
      () => new Response(null, { status: 500 }),
    );
    renderAt("/login?next=/o/a/p/b/live", client);
    const button = await screen.findByTestId("oidc-login");
    expect(button.textContent).toBe("Sign in with Dex");
    expect(button.getAttribute("href")).toBe("/ui-api/auth/oidc/login?next=%2Fo%2Fa%2Fp%2Fb%2Flive");
    expect(screen.queryByTestId("login-form")).toBeNull();
  });
});

describe("safeNext", () => {
  it("only follows same-site paths", () => {
    expect(safeNext("/o/a/p/b/live?x=1")).toBe("/o/a/p/b/live?x=1");
    expect(safeNext("//evil.example")).toBe("/");
    expect(safeNext("https://evil.example")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext(null)).toBe("/");
  });
});
