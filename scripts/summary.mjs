// Prints the suite's totals as one plain line ("tests: N passed, N failed, N skipped")
// from vitest's JSON report, so CI logs end with a line any reader can check.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);
