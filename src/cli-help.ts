// Owns the CLI's own texts: `--help` (every setting, wrapped for an 80-column terminal) and `--version`.
// Reads the settings table; knows nothing of what the settings do.
import { Config, flagName, SETTINGS } from './config';

const WIDTH = 80;
const INDENT = '      ';

/** `text` wrapped at `width` columns, each line prefixed by `indent`. */
function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w.length > 0)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(indent + line);
  return lines;
}

/** A setting's default as the help shows it (the tokens file relative to the install). */
function shownDefault(key: keyof Config, schema: { describe(): { flags?: object } }): string | undefined {
  if (key === 'tokensFile') return 'config/demo-tokens.json';
  const value = (schema.describe().flags as { default?: unknown } | undefined)?.default;
  return value === undefined || value === '' ? undefined : String(value);
}

/**
 * What `--help` prints: usage, then each setting as `EH_X, --x <value>  (default …)` and its meaning.
 * @example process.stdout.write(helpText()) // no line longer than 80 columns
 */
export function helpText(): string {
  const head = [
    'Event Horizon: KAZOO Blackhole-compatible AMQP to WebSocket bridge',
    '',
    'Usage: node dist/main.js [--config file.json] [--<setting> value ...]',
    '       node dist/main.js --help | --version',
    '',
    'Every setting is an environment variable and the same-named flag; flags win over',
    'the environment, which wins over the --config file. Settings:',
    '',
  ];
  const body = SETTINGS.flatMap((s) => {
    const isBoolean = s.schema.type === 'boolean';
    const def = shownDefault(s.key, s.schema);
    const title = `  ${s.env}, ${flagName(s.env)}${isBoolean ? '' : ' <value>'}${def === undefined ? '' : `  (default ${def})`}`;
    // The descriptions are Markdown for the README table; a terminal shows them without backticks.
    const titleLines = title.length <= WIDTH ? [title] : [`  ${s.env}, ${flagName(s.env)}${isBoolean ? '' : ' <value>'}`, ...wrap(`(default ${def})`, WIDTH, INDENT)];
    return [...titleLines, ...wrap(s.description.replace(/`/g, ''), WIDTH, INDENT), ''];
  });
  return [...head, ...body, 'Documentation: README.md and docs/ (OPERATIONS.md, SECURITY.md, MIGRATION.md).', ''].join('\n');
}

/**
 * What `--version` prints.
 * @example versionText("0.1.0") // "event-horizon 0.1.0\n"
 */
export function versionText(version: string): string {
  return `event-horizon ${version}\n`;
}
