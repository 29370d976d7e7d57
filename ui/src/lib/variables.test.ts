import { describe, expect, it } from "vitest";
import type { DashboardVariable } from "../api/types";
import { variableValues } from "./dashboard";
import { substituteVariables } from "./sql";
import { fromDraft, parseOptions, toDraft, urlChangesForEdit, variableParam } from "./variables";

const service: DashboardVariable = { name: "service", label: "Service", default: "'api'", options: ["'api'", "'web'"] };

describe("variable drafts", () => {
  it("round-trips a variable through the editor's draft", () => {
    expect(toDraft(service)).toEqual({ name: "service", label: "Service", default: "'api'", options: "'api', 'web'" });
    expect(fromDraft(toDraft(service), [])).toEqual({ ok: true, variable: service });
    expect(toDraft()).toEqual({ name: "", label: "", default: "", options: "" });
  });

  it("fills the label from the name, takes a leading $, and leaves free-text variables without options", () => {
    expect(fromDraft({ name: " $limit ", label: "", default: "10", options: " , " }, [])).toEqual({
      ok: true,
      variable: { name: "limit", label: "limit", default: "10" },
    });
  });

  it("defaults to the first option", () => {
    const result = fromDraft({ name: "n", label: "", default: "", options: "1, 2, 2, 3" }, []);
    expect(result).toEqual({ ok: true, variable: { name: "n", label: "n", default: "1", options: ["1", "2", "3"] } });
  });

  it("explains what is wrong", () => {
    const draft = { name: "service", label: "", default: "", options: "" };
    expect(fromDraft({ ...draft, name: "" }, [])).toEqual({ ok: false, error: "A variable needs a name." });
    expect(fromDraft({ ...draft, name: "1st" }, [])).toMatchObject({ ok: false });
    expect(fromDraft({ ...draft, name: "my-var" }, [])).toMatchObject({ ok: false });
    expect(fromDraft(draft, [service])).toEqual({ ok: false, error: "There is already a variable $service." });
    expect(fromDraft({ ...draft, default: "'x'", options: "'a', 'b'" }, [])).toEqual({
      ok: false,
      error: "The default 'x' is not one of the options.",
    });
  });

  it("parses options", () => {
    expect(parseOptions("a, b ,,a,c")).toEqual(["a", "b", "c"]);
    expect(parseOptions("")).toEqual([]);
  });
});

describe("variable values in the URL", () => {
  const definition = { panels: [], variables: [service, { name: "n", label: "n", default: "1" }] };

  it("reads chosen values from var-<name> over the defaults, and substitutes them, $resolution included", () => {
    const params = new URLSearchParams(`${variableParam("service")}=${encodeURIComponent("'web'")}`);
    const values = variableValues(definition, params, 3600e3);
    expect(values).toEqual({ service: "'web'", n: "1", resolution: "'30 seconds'" });
    expect(
      substituteVariables(
        "SELECT time_bucket($resolution, start_timestamp) AS x, $n * 10 AS v FROM records WHERE service_name = $service",
        values,
      ),
    ).toBe("SELECT time_bucket('30 seconds', start_timestamp) AS x, 1 * 10 AS v FROM records WHERE service_name = 'web'");
  });

  it("lets a variable named resolution replace the time-range one", () => {
    const def = { panels: [], variables: [{ name: "resolution", label: "r", default: "'1 hour'" }] };
    expect(variableValues(def, new URLSearchParams(), 3600e3)).toEqual({ resolution: "'1 hour'" });
  });

  it("drops values of removed variables and carries a renamed variable's value over", () => {
    const params = new URLSearchParams("var-service='web'&var-n=3&range=1h");
    expect(urlChangesForEdit(definition.variables, [service], params)).toEqual({ "var-n": null });
    const renamed = [service, { name: "count", label: "count", default: "1" }];
    expect(urlChangesForEdit(definition.variables, renamed, params, { from: "n", to: "count" })).toEqual({
      "var-n": null,
      "var-count": "3",
    });
    expect(urlChangesForEdit(definition.variables, definition.variables, params)).toEqual({});
  });
});
