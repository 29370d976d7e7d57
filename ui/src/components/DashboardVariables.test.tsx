// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { MemoryRouter, useLocation } from "react-router-dom";
import { afterEach, describe, expect, it } from "vitest";
import type { DashboardVariable } from "../api/types";
import { useUrlParams } from "../hooks/useUrlState";
import { variableValues } from "../lib/dashboard";
import { substituteVariables } from "../lib/sql";
import { urlChangesForEdit, variableParam } from "../lib/variables";
import { DashboardVariables } from "./DashboardVariables";

afterEach(cleanup);

const PANEL_SQL = "SELECT $n * 10 AS v";

/** The dashboard page's wiring of the bar, URL state and substitution, without the grid. */
function Harness({ initial, editMode }: { initial: DashboardVariable[]; editMode: boolean }) {
  const [variables, setVariables] = useState(initial);
  const [params, update] = useUrlParams();
  const location = useLocation();
  const values = variableValues({ panels: [], variables }, params, 3600e3);
  return (
    <>
      <DashboardVariables
        variables={variables}
        values={values}
        editMode={editMode}
        onValue={(name, value) => update({ [variableParam(name)]: value })}
        onChange={(next, renamed) => {
          const changes = urlChangesForEdit(variables, next, params, renamed);
          setVariables(next);
          if (Object.keys(changes).length) update(changes);
        }}
      />
      <output data-testid="sql">{substituteVariables(PANEL_SQL, values)}</output>
      <output data-testid="search">{location.search}</output>
      <output data-testid="definition">{JSON.stringify(variables)}</output>
    </>
  );
}

const renderAt = (path: string, initial: DashboardVariable[], editMode = false) =>
  render(
    <MemoryRouter initialEntries={[path]}>
      <Harness initial={initial} editMode={editMode} />
    </MemoryRouter>,
  );

const N: DashboardVariable = { name: "n", label: "Multiplier", default: "1", options: ["1", "2", "3"] };
const text = (id: string) => screen.getByTestId(id).textContent;

describe("DashboardVariables", () => {
  it("shows nothing outside edit mode without variables", () => {
    renderAt("/d", []);
    expect(screen.queryByTestId("dashboard-variables")).toBeNull();
  });

  it("picks an option into the URL and the panel SQL; a URL with a value reopens it", () => {
    renderAt("/d?range=1h", [N]);
    expect(text("sql")).toBe("SELECT 1 * 10 AS v");
    fireEvent.change(screen.getByLabelText("Value of $n"), { target: { value: "3" } });
    expect(text("search")).toBe("?range=1h&var-n=3");
    expect(text("sql")).toBe("SELECT 3 * 10 AS v");
    cleanup();
    renderAt("/d?range=1h&var-n=3", [N]);
    expect((screen.getByLabelText("Value of $n") as HTMLSelectElement).value).toBe("3");
    expect(text("sql")).toBe("SELECT 3 * 10 AS v");
  });

  it("applies a free-text value on Enter, not on every keystroke", () => {
    renderAt("/d", [{ name: "n", label: "n", default: "1" }]);
    const input = screen.getByLabelText("Value of $n");
    fireEvent.change(input, { target: { value: "7" } });
    expect(text("sql")).toBe("SELECT 1 * 10 AS v");
    fireEvent.keyDown(input, { key: "Enter" });
    expect(text("search")).toBe("?var-n=7");
    expect(text("sql")).toBe("SELECT 7 * 10 AS v");
  });

  it("adds a variable with the inline editor, refusing a bad name first", () => {
    renderAt("/d", [], true);
    fireEvent.click(screen.getByTestId("add-variable"));
    const editor = screen.getByTestId("variable-editor");
    fireEvent.change(screen.getByLabelText("Name (use as $name in SQL)"), { target: { value: "my-n" } });
    fireEvent.click(screen.getByTestId("variable-save"));
    expect(screen.getByTestId("variable-error").textContent).toContain("letters, digits and _");
    fireEvent.change(screen.getByLabelText("Name (use as $name in SQL)"), { target: { value: "n" } });
    fireEvent.change(screen.getByLabelText("Label"), { target: { value: "Multiplier" } });
    fireEvent.change(screen.getByLabelText("Options, comma separated (empty: any value may be typed)"), {
      target: { value: "1, 2, 3" },
    });
    fireEvent.click(screen.getByTestId("variable-save"));
    expect(editor.isConnected).toBe(false);
    expect(JSON.parse(text("definition")!)).toEqual([N]);
    expect(text("sql")).toBe("SELECT 1 * 10 AS v");
  });

  it("renames a variable keeping its chosen value, and removing one drops its value from the URL", () => {
    renderAt("/d?var-n=2", [N], true);
    fireEvent.click(screen.getByLabelText("Edit variable n"));
    fireEvent.change(screen.getByLabelText("Name (use as $name in SQL)"), { target: { value: "k" } });
    fireEvent.click(screen.getByTestId("variable-save"));
    expect(text("search")).toBe("?var-k=2");
    expect((screen.getByLabelText("Value of $k") as HTMLSelectElement).value).toBe("2");
    fireEvent.click(screen.getByLabelText("Remove variable k"));
    expect(text("search")).toBe("");
    expect(text("definition")).toBe("[]");
  });
});
