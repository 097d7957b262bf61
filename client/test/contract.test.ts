// The client stays in step with the server: the typecheck's catalogue contract fails on drift (shown
// here by compiling it against a changed client catalogue), family names match, API.md is current.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { DEFAULT_FAMILIES } from '../../src/bindings/catalogue';
import { BINDING_FAMILIES, backoffDelay } from '../src';
import { clientApiReference } from '../scripts/api-reference';

const ROOT = path.join(__dirname, '..', '..');
const CHECK = path.join(__dirname, 'catalogue-contract.check.ts');
const CATALOGUE = path.join(ROOT, 'client', 'src', 'catalogue.ts');

/** Type errors of the contract file, with the client's catalogue source replaced by `catalogue`. */
function contractErrors(catalogue?: string): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
  const host = ts.createCompilerHost(parsed.options);
  const read = host.readFile.bind(host);
  host.readFile = (file) => (catalogue !== undefined && path.resolve(file) === CATALOGUE ? catalogue : read(file));
  const program = ts.createProgram([CHECK], { ...parsed.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? path.basename(d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('the client catalogue contract', () => {
  it('type-checks while client and server agree', () => {
    expect(contractErrors()).toEqual([]);
  });

  it('fails the typecheck when the client lacks a call event the server offers', () => {
    const drifted = fs.readFileSync(CATALOGUE, 'utf8').replace(" 'PARK_ABANDONED',", '');
    expect(drifted).not.toContain('PARK_ABANDONED');
    expect(contractErrors(drifted)).toEqual([expect.stringMatching(/^catalogue-contract\.check\.ts: Type 'false' does not satisfy the constraint 'true'/)]);
  });

  it('fails the typecheck when the client offers a conference event the server does not', () => {
    const drifted = fs.readFileSync(CATALOGUE, 'utf8').replace("'conference-create',", "'conference-create', 'kick-member',");
    expect(contractErrors(drifted)).toHaveLength(1);
  });

  it('names the binding families the server catalogue offers, in its order', () => {
    expect([...BINDING_FAMILIES]).toEqual(DEFAULT_FAMILIES.map((f) => f.name));
  });
});

describe('the API reference', () => {
  it('is the one generated from the types (run npm run client:api-docs)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'client', 'API.md'), 'utf8')).toBe(clientApiReference());
  });
});

describe('backoffDelay', () => {
  it('grows exponentially to the cap with jitter, never 0', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, opts, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
