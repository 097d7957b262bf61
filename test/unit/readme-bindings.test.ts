// The README's bindings table is the one generated from the families (run `npm run docs:bindings`).
import { bindingsTable } from '../../src/bindings/catalogue-docs';
import { DEFAULT_FAMILIES } from '../../src/bindings/catalogue';
import { readBlock } from '../../scripts/lib/readme-block';

describe('README bindings table', () => {
  it('is the table generated from the catalogue', () => {
    expect(readBlock('bindings-table')).toBe(bindingsTable());
  });

  it('lists every spelling of every family', () => {
    const table = bindingsTable();
    for (const family of DEFAULT_FAMILIES) {
      for (const form of family.forms) expect(table).toContain(`| ${family.name} | \`${form.binding}\` |`);
    }
  });
});
