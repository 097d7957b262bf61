// Rewrites the configuration table in README.md from src/config.ts, the one source of truth.
// `npm run docs:config`; a unit test fails when the README and the code disagree.
import { configTable } from '../src/config';
import { replaceBlock } from './lib/readme-block';

replaceBlock('config-table', configTable());
console.log('README.md configuration table updated');
