import { describe, expect, it } from "vitest";
import { beforeCursor, buildWhere, EMPTY_FILTERS, historySql, isHexId, sqlString, substituteVariables, traceSql } from "./sql";

describe("sqlString", () => {
  it("quotes and escapes", () => {
    expect(sqlString("it's")).toBe("'it''s'");
  });
});

describe("buildWhere", () => {
  it("is empty without filters", () => {
    expect(buildWhere(EMPTY_FILTERS)).toBe("");
  });
  it("passes a lone user expression through", () => {
    expect(buildWhere({ ...EMPTY_FILTERS, where: " a = 1 OR b = 2 " })).toBe("a = 1 OR b = 2");
  });
  it("combines pickers and parenthesises the user expression", () => {
    expect(
      buildWhere({ where: "a = 1 OR b = 2", minLevel: "warn", services: ["api", "o'neil"], environments: ["prod"] }),
    ).toBe(
      "level >= 'warn' AND service_name IN ('api', 'o''neil') AND deployment_environment = 'prod' AND (a = 1 OR b = 2)",
    );
  });
  it("uses = for one service", () => {
    expect(buildWhere({ ...EMPTY_FILTERS, services: ["api"] })).toBe("service_name = 'api'");
  });
});

describe("cursor pagination", () => {
  const cursor = { start_timestamp: "2025-01-01T00:00:00.123456Z", trace_id: "t", span_id: "s" };
  it("selects rows strictly after the cursor in descending order", () => {
    expect(beforeCursor(cursor)).toBe(
      "(start_timestamp < '2025-01-01T00:00:00.123456Z' OR (start_timestamp = '2025-01-01T00:00:00.123456Z' AND " +
        "(trace_id < 't' OR (trace_id = 't' AND span_id < 's'))))",
    );
  });
  it("builds the history query with filter, cursor, order and limit", () => {
    const sql = historySql("level >= 'warn'", cursor, 200);
    expect(sql).toMatch(/^SELECT start_timestamp, .* FROM records WHERE \(level >= 'warn'\) AND \(start_timestamp </);
    expect(sql).toMatch(/ORDER BY start_timestamp DESC, trace_id DESC, span_id DESC LIMIT 200$/);
    expect(historySql("", null, 10)).not.toContain("WHERE");
  });
});

describe("trace lookups", () => {
  it("reads pending spans too and quotes the id", () => {
    expect(traceSql("abc", 10)).toContain("FROM records_all WHERE trace_id = 'abc'");
  });
  it("recognises hex ids", () => {
    expect(isHexId("0af7651916cd43dd8448eb211c80319c", 32)).toBe(true);
    expect(isHexId("0AF7651916CD43DD8448EB211C80319C", 32)).toBe(false);
    expect(isHexId("b7ad6b7169203331", 16)).toBe(true);
    expect(isHexId("b7ad6b716920333", 16)).toBe(false);
  });
});

describe("substituteVariables", () => {
  it("replaces $names, longest first, leaving unknown ones", () => {
    expect(
      substituteVariables("WHERE s = $service AND e = $service_env AND x = $other", {
        service: "'api'",
        service_env: "'prod'",
      }),
    ).toBe("WHERE s = 'api' AND e = 'prod' AND x = $other");
  });
});
