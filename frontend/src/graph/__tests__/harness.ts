// A tiny test harness for the pure modules: the tests run in the benchmark
// page (bench/bench_ui.py calls window.runUnitTests) so they need no test runner.

export interface TestCase {
  name: string;
  fn: () => void;
}

export function test(name: string, fn: () => void): TestCase {
  return { name, fn };
}

export class AssertionError extends Error {}

export function eq<T>(actual: T, expected: T, what = ""): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new AssertionError(`${what ? what + ": " : ""}expected ${e}, got ${a}`);
}

export function ok(cond: unknown, what: string): void {
  if (!cond) throw new AssertionError(what);
}

export function near(actual: number, expected: number, tol: number, what = ""): void {
  if (!(Math.abs(actual - expected) <= tol)) throw new AssertionError(`${what}: expected ${expected} +- ${tol}, got ${actual}`);
}
