// Rewrites the bindings table in README.md from the binding families (src/bindings/families/).
// `npm run docs:bindings` (`-- --print` prints it instead); a unit test fails when README and code disagree.
import { bindingsTable } from '../src/bindings/catalogue-docs';
import { replaceBlock } from './lib/readme-block';

if (process.argv.includes('--print')) {
  console.log(bindingsTable());
  process.exit(0);
}
replaceBlock('bindings-table', bindingsTable());
console.log('README.md bindings table updated');
