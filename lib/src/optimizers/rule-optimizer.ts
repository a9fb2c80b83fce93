/**
 * RuleOptimizer: a tf.Optimizer made from one descriptor (a rule from catalog.ts, its defaults and
 * its checks), with the machinery every such optimizer shares: named state per variable,
 * applyGradients (fused in place where possible), getWeights/setWeights, getConfig/fromConfig.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedApply, fusedCanTake, finiteFlags } from './kernels';
import { checkStep, Rule } from './rule';
import { tensorStep } from './tensor-step';
import { checkConfigKeys, configNumber } from './validate';

/** A tensor with a name, as tf.Optimizer's getWeights/setWeights and applyGradients use them. */
export type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number];

/** The two argument forms tf.Optimizer.applyGradients accepts: a name→gradient map or a list. */
export type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

/** Hyperparameters by name; every optimizer's are numbers. */
type Hyper = Record<string, number>;

/** Everything that defines one of the lib's optimizers; defineOptimizer turns it into a class. */
export interface OptimizerDescriptor<S extends string, H extends object> {
  /** Name in the registry (makeOptimizer, trainConciseCh11). */
  readonly name: string;
  /** tf.serialization class name: saved models refer to it, so it never changes. */
  readonly className: string;
  readonly rule: Rule<S, H, string>;
  /** Every hyperparameter with its default, in the order the positional factory takes them. */
  readonly defaults: Readonly<H>;
  /** Throws a RangeError naming a bad hyperparameter. */
  check(h: H): void;
  /** Starting value of a state slot (default 0). */
  readonly initial?: Partial<Record<S, (h: H) => number>>;
}

type State<S extends string> = Record<S, tf.Variable>;

interface Target {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor | undefined;
}

/**
 * Base class of the optimizers defineOptimizer makes; see defineOptimizer for the behaviour.
 * The hyperparameters are fields of the instance (`opt.learningRate`) and `config`.
 */
export class RuleOptimizer<S extends string, H extends object> extends tf.Optimizer {
  /** The hyperparameters this optimizer was made with, defaults filled in. */
  readonly config: Readonly<H>;
  // State of the variables seen so far, in first-seen order (the order getWeights lists them).
  private states = new Map<string, State<S>>();
  // State from setWeights that no applyGradients call has claimed yet, in saved order.
  private restored: Array<{ name: string; state: State<S> }> = [];

  constructor(readonly descriptor: OptimizerDescriptor<S, H>, config: Partial<H> = {}) {
    super();
    checkConfigKeys(descriptor.name, config, descriptor.defaults);
    const filled = { ...descriptor.defaults } as H;
    for (const key of Object.keys(descriptor.defaults) as Array<keyof H>) {
      const value = config[key];
      if (value !== undefined) filled[key] = value as H[keyof H];
    }
    descriptor.check(filled);
    this.config = Object.freeze(filled);
    Object.assign(this, filled);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...(this.config as Hyper) };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    // By name: every subclass's constructor takes a config object first (defineOptimizer). Only the
    // hyperparameters are read: tfjs adds entries of its own (customObjects) when loading a model.
    const keys = Object.keys((cls as unknown as OptimizerClass<string, object>).descriptor.defaults);
    const byName = Object.fromEntries(keys.map((k) => [k, configNumber(config, k)]));
    return new (cls as unknown as new (c: Hyper) => T)(byName as Hyper);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const targets = resolveTargets(variableGradients);
    const claimed = this.claimRestored(targets);
    this.checkStateShapes(targets, claimed);
    checkFinite(targets);
    const t = this.iterations + 1;
    checkStep(t);
    // Nothing has changed so far; from here on nothing throws for bad input.
    const taken = new Set(claimed.values());
    this.restored = this.restored.filter((r) => !taken.has(r.state));
    for (const { name, variable } of targets) {
      this.states.set(name, claimed.get(name) ?? this.states.get(name) ?? this.newState(variable));
    }
    const rule = this.descriptor.rule;
    const steps = targets.filter((x): x is Target & { grad: tf.Tensor } => x.grad !== undefined)
      .map(({ name, variable, grad }) => ({ param: variable, grad, slots: rule.state.map((s) => this.stateOf(name)[s]) }));
    // All or nothing: the tensor steps are computed first, then the fused ones written (a fused
    // write is prepared completely before the first byte changes), then the tensor results assigned.
    const fused = steps.filter((s) => fusedCanTake(rule, s));
    const pending = steps.filter((s) => !fused.includes(s)).map((s) => ({
      ...s,
      next: tf.tidy(() => {
        const state = Object.fromEntries(rule.state.map((name, k) => [name, s.slots[k]!])) as unknown as Record<S, tf.Tensor>;
        const out = tensorStep(rule, { param: s.param, grad: s.grad, state }, this.config, t);
        return [s.param.add(out.update), ...rule.state.map((name) => out.state[name])];
      }),
    }));
    try {
      fusedApply(rule, fused, this.config, t);
      for (const { param, slots, next } of pending) [param, ...slots].forEach((v, k) => v.assign(next[k]!));
    } finally {
      tf.dispose(pending.flatMap((p) => p.next));
    }
    this.incrementIterations();
  }

  /**
   * [iter, every variable's first slot, every variable's second slot, …] — tf.train.adam's layout
   * [iter, …m, …v] — named `<variable>/<slot>`. The state tensors are the optimizer's own variables:
   * read or copy them, do not dispose them. Only the `iter` scalar is new and belongs to the caller.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const all = [...[...this.states].map(([name, state]) => ({ name, state })), ...this.restored];
    const state = this.descriptor.rule.state.flatMap((slot) => all.map(({ name, state: s }) => ({ name: `${name}/${slot}`, tensor: s[slot] as tf.Tensor })));
    return [await this.saveIterations(), ...state];
  }

  /**
   * Restores what getWeights() returned (from this optimizer itself, another of its class, or a tfjs
   * optimizer with the same slot names, e.g. tf.train.adam's [iter, …m, …v] into AdamW), replacing
   * all current state, or, if anything is wrong, changing nothing. Each tensor is wrapped in a new
   * variable before the old state is freed (tfjs shares the buffer; the fused path copies a shared
   * buffer before writing), so the caller's tensors keep their values and may be disposed afterwards,
   * as tf.loadLayersModel does.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const saved = this.parseWeights(weightValues);
    const restored = saved.map(({ name, tensors }) => ({
      name,
      state: Object.fromEntries(this.descriptor.rule.state.map((s, k) => [s, tensors[k]!.variable(false)])) as State<S>,
    }));
    try {
      await this.extractIterations(weightValues);
    } catch (error) {
      restored.forEach((r) => tf.dispose(Object.values(r.state) as tf.Variable[]));
      throw error;
    }
    this.disposeState();
    this.restored = restored;
  }

  override dispose(): void {
    this.disposeState();
    super.dispose();
  }

  /**
   * The restored state each new target takes over, without changing anything: by name where names
   * match (unmatched targets then start fresh); if no name matches, by position, as tf.train.adam does
   * for a reloaded model whose variables were renamed (…/kernel → …/kernel_1).
   */
  private claimRestored(targets: Target[]): Map<string, State<S>> {
    const claimed = new Map<string, State<S>>();
    const unseen = targets.filter(({ name }) => !this.states.has(name));
    if (this.restored.length === 0 || unseen.length === 0) return claimed;
    const byName = new Map(this.restored.map((r) => [r.name, r.state]));
    const matching = unseen.filter(({ name }) => byName.has(name));
    if (matching.length > 0) {
      matching.forEach(({ name }) => claimed.set(name, byName.get(name)!));
    } else if (this.states.size === 0 && targets.length === this.restored.length) {
      targets.forEach(({ name }, i) => claimed.set(name, this.restored[i]!.state));
    } else {
      throw new Error(`${this.getClassName()} holds restored state for ${this.restored.length} variable(s) (${
        this.restored.map((r) => r.name).join(', ')}) that matches neither the names nor the number of ` +
        `the ${targets.length} variable(s) given (${targets.map((x) => x.name).join(', ')})`);
    }
    return claimed;
  }

  private checkStateShapes(targets: Target[], claimed: Map<string, State<S>>): void {
    for (const { name, variable } of targets) {
      const state = claimed.get(name) ?? this.states.get(name);
      for (const slot of state ? (Object.values(state) as tf.Variable[]) : []) {
        if (!tf.util.arraysEqual(slot.shape, variable.shape)) {
          throw new Error(`${this.getClassName()} state for variable '${name}' has shape [${
            slot.shape}] but the variable has shape [${variable.shape}]: the state was saved for ` +
            'other variables, or in another order');
        }
      }
    }
  }

  // Validates the whole layout before anything is replaced: a bad list must not leave half a state.
  private parseWeights(weightValues: NamedTensor[]): Array<{ name: string; tensors: tf.Tensor[] }> {
    const slots = this.descriptor.rule.state;
    const count = (weightValues.length - 1) / slots.length;
    const fail = (why: string): Error => new Error(`${this.getClassName()}.setWeights expects [iter, ` +
      `then one '<variable>/<slot>' tensor per variable for each slot ${slots.join(', ')}]: ${why}`);
    if (weightValues.length === 0 || weightValues[0]!.name !== 'iter') {
      throw fail(`the list starts with '${weightValues[0]?.name}'`);
    }
    if (!Number.isInteger(count)) throw fail(`got ${weightValues.length} tensors`);
    const disposed = weightValues.find((w) => w.tensor.isDisposed);
    if (disposed !== undefined) throw fail(`'${disposed.name}' is disposed`);
    return Array.from({ length: count }, (_, i) => {
      const entries = slots.map((slot, k) => {
        const w = weightValues[1 + k * count + i]!;
        if (!w.name.endsWith(`/${slot}`)) throw fail(`'${w.name}' is where a '${slot}' tensor should be`);
        return { variable: w.name.slice(0, -slot.length - 1), tensor: w.tensor };
      });
      const name = entries[0]!.variable;
      const other = entries.find((e) => e.variable !== name);
      if (other !== undefined) throw fail(`'${other.variable}' and '${name}' share position ${i}`);
      return { name, tensors: entries.map((e) => e.tensor) };
    });
  }

  private newState(variable: tf.Variable): State<S> {
    const { rule, initial } = this.descriptor;
    return Object.fromEntries(rule.state.map((s) => {
      const value = initial?.[s]?.(this.config) ?? 0;
      return [s, tf.tidy(() => tf.fill(variable.shape, value, 'float32').variable(false))];
    })) as State<S>;
  }

  private stateOf(name: string): State<S> {
    const state = this.states.get(name);
    if (state === undefined) throw new Error(`internal: no state for '${name}'`);
    return state;
  }

  private disposeState(): void {
    for (const state of this.states.values()) tf.dispose(Object.values(state) as tf.Variable[]);
    for (const { state } of this.restored) tf.dispose(Object.values(state) as tf.Variable[]);
    this.states = new Map();
    this.restored = [];
  }
}

/** An optimizer class made by defineOptimizer: `new Cls({ learningRate: 0.1 })` or positional numbers. */
export interface OptimizerClass<S extends string, H extends object> {
  new (config?: Partial<H>): RuleOptimizer<S, H> & Readonly<H>;
  new (...positional: Array<number | undefined>): RuleOptimizer<S, H> & Readonly<H>;
  readonly className: string;
  readonly descriptor: OptimizerDescriptor<S, H>;
  fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T;
}

/**
 * The tf.Optimizer class of a descriptor, registered for serialization under its className.
 *
 * Before changing anything, applyGradients checks that every named variable exists, that gradient
 * and state shapes match it, and that every gradient is finite; a NaN or ±Infinity gradient throws
 * naming the variable(s) and leaves parameters, state and the iteration count untouched. On the cpu
 * and wasm backends each step runs fused and in place (kernels.ts), elsewhere as tensor ops; both give
 * the same numbers. State belongs to a variable by name; restored state is matched by name, or, if no
 * name matches, by position as tf.train.adam does (tf.loadLayersModel renames reloaded variables).
 */
export function defineOptimizer<S extends string, H extends object>(descriptor: OptimizerDescriptor<S, H>): OptimizerClass<S, H> {
  const keys = Object.keys(descriptor.defaults);
  const cls = class extends RuleOptimizer<S, H> {
    static readonly className = descriptor.className;
    static readonly descriptor = descriptor;
    constructor(...args: Array<Partial<H> | number | undefined>) {
      const [first] = args;
      if (args.length > keys.length) {
        throw new RangeError(`${descriptor.className} takes at most ${keys.length} arguments (${keys.join(', ')}), got ${args.length}`);
      }
      const config = typeof first === 'object' && first !== null
        ? first
        : Object.fromEntries(args.map((value, k) => [keys[k]!, value]).filter(([, v]) => v !== undefined)) as Partial<H>;
      super(descriptor, config);
    }
  };
  tf.serialization.registerClass(cls);
  return cls as unknown as OptimizerClass<S, H>;
}

function resolveTargets(variableGradients: VariableGradients): Target[] {
  // The map form is typed Tensor-valued, but tfjs callers may pass null for "no gradient".
  const pairs: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
    ? variableGradients.map(({ name, tensor }) => [name, tensor])
    : Object.keys(variableGradients).map((name) => [name, variableGradients[name]]);
  const registered = tf.engine().registeredVariables;
  return pairs.map(([name, grad]) => {
    const variable = registered[name];
    if (variable === undefined) {
      throw new Error(`applyGradients: no tf.Variable named '${name}' is registered`);
    }
    if (grad != null && !tf.util.arraysEqual(grad.shape, variable.shape)) {
      throw new Error(`applyGradients: gradient for '${name}' has shape [${
        grad.shape}] but the variable has shape [${variable.shape}]`);
    }
    return { name, variable, grad: grad ?? undefined };
  });
}

function checkFinite(targets: Target[]): void {
  const withGrad = targets.filter((x): x is Target & { grad: tf.Tensor } => x.grad !== undefined);
  if (withGrad.length === 0) return;
  // Read in place where the fused kernels can (no parameter-size temporary), else with tensor ops
  // and one device read for all gradients at once.
  const finite = finiteFlags(withGrad.map(({ grad }) => grad)) ?? tf.tidy(() =>
    tf.stack(withGrad.map(({ grad }) => tf.all(tf.isFinite(grad)))).dataSync());
  const bad = withGrad.filter((_, j) => !finite[j]).map(({ name }) => `'${name}'`);
  if (bad.length > 0) {
    throw new Error(`Non-finite gradient (NaN or Infinity) for variable ${bad.join(', ')}; ` +
      'parameters and optimizer state were left unchanged');
  }
}
