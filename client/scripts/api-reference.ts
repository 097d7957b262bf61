// Owns the library's API reference: Markdown rendered from the exports of client/src/index.ts, their
// signatures and doc comments, through the TypeScript compiler. Pure: returns text, writes nothing.
import path from 'node:path';
import ts from 'typescript';

const ENTRY = path.join(__dirname, '..', 'src', 'index.ts');

function docOf(symbol: ts.Symbol, checker: ts.TypeChecker): string {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const examples = symbol
    .getJsDocTags(checker)
    .filter((t) => t.name === 'example')
    .map((t) => '```ts\n' + ts.displayPartsToString(t.text).trim() + '\n```');
  return [text, ...examples].filter(Boolean).join('\n\n');
}

function isPublicMember(decl: ts.Declaration): boolean {
  const flags = ts.getCombinedModifierFlags(decl);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return false;
  const name = ts.getNameOfDeclaration(decl);
  return !(name && ts.isPrivateIdentifier(name));
}

function renderClass(symbol: ts.Symbol, decl: ts.ClassDeclaration, checker: ts.TypeChecker): string[] {
  const out: string[] = [];
  const type = checker.getTypeOfSymbolAtLocation(symbol, decl);
  for (const sig of type.getConstructSignatures()) out.push('```ts\nnew ' + symbol.name + checker.signatureToString(sig) + '\n```');
  // Own members, then those inherited (the client's on/once/off come from its emitter).
  const members: ts.ClassElement[] = [...decl.members];
  const instance = checker.getDeclaredTypeOfSymbol(symbol);
  for (const base of instance.isClassOrInterface() ? checker.getBaseTypes(instance) : []) {
    const baseDecl = base.getSymbol()?.declarations?.find(ts.isClassDeclaration);
    if (baseDecl) members.push(...baseDecl.members);
  }
  for (const member of members) {
    if (ts.isConstructorDeclaration(member) || !isPublicMember(member) || !member.name) continue;
    const memberSymbol = checker.getSymbolAtLocation(member.name);
    if (!memberSymbol) continue;
    let signature: string;
    if (ts.isMethodDeclaration(member)) {
      const sig = checker.getSignatureFromDeclaration(member);
      signature = `${memberSymbol.name}${sig ? checker.signatureToString(sig) : '()'}`;
    } else {
      signature = `${ts.isGetAccessor(member) ? 'get ' : ''}${memberSymbol.name}: ${checker.typeToString(checker.getTypeOfSymbolAtLocation(memberSymbol, member))}`;
    }
    out.push(`### ${symbol.name}.${memberSymbol.name}`, '```ts\n' + signature + '\n```');
    const doc = docOf(memberSymbol, checker);
    if (doc) out.push(doc);
  }
  return out;
}

function sourceOf(decl: ts.Node): string {
  // The declaration as written, without its leading doc comment (shown as prose above it).
  const text = decl.getText();
  return text.replace(/^export\s+/, '');
}

/**
 * The Markdown API reference of the library, generated from its types.
 * @example fs.writeFileSync('client/API.md', clientApiReference());
 */
export function clientApiReference(): string {
  const program = ts.createProgram([ENTRY], { strict: true, target: ts.ScriptTarget.ES2022, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(ENTRY)!)!;
  const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
  const sections: Record<string, string[]> = { Classes: [], Functions: [], Constants: [], Types: [] };
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (!decl) continue;
    const doc = docOf(symbol, checker);
    const head = [`## ${exported.name}`, ...(doc ? [doc] : [])];
    if (ts.isClassDeclaration(decl)) sections['Classes']!.push(...head, ...renderClass(symbol, decl, checker));
    else if (ts.isFunctionDeclaration(decl)) {
      const sig = checker.getSignatureFromDeclaration(decl);
      sections['Functions']!.push(`## ${exported.name}`, '```ts\nfunction ' + exported.name + (sig ? checker.signatureToString(sig) : '()') + '\n```', ...(doc ? [doc] : []));
    } else if (ts.isVariableDeclaration(decl)) {
      sections['Constants']!.push(...head, '```ts\nconst ' + decl.getText() + '\n```');
    } else sections['Types']!.push(...head, '```ts\n' + sourceOf(decl) + '\n```');
  }
  const lines = [
    '# @event-horizon/client API reference',
    '',
    'Generated from the types of `client/src/` by `npm run client:api-docs`; a test fails when this file is not current.',
  ];
  for (const [title, body] of Object.entries(sections)) if (body.length > 0) lines.push('', `# ${title}`, '', body.join('\n\n'));
  return lines.join('\n') + '\n';
}
