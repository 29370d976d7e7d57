// The exact SDK setup shown by empty states, pointing at this instance.

export function configureSnippet(baseUrl: string, token: string | null): string {
  const tokenText = token ?? "<your write token>";
  return [
    "import logfire",
    "",
    "logfire.configure(",
    `    token='${tokenText}',`,
    `    advanced=logfire.AdvancedOptions(base_url='${baseUrl.replace(/\/+$/, "")}'),`,
    ")",
    "logfire.info('Hello, {name}!', name='world')",
  ].join("\n");
}
