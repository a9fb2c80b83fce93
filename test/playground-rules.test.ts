/**
 * The math behind the playgrounds, in Node: the classic rules of optimizers/classic.ts take tf.train's
 * steps, numberStepper runs a rule as numberStep does, and the browser bundle (lib/dist/
 * playground-bundle.js, evaluated here in a bare VM context with no Node modules and no TensorFlow.js)
 * computes exactly what the lib computes.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as vm from 'vm';
import * as tf from '@tensorflow/tfjs';
import * as d2l from 'd2l';

/** Largest gap between the points of two paths of the same length. */
function pathGap(a: { x: number[]; y: number[] }, b: { x: number[]; y: number[] }): number {
  assert.equal(a.x.length, b.x.length, 'paths of different lengths');
  return Math.max(...a.x.map((x, i) => Math.max(Math.abs(x - b.x[i]!), Math.abs(a.y[i]! - b.y[i]!))));
}

describe('playground math (lib/src/optimizers/classic.ts, rule.ts numberStepper, lib/src/live)', () => {
  // Rosenbrock with notebook 04's rates: on Beale, RMSProp's bouncing amplifies the float32-vs-float64
  // rounding of the positions for a while (a gap of 4e-3 around step 100, back below 1e-5 by 300).
  it("the classic rules take tf.train's steps: 500 steps on Rosenbrock's valley, float32 steppers against sgd, momentum, adagrad, rmsprop", () => {
    const cases: Array<[string, () => tf.Optimizer, d2l.StepRule]> = [
      ['sgd', () => tf.train.sgd(0.002), stepRule(d2l.numberStepper(d2l.sgdUpdate, { learningRate: 0.002 }, 2, { precision: 'float32' }))],
      ['momentum', () => tf.train.momentum(0.0002, 0.9), stepRule(d2l.numberStepper(d2l.momentumUpdate, { learningRate: 0.0002, momentum: 0.9 }, 2, { precision: 'float32' }))],
      ['adagrad', () => tf.train.adagrad(1), stepRule(d2l.numberStepper(d2l.adagradUpdate, { learningRate: 1, initialAccumulatorValue: 0.1, epsilon: 1e-7 }, 2, { precision: 'float32', initial: { accumulator: 0.1 } }))],
      ['rmsprop', () => tf.train.rmsprop(0.1, 0.9), stepRule(d2l.numberStepper(d2l.rmspropUpdate, { learningRate: 0.1, decay: 0.9, epsilon: 1e-7 }, 2, { precision: 'float32' }))],
    ];
    for (const [name, make, rule] of cases) {
      const [byTf] = d2l.compareOnToy(d2l.rosenbrockValley, [{ name, make }], 500);
      const byRule = d2l.ruleTrajectory(rule, d2l.rosenbrockValley, 500);
      // The positions are summed in float64 by ruleTrajectory, in float32 by tf: rounding only.
      const gap = pathGap(byTf!, byRule);
      assert.ok(gap < 1e-4, `${name}: the rule's path leaves tf.train's by ${gap}`);
      // A wrong rule (e.g. ε outside the root, momentum damped) would be far off: make sure the check can tell.
      const moved = Math.hypot(byTf!.x[500]! + 1.2, byTf!.y[500]! - 1);
      assert.ok(moved > 0.1, `${name} barely moved (${moved}): the comparison would prove nothing`);
    }
  });

  it('numberStepper is numberStep coordinate by coordinate, with its own state, a schedule and initial values', () => {
    const h = (t: number): d2l.AdamHyperparams => ({ learningRate: 0.5 / Math.sqrt(t), beta1: 0.9, beta2: 0.99, epsilon: 1e-8 });
    const stepper = d2l.numberStepper(d2l.amsgradUpdate, h, 3, { initial: { vhat: 2 } });
    const states = [0, 1, 2].map(() => ({ m: 0, v: 0, vhat: 2 }));
    for (let t = 1; t <= 20; t++) {
      const g = [Math.sin(t), t % 3 === 1 ? 5 : -1, 0.01 * t];
      const got = stepper(g, t);
      g.forEach((gi, i) => {
        const want = d2l.numberStep(d2l.amsgradUpdate, { param: gi, grad: gi, state: states[i]! }, h(t), t, 'float64');
        states[i] = want.state;
        assert.equal(got[i], want.update, `t = ${t}, coordinate ${i}`);
      });
    }
    assert.throws(() => stepper([1, 2], 21), /expected 3 gradient coordinates, got 2/);
    assert.throws(() => d2l.numberStepper(d2l.adamUpdate, h(1), 0), /n >= 1/);
  });

  it('the browser bundle has no TensorFlow.js or Node in it and computes exactly what the lib computes', () => {
    const file = d2l.playgroundBundlePath();
    const source = fs.readFileSync(file, 'utf8');
    assert.ok(!/tensorflow|require\(/i.test(source), 'the bundle mentions tensorflow or require(');
    const sandbox: Record<string, unknown> = {};
    sandbox['window'] = sandbox;
    vm.runInNewContext(source, sandbox, { filename: file });
    const bundle = sandbox['d2lPlayground'] as { trajectoryRuns(s: unknown): Array<{ optimizer: string; x: number[]; y: number[] }> };
    for (const fn of ['bowl', 'beale', 'rosenbrock', 'saddle'] as const) {
      const settings = d2l.trajectorySettings({ fn, show: [...d2l.PLAYGROUND_OPTIMIZERS], steps: 200 });
      const inPage = bundle.trajectoryRuns(settings);
      const inNode = d2l.trajectoryRuns(settings);
      assert.deepEqual(inPage.map((r) => r.optimizer), inNode.map((r) => r.optimizer));
      inPage.forEach((r, k) => assert.equal(pathGap(r, inNode[k]!), 0, `${fn}, ${r.optimizer}`));
    }
  });
});

/** A 2D StepRule from a stepper. */
function stepRule(stepper: d2l.NumberStepper): d2l.StepRule {
  return (g, t) => stepper(g, t) as [number, number];
}
