/**
 * mocha's spec reporter plus two closing parts: the wall time of each top-level suite (hooks
 * included), slowest first, so a CI log shows where the minutes go; and one line in the plain
 * 'N passed, N failed' form, which CI systems and people skimming a log read without knowing
 * mocha's own wording.
 */
import * as Mocha from 'mocha';

const { EVENT_RUN_END, EVENT_SUITE_BEGIN, EVENT_SUITE_END } = Mocha.Runner.constants;

class SpecWithTotals extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const started = new Map<Mocha.Suite, number>();
    const times: [string, number][] = [];
    const topLevel = (s: Mocha.Suite): boolean => s.parent !== undefined && s.parent.root;
    runner.on(EVENT_SUITE_BEGIN, (s: Mocha.Suite) => { if (topLevel(s)) started.set(s, performance.now()); });
    runner.on(EVENT_SUITE_END, (s: Mocha.Suite) => {
      const t0 = started.get(s);
      if (t0 !== undefined) times.push([s.title, (performance.now() - t0) / 1000]);
    });
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats;
      const slow = times.filter(([, sec]) => sec >= 1).sort((a, b) => b[1] - a[1]);
      if (slow.length > 0) {
        process.stdout.write('\nwall time of each top-level suite (hooks included), 1 s or more:\n');
        for (const [title, sec] of slow) process.stdout.write(`${sec.toFixed(1).padStart(8)} s  ${title}\n`);
      }
      if (s) process.stdout.write(`tests: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped\n`);
    });
  }
}

export = SpecWithTotals;
