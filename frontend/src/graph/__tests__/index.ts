// Runs every pure-logic test; returns the failures (empty = all passed).
import type { TestCase } from "./harness";
import { tests as grouping } from "./grouping.test";
import { tests as keyboard } from "./keyboard.test";
import { tests as model } from "./model.test";
import { tests as seed } from "./seed.test";
import { tests as sizing } from "./sizing.test";
import { tests as status } from "./status.test";

export interface TestReport {
  passed: number;
  failed: { name: string; error: string }[];
}

export const ALL: Record<string, TestCase[]> = { status, sizing, grouping, model, seed, keyboard };

export function runAll(): TestReport {
  const report: TestReport = { passed: 0, failed: [] };
  for (const [file, cases] of Object.entries(ALL)) {
    for (const t of cases) {
      try {
        t.fn();
        report.passed++;
      } catch (e) {
        report.failed.push({ name: `${file}: ${t.name}`, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }
  return report;
}
