import { describe, expect, it } from "vitest";
import { SequenceMatcher } from "./shortcuts";

describe("SequenceMatcher", () => {
  const matcher = () => new SequenceMatcher(["g l", "g e", "/", "?", "j", "Enter"]);

  it("matches two-key sequences within the timeout", () => {
    const m = matcher();
    expect(m.feed({ key: "g" }, 0)).toBeNull();
    expect(m.feed({ key: "l" }, 500)).toBe("g l");
  });

  it("forgets a prefix after the timeout", () => {
    const m = matcher();
    m.feed({ key: "g" }, 0);
    expect(m.feed({ key: "l" }, 5000)).toBeNull();
  });

  it("matches single keys and named keys", () => {
    const m = matcher();
    expect(m.feed({ key: "/" }, 0)).toBe("/");
    expect(m.feed({ key: "?" }, 0)).toBe("?");
    expect(m.feed({ key: "J" }, 0)).toBe("j");
    expect(m.feed({ key: "Enter" }, 0)).toBe("Enter");
    expect(m.feed({ key: "x" }, 0)).toBeNull();
  });

  it("ignores keys with modifiers (browser shortcuts)", () => {
    const m = matcher();
    expect(m.feed({ key: "j", ctrlKey: true }, 0)).toBeNull();
    m.feed({ key: "g" }, 0);
    expect(m.feed({ key: "l", metaKey: true }, 10)).toBeNull();
  });

  it("a wrong second key does not fire", () => {
    const m = matcher();
    m.feed({ key: "g" }, 0);
    expect(m.feed({ key: "z" }, 10)).toBeNull();
  });
});
