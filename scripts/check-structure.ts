// Checks the shape of src/ that lint alone cannot see, and fails (exit 1) when it drifts:
// - no two folders of src/ import each other (a two-way pair), type-only imports included;
// - outside src/transports/ nothing checks a client's kind (`generation ===`) or casts to a transport's
//   private shape (`as unknown as`, `transport as`, a `._private` field): they use the Transport contract.
//   `workers/socket-handover.ts` is exempt: it is the one place that reaches a Node socket's handle.
// Import cycles between modules are madge's job (`npm run lint` runs both).
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.join(__dirname, '..', 'src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return files(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** The top-level part of src a file belongs to: its folder, or the file itself at the root. */
function partOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length > 1 ? rel[0]! : rel[0]!.replace(/\.ts$/, '');
}

const IMPORT = /^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm;
const KIND_CHECK = /(?:generation|label)\s*[!=]==\s*['"`]|['"`]\s*[!=]==\s*[\w.]*(?:generation|label)\b|case\s+['"](?:websocket|socketio|socketio-legacy)['"]/g;
const PRIVATE_CAST = /as unknown as|\btransport as\b|\.\s*_[a-zA-Z]\w*/g;

/** Files that must reach a Node internal, each saying why at its top. */
const NODE_INTERNALS = new Set([path.join('workers', 'socket-handover.ts')]);

const edges = new Map<string, Set<string>>();
const findings: string[] = [];
for (const file of files(SRC)) {
  const text = fs.readFileSync(file, 'utf8');
  const from = partOf(file);
  for (const m of text.matchAll(IMPORT)) {
    const to = partOf(path.resolve(path.dirname(file), m[1]!));
    if (to !== from) (edges.get(from) ?? edges.set(from, new Set()).get(from)!).add(to);
  }
  if (path.relative(SRC, file).startsWith(`transports${path.sep}`) || NODE_INTERNALS.has(path.relative(SRC, file))) continue;
  const code = text.replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
  for (const [what, re] of [['client-kind check', KIND_CHECK], ['cast to a private shape', PRIVATE_CAST]] as const) {
    for (const m of code.matchAll(re)) findings.push(`${path.relative(SRC, file)}: ${what}: ${m[0]}`);
  }
}
const pairs: string[] = [];
for (const [a, tos] of edges) for (const b of tos) if (a < b && edges.get(b)?.has(a)) pairs.push(`${a} <-> ${b}`);

const kindChecks = findings.filter((f) => f.includes('client-kind')).length;
console.log(`client-kind checks outside transports/: ${kindChecks}; casts to private shapes: ${findings.length - kindChecks}; two-way folder pairs: ${pairs.length}`);
for (const line of [...findings, ...pairs]) console.log(`  ${line}`);
process.exit(findings.length + pairs.length > 0 ? 1 : 0);
