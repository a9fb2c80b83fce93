/** Minibatches of a supervised data set, and the airfoil data of chapter 11 (`getDataCh11`). */
import * as tf from '@tensorflow/tfjs';
import * as fs from 'fs';
import { download, DownloadOptions } from './hub';
import { Random, rng } from './random';

/** One minibatch: features (batch × d) and labels (batch × 1). */
export type Batch = [tf.Tensor2D, tf.Tensor2D];

/**
 * Iterates a data set in minibatches (d2l's `load_array` data loader), reshuffled every pass when
 * `shuffle` is on. Each batch is disposed when the next one is requested or the loop ends, so a
 * plain `for … of` leaks no tensors; clone a batch to keep it longer.
 */
export class DataIter implements Iterable<Batch> {
  readonly numExamples: number;
  readonly featureDim: number;
  private all?: Batch;

  /**
   * @param features row-major examples (numExamples × featureDim); the iterator reads them, never writes
   * @param labels one label per example
   */
  constructor(
    readonly features: Float32Array,
    readonly labels: Float32Array,
    featureDim: number,
    readonly batchSize: number,
    readonly shuffle = true,
    private readonly random?: Random,
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (!Number.isInteger(featureDim) || featureDim < 1 || features.length % featureDim !== 0) {
      throw new RangeError(`features of length ${features.length} do not split into rows of ${featureDim}`);
    }
    this.featureDim = featureDim;
    this.numExamples = features.length / featureDim;
    if (labels.length !== this.numExamples) {
      throw new RangeError(`${this.numExamples} examples but ${labels.length} labels`);
    }
  }

  /** Number of minibatches per pass (the last one may be smaller), like `len(data_iter)`. */
  get length(): number {
    return Math.ceil(this.numExamples / this.batchSize);
  }

  /** The whole data set as two tensors owned by the iterator (for evaluation); `dispose` frees them. */
  tensors(): Batch {
    this.all ??= [
      tf.keep(tf.tensor2d(this.features, [this.numExamples, this.featureDim])),
      tf.keep(tf.tensor2d(this.labels, [this.numExamples, 1])),
    ];
    return this.all;
  }

  /** The example order of the next pass: shuffled from the iterator's generator (or the global one). */
  order(): Uint32Array {
    const order = new Uint32Array(this.numExamples);
    for (let i = 0; i < order.length; i++) order[i] = i;
    return this.shuffle ? (this.random ?? rng()).shuffle(order) : order;
  }

  /**
   * One pass as the example indices of each minibatch (views into one shuffled order): what the
   * tensor batches below are gathered from, and what `trainCh11` reads `features`/`labels` by without
   * making tensors. Both forms draw the same order from the generator, so a seed gives the same batches.
   */
  *batchIndices(): Generator<Uint32Array> {
    const order = this.order();
    for (let start = 0; start < order.length; start += this.batchSize) {
      yield order.subarray(start, Math.min(start + this.batchSize, order.length));
    }
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const d = this.featureDim;
    let current: Batch | undefined;
    try {
      for (const rows of this.batchIndices()) {
        const size = rows.length;
        const x = new Float32Array(size * d);
        const y = new Float32Array(size);
        for (let r = 0; r < size; r++) {
          const i = rows[r]!;
          x.set(this.features.subarray(i * d, i * d + d), r * d);
          y[r] = this.labels[i]!;
        }
        if (current) tf.dispose(current);
        current = [tf.tensor2d(x, [size, d]), tf.tensor2d(y, [size, 1])];
        yield current;
      }
    } finally {
      if (current) tf.dispose(current);
    }
  }

  /** Free the cached whole-data tensors. */
  dispose(): void {
    if (this.all) tf.dispose(this.all);
    this.all = undefined;
  }
}

/** d2l's `load_array`: a `DataIter` over row-major features (n × d) and labels (n). */
export function loadArray(features: Float32Array, labels: Float32Array, featureDim: number, batchSize: number, shuffle = true, random?: Random): DataIter {
  return new DataIter(features, labels, featureDim, batchSize, shuffle, random);
}

/** A numeric table parsed from whitespace-separated text. */
export interface Table {
  rows: number;
  cols: number;
  values: Float64Array;
}

/** Parse a tab/space-separated numeric file (CRLF or LF); every row must have the same width. */
export function parseTable(text: string, source = 'input'): Table {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${source} holds no rows`);
  const cols = lines[0]!.trim().split(/\s+/).length;
  const values = new Float64Array(lines.length * cols);
  lines.forEach((line, r) => {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== cols) throw new Error(`${source} line ${r + 1} has ${cells.length} columns, expected ${cols}`);
    cells.forEach((cell, c) => {
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new Error(`${source} line ${r + 1}, column ${c + 1}: '${cell}' is not a number`);
      values[r * cols + c] = v;
    });
  });
  return { rows: lines.length, cols, values };
}

/** Standardize every column to mean 0, std 1 (population std, ddof = 0) over all rows, in float64. */
export function standardizeColumns(table: Table): Float64Array {
  const { rows, cols, values } = table;
  const out = new Float64Array(values.length);
  for (let c = 0; c < cols; c++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += values[r * cols + c]!;
    mean /= rows;
    let variance = 0;
    for (let r = 0; r < rows; r++) variance += (values[r * cols + c]! - mean) ** 2;
    const std = Math.sqrt(variance / rows);
    if (std === 0) throw new Error(`column ${c + 1} is constant and cannot be standardized`);
    for (let r = 0; r < rows; r++) out[r * cols + c] = (values[r * cols + c]! - mean) / std;
  }
  return out;
}

/** Options of `getDataCh11`. */
export interface DataCh11Options extends DownloadOptions {
  /** Draw minibatch order from this generator instead of the lib's global one (`manualSeed`). */
  random?: Random;
}

/**
 * The airfoil self-noise regression of chapter 11: all six columns standardized over all 1503 rows,
 * the first `n` rows kept, five features and one label. Returns the iterator and the feature count.
 */
export async function getDataCh11(batchSize = 10, n = 1500, options: DataCh11Options = {}): Promise<[DataIter, number]> {
  const file = await download('airfoil', options);
  const table = parseTable(fs.readFileSync(file, 'utf8'), file);
  if (!Number.isInteger(n) || n < 1 || n > table.rows) throw new RangeError(`n must be an integer in [1, ${table.rows}], got ${n}`);
  const standardized = standardizeColumns(table);
  const d = table.cols - 1;
  const features = new Float32Array(n * d);
  const labels = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < d; c++) features[r * d + c] = standardized[r * table.cols + c]!;
    labels[r] = standardized[r * table.cols + d]!;
  }
  return [new DataIter(features, labels, d, batchSize, true, options.random), d];
}
