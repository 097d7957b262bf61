// Rewrites client/API.md, the client library's API reference, from its types.
// `npm run client:api-docs`; a test fails when the committed reference and the types disagree.
import fs from 'node:fs';
import path from 'node:path';
import { clientApiReference } from '../client/scripts/api-reference';

fs.writeFileSync(path.join(__dirname, '..', 'client', 'API.md'), clientApiReference());
console.log('client/API.md updated');
