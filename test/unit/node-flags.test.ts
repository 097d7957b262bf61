// The Node flags production runs with (package.json `config.node_flags`, which `npm start` passes) are
// the same in the Dockerfile's CMD and the systemd unit's ExecStart, and Node accepts them.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
const flags = (JSON.parse(read('package.json')) as { config: { node_flags: string } }).config.node_flags.split(' ').filter(Boolean);

describe('production Node flags', () => {
  it('are set, and npm start passes them', () => {
    expect(flags.length).toBeGreaterThan(0);
    expect((JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start).toContain('node $npm_package_config_node_flags dist/main.js');
  });

  it('are the Dockerfile CMD and the systemd ExecStart flags', () => {
    const cmd = read('Dockerfile').split('\n').find((l) => l.startsWith('CMD '))!;
    expect(JSON.parse(cmd.slice(4))).toEqual(['node', ...flags, 'dist/main.js']);
    const exec = read('deploy/event-horizon.service').split('\n').find((l) => l.startsWith('ExecStart='))!;
    expect(exec).toBe(`ExecStart=/usr/bin/node ${flags.join(' ')} dist/main.js`);
  });

  it('are accepted by this Node (a misspelt flag makes node exit 9)', () => {
    expect(execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' })).toBe('ok');
  });
});
