// Summarises a V8 CPU profile (`node --cpu-prof`, as written by `npm run bench -- --profile`): the
// functions with the most self time and the inclusive time under chosen roots. Knows nothing else.
// Usage: npx tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [--window=FROM-TO] [rootName …]
// --window keeps only the samples taken FROM..TO seconds after the profile began (the measuring window,
// without start-up, connecting and tear-down).
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const windowArg = args.find((a) => a.startsWith('--window='));
const [file, ...roots] = args.filter((a) => a !== windowArg);
if (!file) {
  process.stderr.write('usage: profile-summary <file.cpuprofile> [--window=FROM-TO] [function names to total]\n');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
if (windowArg) keepWindow(windowArg.slice('--window='.length));

/** Recounts every node's hits from the samples taken inside the window. */
function keepWindow(spec: string): void {
  const [from, to] = spec.split('-').map((s) => Number(s) * 1e6);
  if (from === undefined || to === undefined || !Number.isFinite(from) || !Number.isFinite(to)) throw new Error(`--window=FROM-TO in seconds, not ${spec}`);
  const hits = new Map<number, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) return;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  for (const n of profile.nodes) n.hitCount = hits.get(n.id) ?? 0;
}
const name = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*\/(node_modules\/|src\/|bench\/)/, '$1');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`;
};

const self = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const hits = n.hitCount ?? 0;
  total += hits;
  self.set(name(n), (self.get(name(n)) ?? 0) + hits);
}
const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
process.stdout.write(`${(total * msPerSample / 1000).toFixed(1)} s sampled, ${((1 - idle / total) * 100).toFixed(0)}% busy\n\nself time (share of busy samples):\n`);
for (const [k, v] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((v / (total - idle)) * 100).toFixed(1).padStart(5)}%  ${k}\n`);
}

function inclusive(node: ProfileNode): number {
  return (node.hitCount ?? 0) + (node.children ?? []).reduce((s, c) => s + inclusive(byId.get(c)!), 0);
}
for (const root of roots) {
  let sum = 0;
  const visit = (n: ProfileNode, inside: boolean) => {
    const here = !inside && n.callFrame.functionName === root;
    if (here) sum += inclusive(n);
    for (const c of n.children ?? []) visit(byId.get(c)!, inside || here);
  };
  visit(profile.nodes[0]!, false);
  process.stdout.write(`\ninclusive ${root}: ${((sum / (total - idle)) * 100).toFixed(1)}% of busy samples\n`);
}
