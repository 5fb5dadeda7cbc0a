// Sums every runner's JSON report in .test-tmp/reports/ into one line, `N passed, N failed,
// N skipped`, printed last: the CI harness reads that line (it does not read Vitest's or
// Playwright's own summaries). Called by test/run.mjs at the end, and by .ci/run again if
// anything printed after it. Understands three report shapes:
//  - Vitest/Jest JSON: numPassedTests, numFailedTests, numPendingTests + numTodoTests
//    (plus one failure per test file that failed without a failed test: a file that did not load);
//  - Playwright JSON: stats.expected, stats.unexpected, stats.flaky (passed on retry), stats.skipped
//    (plus one failure when it reports top-level errors but no failed test);
//  - our own check reports (typecheck, lint, a runner that produced no report): {name, passed, failed}.
// A report it cannot read counts as one failure, so a broken runner never reads as green.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPORTS_DIR = fileURLToPath(new URL('../.test-tmp/reports/', import.meta.url));

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** Counts for one parsed report. */
export function countReport(report) {
  if (report !== null && typeof report === 'object') {
    if ('numTotalTests' in report || 'numPassedTests' in report) {
      const failed = num(report.numFailedTests);
      const brokenFiles = Array.isArray(report.testResults)
        ? report.testResults.filter(
            (f) => f?.status === 'failed' && !(Array.isArray(f.assertionResults) && f.assertionResults.some((a) => a?.status === 'failed')),
          ).length
        : 0;
      return {
        kind: 'vitest',
        passed: num(report.numPassedTests),
        failed: failed + brokenFiles,
        skipped: num(report.numPendingTests) + num(report.numTodoTests),
      };
    }
    if (report.stats !== null && typeof report.stats === 'object' && 'expected' in report.stats) {
      const s = report.stats;
      const unexpected = num(s.unexpected);
      const globalErrors = Array.isArray(report.errors) && report.errors.length > 0 && unexpected === 0 ? 1 : 0;
      return { kind: 'playwright', passed: num(s.expected) + num(s.flaky), failed: unexpected + globalErrors, skipped: num(s.skipped) };
    }
    if (typeof report.passed === 'number' && typeof report.failed === 'number') {
      return { kind: 'check', passed: num(report.passed), failed: num(report.failed), skipped: num(report.skipped) };
    }
  }
  return { kind: 'unknown', passed: 0, failed: 1, skipped: 0 };
}

/** Reads every *.json in the reports folder; returns per-report counts and totals. */
export function summarize(dir = REPORTS_DIR) {
  let files = [];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    // No folder: nothing ran. The totals are then 0/0/0, and run.mjs fails on its own exit codes.
  }
  const entries = [];
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const file of files) {
    let counts;
    try {
      counts = countReport(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    } catch {
      counts = { kind: 'unreadable', passed: 0, failed: 1, skipped: 0 };
    }
    entries.push({ file, ...counts });
    total.passed += counts.passed;
    total.failed += counts.failed;
    total.skipped += counts.skipped;
  }
  return { entries, total };
}

export function summaryLine(total) {
  return `${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`;
}

/** Prints a breakdown (worded so it never looks like the summary line) and then the summary line. */
export function printSummary(dir = REPORTS_DIR) {
  const { entries, total } = summarize(dir);
  for (const e of entries) {
    console.log(`  ${e.file} (${e.kind}): passed ${e.passed}, failed ${e.failed}, skipped ${e.skipped}`);
  }
  console.log(summaryLine(total));
  return total;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const total = printSummary(process.argv[2] ?? REPORTS_DIR);
  process.exitCode = total.failed > 0 ? 1 : 0;
}
