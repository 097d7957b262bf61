// Runs Event Horizon's real CLI entry (src/main.ts) as a benchmark child whose life is bounded:
// it exits when the harness goes away or after the hard deadline. BENCH_EH_ROOT points at another
// checkout (e.g. the code before an optimisation) for before/after runs. Entry point; adds nothing else.
import path from 'node:path';
import { guardChild } from './child-guard';

guardChild('event-horizon');
const root = process.env['BENCH_EH_ROOT'] ?? path.resolve(__dirname, '..', '..');
void import(path.join(root, 'src', 'main'));
