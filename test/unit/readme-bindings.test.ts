// The README's bindings table is the one generated from the families (run `npm run docs:bindings`).
import fs from 'node:fs';
import path from 'node:path';
import { bindingsTable } from '../../src/bindings/catalogue-docs';
import { DEFAULT_FAMILIES } from '../../src/bindings/catalogue';
import { PROJECT_ROOT } from '../../src/config';

describe('README bindings table', () => {
  it('is the table generated from the catalogue', () => {
    const readme = fs.readFileSync(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    const block = /<!-- bindings-table:start -->\n([\s\S]*?)\n<!-- bindings-table:end -->/.exec(readme);
    expect(block?.[1]).toBe(bindingsTable());
  });

  it('lists every spelling of every family', () => {
    const table = bindingsTable();
    for (const family of DEFAULT_FAMILIES) {
      for (const form of family.forms) expect(table).toContain(`| ${family.name} | \`${form.binding}\` |`);
    }
  });
});
