/** A feature matrix: `data` is row-major [numFrames, dim]. */
export interface FeatureMatrix {
  numFrames: number;
  dim: number;
  data: Float32Array;
}

export function emptyMatrix(dim: number): FeatureMatrix {
  return { numFrames: 0, dim, data: new Float32Array(0) };
}

/** Stacks matrices of equal dim along frames. */
export function concatFrames(parts: FeatureMatrix[], dim: number): FeatureMatrix {
  const numFrames = parts.reduce((s, p) => s + p.numFrames, 0);
  const data = new Float32Array(numFrames * dim);
  let off = 0;
  for (const p of parts) {
    if (p.dim !== dim && p.numFrames > 0) throw new Error(`feature dim ${p.dim} != ${dim}`);
    data.set(p.data, off);
    off += p.data.length;
  }
  return { numFrames, dim, data };
}

/** Row `t` as a view. */
export function frameRow(m: FeatureMatrix, t: number): Float32Array {
  return m.data.subarray(t * m.dim, (t + 1) * m.dim);
}

/** Nested arrays [[...], ...], for JSON output. */
export function toNestedArrays(m: FeatureMatrix): number[][] {
  const rows: number[][] = [];
  for (let t = 0; t < m.numFrames; t++) rows.push(Array.from(frameRow(m, t)));
  return rows;
}

/** 10 dB in natural-log power units (fbank is ln of mel energies). */
export const NATS_PER_DB = Math.LN10 / 10;

/** Mean over the first `bins` bins of each frame of `m` [frames, dim] (all of them by default): [frames]. */
export function frameMeans(m: FeatureMatrix, bins = m.dim): Float64Array {
  const e = new Float64Array(m.numFrames);
  for (let t = 0; t < m.numFrames; t++) {
    let s = 0;
    for (let d = 0; d < bins; d++) s += m.data[t * m.dim + d];
    e[t] = s / bins;
  }
  return e;
}
