// Rewrites the configuration table in README.md from src/config.ts, the one source of truth.
// `npm run docs:config`; a unit test fails when the README and the code disagree.
import fs from 'node:fs';
import path from 'node:path';
import { configTable, PROJECT_ROOT } from '../src/config';

const README = path.join(PROJECT_ROOT, 'README.md');
const START = '<!-- config-table:start -->';
const END = '<!-- config-table:end -->';

const text = fs.readFileSync(README, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) {
  console.error(`README.md has no ${START} … ${END} block`);
  process.exit(1);
}
fs.writeFileSync(README, text.slice(0, from + START.length) + '\n' + configTable() + '\n' + text.slice(to));
console.log('README.md configuration table updated');
