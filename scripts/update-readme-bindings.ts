// Rewrites the bindings table in README.md from the binding families (src/bindings/families/).
// `npm run docs:bindings` (`-- --print` prints it instead); a unit test fails when README and code disagree.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config';
import { bindingsTable } from '../src/bindings/catalogue-docs';

const README = path.join(PROJECT_ROOT, 'README.md');
const START = '<!-- bindings-table:start -->';
const END = '<!-- bindings-table:end -->';

if (process.argv.includes('--print')) {
  console.log(bindingsTable());
  process.exit(0);
}
const text = fs.readFileSync(README, 'utf8');
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) {
  console.error(`README.md has no ${START} … ${END} block`);
  process.exit(1);
}
fs.writeFileSync(README, text.slice(0, from + START.length) + '\n' + bindingsTable() + '\n' + text.slice(to));
console.log('README.md bindings table updated');
