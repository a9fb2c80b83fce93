/**
 * SlotOptimizer: the tf.Optimizer machinery shared by Yogi, AMSGrad and AdamW (per-variable state
 * "slots", applyGradients, getWeights/setWeights, dispose), so each of those classes only names its
 * slots and calls its rule from rules.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { finiteFlags } from './fused';
import { configNumber } from './validate';

/** A tensor with a name, as tf.Optimizer's getWeights/setWeights and applyGradients use them. */
export type NamedTensor = Parameters<tf.Optimizer['setWeights']>[0][number];

/** The two argument forms tf.Optimizer.applyGradients accepts: a name→gradient map or a list. */
export type VariableGradients = Parameters<tf.Optimizer['applyGradients']>[0];

/** One step of a subclass's rule: the change to add to the parameter and the new slot values. */
export interface SlotStep {
  update: tf.Tensor;
  slots: tf.Tensor[];
}

/** The state of one variable: its name and one tensor per slot, in slotNames order. */
interface VariableState {
  name: string;
  slots: tf.Variable[];
}

interface Target {
  name: string;
  variable: tf.Variable;
  grad: tf.Tensor | undefined;
}

/**
 * Base class for optimizers whose state is a fixed list of tensors per variable (m, v, …).
 *
 * Before changing anything, applyGradients checks that every named variable exists, that gradient
 * and state shapes match it, and that every gradient is finite; a NaN or ±Infinity gradient throws an
 * Error naming the variable(s) and leaves parameters, state and the iteration count untouched. The
 * finiteness check costs one extra pass over the gradients (and, off the fused path, one device read).
 *
 * On the cpu and wasm backends a subclass's `fusedStep` updates each variable and its state in place
 * in one pass (fused.ts), allocating nothing parameter-sized; elsewhere `step` runs as tensor ops.
 * Both give the same numbers. In place means an array from `variable.dataSync()` on cpu (the
 * backend's own storage) follows later steps: copy it to keep a snapshot.
 *
 * State belongs to a variable by name, so calls with different variable lists (minimize with varList)
 * keep each variable's own state. State restored by setWeights is matched to variables by name, or,
 * if no name matches, by position as tf.train.adam does: tf.loadLayersModel renames the variables of
 * a reloaded model (`…/kernel_1`) but keeps their order.
 *
 * getWeights() returns [iter, every variable's first slot, every variable's second slot, …], the
 * layout of tf.train.adam's [iter, …m, …v], with names `<variable>/<slot>`. The state tensors are the
 * optimizer's own variables: read or copy them, do not dispose them. Only the `iter` scalar is new and
 * belongs to the caller.
 */
export abstract class SlotOptimizer extends tf.Optimizer {
  // State of the variables seen so far, in first-seen order (the order getWeights lists them).
  private states = new Map<string, tf.Variable[]>();
  // State from setWeights that no applyGradients call has claimed yet, in saved order.
  private restored: VariableState[] = [];

  /**
   * The constructor's arguments in order, by their config names; each is also a field of the same
   * name. getConfig/fromConfig are written once from this list instead of once per optimizer.
   */
  static readonly configKeys: readonly string[] = [];

  protected constructor(private readonly slotNames: readonly string[]) {
    super();
  }

  override getConfig(): tf.serialization.ConfigDict {
    const keys = (this.constructor as typeof SlotOptimizer).configKeys;
    const fields = this as unknown as Record<string, number>;
    return Object.fromEntries(keys.map((k) => [k, fields[k]!]));
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
  ): T {
    const keys = (cls as unknown as typeof SlotOptimizer).configKeys;
    return new cls(...keys.map((k) => configNumber(config, k)));
  }

  /** The update rule for one variable: `slots` are in slotNames order; t is the 1-based step. */
  protected abstract step(param: tf.Tensor, grad: tf.Tensor, slots: tf.Tensor[], t: number): SlotStep;

  /**
   * The same step fused and in place (fused.ts): update `param` and `slots` in their buffers and
   * return true, or return false, having changed nothing, to have `step` run as tensor ops. The
   * default always returns false; subclasses whose rule has a kernel override it.
   */
  protected fusedStep(_param: tf.Variable, _grad: tf.Tensor, _slots: tf.Variable[], _t: number): boolean {
    return false;
  }

  /** Starting value of slot `k` for a parameter; zeros unless a subclass says otherwise. */
  protected initialSlot(_k: number, param: tf.Tensor): tf.Tensor {
    return tf.zerosLike(param);
  }

  override applyGradients(variableGradients: VariableGradients): void {
    const targets = resolveTargets(variableGradients);
    const claimed = this.claimRestored(targets);
    this.checkStateShapes(targets, claimed);
    checkFinite(targets);
    // Nothing has changed so far; from here on nothing throws for bad input.
    const taken = new Set(claimed.values());
    this.restored = this.restored.filter(r => !taken.has(r.slots));
    for (const { name, variable } of targets) {
      const slots = claimed.get(name) ?? this.states.get(name) ?? this.newSlots(variable);
      this.states.set(name, slots);
    }
    const t = this.iterations + 1;
    for (const { name, variable, grad } of targets) {
      if (grad === undefined) continue; // tfjs convention: a variable without gradient stays put
      const slots = this.slotsOf(name);
      // One in-place pass where the backend allows it: no parameter-size temporaries.
      if (this.fusedStep(variable, grad, slots, t)) continue;
      tf.tidy(() => {
        const next = this.step(variable, grad, slots, t);
        slots.forEach((slot, k) => slot.assign(next.slots[k]));
        variable.assign(variable.add(next.update));
      });
    }
    this.incrementIterations();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const all: VariableState[] = [
      ...[...this.states].map(([name, slots]) => ({ name, slots })), ...this.restored];
    const state = this.slotNames.flatMap((slotName, k) =>
      all.map(({ name, slots }) => ({ name: `${name}/${slotName}`, tensor: slots[k] })));
    return [await this.saveIterations(), ...state];
  }

  /**
   * Restores what getWeights() returned (from this class, or from a tfjs optimizer with the same
   * slot names, e.g. tf.train.adam's [iter, …m, …v] into AdamW), replacing all current state. Each
   * tensor is wrapped in a new variable (tfjs shares the buffer; assign never writes into it, and the
   * fused path copies a shared buffer before writing), so the caller's tensors keep their values and
   * may be disposed afterwards, as tf.loadLayersModel does.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const saved = this.parseWeights(weightValues);
    await this.extractIterations(weightValues);
    this.disposeState();
    this.restored = saved.map(({ name, tensors }) => ({
      name,
      slots: tensors.map(tensor => tensor.variable(false)),
    }));
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
  private claimRestored(targets: Target[]): Map<string, tf.Variable[]> {
    const claimed = new Map<string, tf.Variable[]>();
    const unseen = targets.filter(({ name }) => !this.states.has(name));
    if (this.restored.length === 0 || unseen.length === 0) return claimed;
    const byName = new Map(this.restored.map(r => [r.name, r.slots]));
    const matching = unseen.filter(({ name }) => byName.has(name));
    if (matching.length > 0) {
      matching.forEach(({ name }) => claimed.set(name, byName.get(name) ?? []));
    } else if (this.states.size === 0 && targets.length === this.restored.length) {
      targets.forEach(({ name }, i) => claimed.set(name, this.restored[i].slots));
    } else {
      throw new Error(`${this.getClassName()} holds restored state for ${this.restored.length} variable(s) (${
        this.restored.map(r => r.name).join(', ')}) that matches neither the names nor the number of ` +
        `the ${targets.length} variable(s) given (${targets.map(t => t.name).join(', ')})`);
    }
    return claimed;
  }

  private checkStateShapes(targets: Target[], claimed: Map<string, tf.Variable[]>): void {
    for (const { name, variable } of targets) {
      const slots = claimed.get(name) ?? this.states.get(name) ?? [];
      for (const slot of slots) {
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
    const count = (weightValues.length - 1) / this.slotNames.length;
    const fail = (why: string): Error => new Error(`${this.getClassName()}.setWeights expects [iter, ` +
      `then one '<variable>/<slot>' tensor per variable for each slot ${this.slotNames.join(', ')}]: ${why}`);
    if (weightValues.length === 0 || weightValues[0].name !== 'iter') {
      throw fail(`the list starts with '${weightValues[0]?.name}'`);
    }
    if (!Number.isInteger(count)) throw fail(`got ${weightValues.length} tensors`);
    return Array.from({ length: count }, (_, i) => {
      const entries = this.slotNames.map((slotName, k) => {
        const w = weightValues[1 + k * count + i];
        if (!w.name.endsWith(`/${slotName}`)) throw fail(`'${w.name}' is where a '${slotName}' tensor should be`);
        return { variable: w.name.slice(0, -slotName.length - 1), tensor: w.tensor };
      });
      const name = entries[0].variable;
      const other = entries.find(e => e.variable !== name);
      if (other !== undefined) throw fail(`'${other.variable}' and '${name}' share position ${i}`);
      return { name, tensors: entries.map(e => e.tensor) };
    });
  }

  private newSlots(variable: tf.Variable): tf.Variable[] {
    return this.slotNames.map((_, k) => tf.tidy(() => this.initialSlot(k, variable).variable(false)));
  }

  private slotsOf(name: string): tf.Variable[] {
    const slots = this.states.get(name);
    if (slots === undefined) throw new Error(`internal: no state for '${name}'`);
    return slots;
  }

  private disposeState(): void {
    for (const slots of this.states.values()) tf.dispose(slots);
    for (const { slots } of this.restored) tf.dispose(slots);
    this.states = new Map();
    this.restored = [];
  }
}

function resolveTargets(variableGradients: VariableGradients): Target[] {
  // The map form is typed Tensor-valued, but tfjs callers may pass null for "no gradient".
  const pairs: Array<[string, tf.Tensor | null | undefined]> = Array.isArray(variableGradients)
    ? variableGradients.map(({ name, tensor }) => [name, tensor])
    : Object.keys(variableGradients).map(name => [name, variableGradients[name]]);
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
  const withGrad = targets.filter(
    (target): target is Target & { grad: tf.Tensor } => target.grad !== undefined);
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
