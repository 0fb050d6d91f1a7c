/** The shape every benchmark scenario module exports. */
import type { BenchContext } from '../support/context.js';
import type { ScenarioName } from '../support/options.js';
import type { ScenarioRow } from '../support/results.js';

/** A benchmark scenario: work, baseline and target. */
export interface Scenario {
  name: ScenarioName;
  /** Describes the work, such as "resolve 1000 rolling tags". */
  work(context: BenchContext): string;
  /** The target, such as "≤ 1.15× the floor". */
  target: string;
  /** Measures the scenario and returns its rows. */
  run(context: BenchContext): Promise<ScenarioRow[]>;
}
