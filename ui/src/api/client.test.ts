import { describe, expect, it } from "vitest";
import { ApiClient, ApiError, CSRF_HEADER, errorFromResponse, ProjectApi, readCookie, requestHeaders } from "./client";

interface Call {
  url: string;
  init: RequestInit;
}

/** A stand-in for the network: records requests, answers with canned responses. */
function fakeNetwork(respond: (call: Call) => Response): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const impl = (input: RequestInfo | URL, init?: RequestInit) => {
    const call = { url: String(input), init: init ?? {} };
    calls.push(call);
    return Promise.resolve(respond(call));
  };
  return { fetch: impl as typeof fetch, calls };
}

const json = (status: number, body: unknown, type = "application/json") =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": type } });

describe("readCookie", () => {
  it("finds a cookie among others and decodes it", () => {
    expect(readCookie("a=1; hearth_csrf=x%2By; b=2", "hearth_csrf")).toBe("x+y");
    expect(readCookie("a=1", "hearth_csrf")).toBeNull();
    expect(readCookie("", "hearth_csrf")).toBeNull();
    expect(readCookie("xhearth_csrf=1", "hearth_csrf")).toBeNull();
  });
});

describe("requestHeaders", () => {
  it("sends the CSRF cookie value on state-changing methods only", () => {
    expect(requestHeaders("POST", "hearth_csrf=tok", null, true)[CSRF_HEADER]).toBe("tok");
    expect(requestHeaders("DELETE", "hearth_csrf=tok", null, false)[CSRF_HEADER]).toBe("tok");
    expect(requestHeaders("GET", "hearth_csrf=tok", null, false)[CSRF_HEADER]).toBeUndefined();
  });
  it("falls back to the token from the session response", () => {
    expect(requestHeaders("PUT", "", "from-session", true)[CSRF_HEADER]).toBe("from-session");
    expect(requestHeaders("PUT", "", null, true)[CSRF_HEADER]).toBeUndefined();
  });
  it("declares JSON bodies", () => {
    expect(requestHeaders("POST", "", null, true)["Content-Type"]).toBe("application/json");
    expect(requestHeaders("GET", "", null, false)["Content-Type"]).toBeUndefined();
  });
});

describe("errorFromResponse", () => {
  it("uses the problem+json detail", async () => {
    const e = await errorFromResponse(
      json(400, { type: "about:blank", title: "Bad Request", status: 400, detail: "unknown column foo" }, "application/problem+json"),
    );
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(400);
    expect(e.message).toBe("unknown column foo");
  });
  it("falls back to title, validation lists, then text", async () => {
    expect((await errorFromResponse(json(403, { title: "Forbidden" }))).message).toBe("Forbidden");
    expect((await errorFromResponse(json(422, { detail: [{ loc: ["body", "sql"], msg: "required" }] }))).message).toBe(
      "body.sql: required",
    );
    expect((await errorFromResponse(new Response("gateway down", { status: 502 }))).message).toBe("gateway down");
  });
});

describe("ApiClient", () => {
  it("sends credentials and the CSRF header, and parses JSON", async () => {
    const net = fakeNetwork(() => json(200, { columns: [] }));
    const client = new ApiClient(net.fetch, () => "hearth_csrf=abc");
    const project = new ProjectApi(client, "acme", "web shop");
    await project.query({ sql: "SELECT 1", limit: 5 });
    const call = net.calls[0]!;
    expect(call.url).toBe("/ui-api/orgs/acme/projects/web%20shop/query");
    expect(call.init.method).toBe("POST");
    expect(call.init.credentials).toBe("same-origin");
    expect((call.init.headers as Record<string, string>)[CSRF_HEADER]).toBe("abc");
    expect(JSON.parse(String(call.init.body))).toEqual({ sql: "SELECT 1", limit: 5 });
  });

  it("remembers the CSRF token from login when the cookie is not readable", async () => {
    const net = fakeNetwork((call) =>
      call.url.endsWith("/login") ? json(200, { user: {}, csrf_token: "from-login" }) : new Response(null, { status: 204 }),
    );
    const client = new ApiClient(net.fetch, () => "");
    await client.login("a@b.c", "pw");
    expect((net.calls[0]!.init.headers as Record<string, string>)[CSRF_HEADER]).toBeUndefined();
    await client.logout();
    expect((net.calls[1]!.init.headers as Record<string, string>)[CSRF_HEADER]).toBe("from-login");
  });

  it("surfaces errors as ApiError and tells listeners about 401s outside /auth", async () => {
    const net = fakeNetwork((call) => json(401, { detail: call.url.includes("/auth/") ? "wrong password" : "not signed in" }));
    const client = new ApiClient(net.fetch, () => "");
    let unauthorized = 0;
    client.onUnauthorized(() => unauthorized++);
    await expect(client.me()).rejects.toMatchObject({ status: 401, message: "not signed in" });
    expect(unauthorized).toBe(1);
    await expect(client.login("a@b.c", "x")).rejects.toMatchObject({ message: "wrong password" });
    expect(unauthorized).toBe(1);
  });

  it("builds the live URL with the where clause encoded", () => {
    const project = new ProjectApi(new ApiClient(fakeNetwork(() => json(200, {})).fetch), "o", "p");
    expect(project.liveUrl("level >= 'warn' AND x = 1", "2025-01-01T00:00:00Z")).toBe(
      "/ui-api/orgs/o/projects/p/live?where=level+%3E%3D+%27warn%27+AND+x+%3D+1&since=2025-01-01T00%3A00%3A00Z",
    );
    expect(project.liveUrl("")).toBe("/ui-api/orgs/o/projects/p/live");
  });

  it("retries a query the query API was too busy for, after its Retry-After", async () => {
    let calls = 0;
    const net = fakeNetwork(() =>
      ++calls === 1
        ? new Response(JSON.stringify({ detail: "all 8 query slots are busy" }), {
            status: 429,
            headers: { "Content-Type": "application/problem+json", "Retry-After": "0.01" },
          })
        : json(200, { columns: [] }),
    );
    const project = new ProjectApi(new ApiClient(net.fetch, () => ""), "o", "p");
    expect(await project.query({ sql: "SELECT 1" })).toEqual({ columns: [] });
    expect(net.calls.length).toBe(2);
  });

  it("does not retry a query that failed for good", async () => {
    const net = fakeNetwork(() => json(400, { detail: "No field named nope" }));
    const project = new ProjectApi(new ApiClient(net.fetch, () => ""), "o", "p");
    await expect(project.query({ sql: "SELECT nope" })).rejects.toMatchObject({ status: 400 });
    expect(net.calls.length).toBe(1);
  });

  it("reads autocomplete values", async () => {
    const net = fakeNetwork(() => json(200, { values: ["api", 3] }));
    const project = new ProjectApi(new ApiClient(net.fetch), "o", "p");
    expect(await project.autocomplete("value", { column: "service_name", prefix: "a" })).toEqual(["api", "3"]);
    expect(net.calls[0]!.url).toBe("/ui-api/orgs/o/projects/p/autocomplete?kind=value&column=service_name&prefix=a");
  });
});
