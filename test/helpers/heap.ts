// Heap readings a leak test can compare: V8's collector run first, so garbage not yet collected
// (which varies with GC timing) is not counted as growth.
import v8 from 'node:v8';
import vm from 'node:vm';

// Jest gives no --expose-gc; this exposes V8's collector to the tests that ask for it.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = vm.runInNewContext('gc') as () => void;

/**
 * Bytes of live JS heap after two full collections.
 * @example const before = heapAfterGc(); …; expect(heapAfterGc() - before).toBeLessThan(2 * 1024 * 1024);
 */
export function heapAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}
