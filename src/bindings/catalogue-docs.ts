// Owns the README's table of bindings, generated from the families' own forms (the one source of truth).
// Knows only the catalogue; `npm run docs:bindings` writes it, a unit test keeps the README in step.
import type { BindingFamily } from './family';
import { DEFAULT_FAMILIES } from './catalogue';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * The markdown table of every binding spelling, family by family.
 * @example console.log(bindingsTable()) // "| family | binding | what it delivers |\n|---|---|---|\n| call | `call.{EVENT}.{CALL_ID}` | …"
 */
export function bindingsTable(families: readonly BindingFamily[] = DEFAULT_FAMILIES): string {
  const rows = families.flatMap((f) =>
    f.forms.map((form) => `| ${f.name} | \`${cell(form.binding)}\` | ${cell(form.description)} | ${(form.exchange ? [form.exchange] : f.exchanges).map((e) => `\`${e}\``).join(', ')} |`),
  );
  return ['| family | binding | what it delivers | exchange |', '|---|---|---|---|', ...rows].join('\n');
}
