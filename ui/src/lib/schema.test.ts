import { describe, expect, it } from "vitest";
import { completionContext } from "./schema";

describe("completionContext", () => {
  it("completes attribute keys after ->> / -> / ?", () => {
    expect(completionContext("attributes->>'http.ro")).toEqual({
      kind: "attribute_key",
      column: "attributes",
      prefix: "http.ro",
      from: 14,
    });
    expect(completionContext("x AND attributes -> '")).toMatchObject({ kind: "attribute_key", prefix: "" });
    expect(completionContext("otel_resource_attributes ? 'serv")).toMatchObject({
      kind: "attribute_key",
      column: "otel_resource_attributes",
    });
  });

  it("completes values of a column after = / IN (", () => {
    expect(completionContext("service_name = 'ap")).toEqual({ kind: "value", column: "service_name", prefix: "ap", from: 16 });
    expect(completionContext("deployment_environment IN ('prod', 'st")).toMatchObject({
      kind: "value",
      column: "deployment_environment",
      prefix: "st",
    });
    expect(completionContext("message LIKE '")).toMatchObject({ kind: "value", column: "message", prefix: "" });
  });

  it("completes values of an attribute key", () => {
    expect(completionContext("attributes->>'http.route' = '/us")).toEqual({
      kind: "value",
      column: "attributes",
      key: "http.route",
      prefix: "/us",
      from: 29,
    });
  });

  it("otherwise completes a word (columns, functions)", () => {
    expect(completionContext("level >= 'warn' AND serv")).toEqual({ kind: "column", prefix: "serv", from: 20 });
    expect(completionContext("")).toEqual({ kind: "column", prefix: "", from: 0 });
  });

  it("does not treat a closed string as open", () => {
    expect(completionContext("service_name = 'api' ")).toMatchObject({ kind: "column", prefix: "" });
  });
});
