// Owns the generated blocks of README.md: the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`,
// read and rewritten, so every generated table lives between markers the same way.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config';

export const README = path.join(PROJECT_ROOT, 'README.md');

function markers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The text between the block's markers, or undefined when README.md has no such block. */
export function readBlock(name: string, text = fs.readFileSync(README, 'utf8')): string | undefined {
  const { start, end } = markers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return from < 0 || to < from ? undefined : text.slice(from + start.length, to).replace(/^\n/, '').replace(/\n$/, '');
}

/**
 * Replaces the block's content; exits the script with 1 when the markers are missing.
 * @example replaceBlock('config-table', configTable()) // README.md's configuration table, regenerated
 */
export function replaceBlock(name: string, content: string): void {
  const { start, end } = markers(name);
  const text = fs.readFileSync(README, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    console.error(`README.md has no ${start} … ${end} block`);
    process.exit(1);
  }
  fs.writeFileSync(README, text.slice(0, from + start.length) + '\n' + content + '\n' + text.slice(to));
}
