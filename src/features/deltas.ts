import type { FeatureMatrix } from './matrix.js';

/**
 * Kaldi's delta filters (add-deltas, DeltaFeatures): order i is the order i-1 filter convolved with the
 * regression window [-N..N] / sum(n^2). Returns scales[i] of length 2*i*N + 1, centred.
 */
export function deltaScales(order: number, window: number): Float64Array[] {
  const scales: Float64Array[] = [Float64Array.of(1)];
  let norm = 0;
  for (let j = -window; j <= window; j++) norm += j * j;
  for (let i = 1; i <= order; i++) {
    const prev = scales[i - 1];
    const prevOff = (prev.length - 1) / 2;
    const curOff = prevOff + window;
    const cur = new Float64Array(2 * curOff + 1);
    for (let j = -prevOff; j <= prevOff; j++) {
      for (let k = -window; k <= window; k++) cur[j + k + curOff] += (k * prev[j + prevOff]) / norm;
    }
    scales.push(cur);
  }
  return scales;
}

/**
 * Appends delta and delta-delta (up to `order`) features; frames past the edges repeat the first/last frame.
 * @param m [frames, dim] @returns [frames, dim * (order + 1)]
 */
export function addDeltas(m: FeatureMatrix, order = 2, window = 2): FeatureMatrix {
  const { numFrames: T, dim } = m;
  const outDim = dim * (order + 1);
  const out = new Float32Array(T * outDim);
  const scales = deltaScales(order, window);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i <= order; i++) {
      const s = scales[i];
      const off = (s.length - 1) / 2;
      for (let d = 0; d < dim; d++) {
        let acc = 0;
        for (let j = -off; j <= off; j++) {
          const src = Math.min(T - 1, Math.max(0, t + j));
          acc += s[j + off] * m.data[src * dim + d];
        }
        out[t * outDim + i * dim + d] = acc;
      }
    }
  }
  return { numFrames: T, dim: outDim, data: out };
}
