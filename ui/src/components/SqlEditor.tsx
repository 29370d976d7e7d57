// CodeMirror 6 SQL editor with the records/metrics schema plus server-side completion of attribute
// keys and values. Loaded lazily (see SqlInput) so pages render before the editor code arrives.
import { autocompletion, type Completion, type CompletionContext, type CompletionResult } from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { defaultHighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { EditorState, Prec } from "@codemirror/state";
import { EditorView, keymap, placeholder as placeholderExt } from "@codemirror/view";
import { useEffect, useRef } from "react";
import type { ProjectApi } from "../api/client";
import { completionContext, METRICS_COLUMNS, RECORDS_COLUMNS, SQL_FUNCTIONS } from "../lib/schema";

export interface SqlEditorProps {
  value: string;
  onChange: (value: string) => void;
  onRun?: () => void;
  api?: ProjectApi | null;
  singleLine?: boolean;
  placeholder?: string;
  testId?: string;
  ariaLabel?: string;
  autoFocus?: boolean;
}

const schema = {
  records: RECORDS_COLUMNS.map((c) => ({ label: c.name, type: "property", detail: c.type, info: c.info })),
  records_all: RECORDS_COLUMNS.map((c) => ({ label: c.name, type: "property", detail: c.type })),
  metrics: METRICS_COLUMNS.map((c) => ({ label: c.name, type: "property", detail: c.type, info: c.info })),
};

const functionCompletions: Completion[] = SQL_FUNCTIONS.map((f) => ({ label: f, type: "function", apply: `${f}(` }));

function serverSource(getApi: () => ProjectApi | null | undefined) {
  return async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const what = completionContext(before);
    if (what.kind === "column") {
      if (!what.prefix && !ctx.explicit) return null;
      return { from: line.from + what.from, options: functionCompletions, validFor: /^\w*$/ };
    }
    const api = getApi();
    if (!api) return null;
    const controller = new AbortController();
    ctx.addEventListener("abort", () => controller.abort());
    try {
      const values =
        what.kind === "attribute_key"
          ? await api.autocomplete("attribute_key", { column: what.column, prefix: what.prefix }, controller.signal)
          : await api.autocomplete(
              "value",
              { column: what.column, ...(what.key ? { key: what.key } : {}), prefix: what.prefix },
              controller.signal,
            );
      return {
        from: line.from + what.from,
        options: values.map((v) => ({ label: v, type: what.kind === "attribute_key" ? "property" : "text" })),
        validFor: /^[^']*$/,
      };
    } catch {
      return null;
    }
  };
}

export default function SqlEditor(props: SqlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (!host.current) return;
    const runKeys = [
      { key: "Mod-Enter", run: () => (latest.current.onRun?.(), true) },
      ...(props.singleLine ? [{ key: "Enter", run: () => (latest.current.onRun?.(), true) }] : []),
    ];
    const source = serverSource(() => latest.current.api);
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        Prec.highest(keymap.of(runKeys)),
        history(),
        keymap.of([...defaultKeymap, ...historyKeymap]),
        sql({ dialect: PostgreSQL, schema, defaultTable: "records", upperCaseKeywords: false }),
        // One source instance: a new function per lookup would look like a new source and restart completion.
        EditorState.languageData.of(() => [{ autocomplete: source }]),
        autocompletion({ activateOnTyping: true, maxRenderedOptions: 80 }),
        syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
        placeholderExt(props.placeholder ?? ""),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": props.ariaLabel ?? "SQL" }),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current.onChange(update.state.doc.toString());
        }),
      ],
    });
    const editor = new EditorView({ state, parent: host.current });
    view.current = editor;
    if (props.autoFocus) editor.focus();
    return () => {
      editor.destroy();
      view.current = null;
    };
    // The editor is created once; later prop changes flow through `latest` and the sync below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
    }
  }, [props.value]);

  return (
    <div
      ref={host}
      className={`sql-editor${props.singleLine ? " single-line" : ""}`}
      data-testid={props.testId}
    />
  );
}
