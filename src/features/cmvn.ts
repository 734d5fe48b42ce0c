import type { FeatureMatrix } from './matrix.js';
import { AsrError, fileError } from '../util/errors.js';

/**
 * Cepstral mean and variance normalisation. Statistics are sums (Kaldi's compute-cmvn-stats keeps the same three
 * things: count, per-dim sum and sum of squares), so they accumulate over any number of utterances exactly.
 */
export interface CmvnStats {
  dim: number;
  /** Frames accumulated. */
  count: number;
  /** [dim] sum over frames. */
  sum: number[];
  /** [dim] sum of squares over frames. */
  sumSq: number[];
}

export function emptyCmvnStats(dim: number): CmvnStats {
  return { dim, count: 0, sum: new Array<number>(dim).fill(0), sumSq: new Array<number>(dim).fill(0) };
}

/** Adds a matrix's frames to the statistics, in place. */
export function accumulateCmvnStats(stats: CmvnStats, m: FeatureMatrix): CmvnStats {
  if (m.numFrames > 0 && m.dim !== stats.dim) throw new AsrError(`CMVN: feature dim ${m.dim} != statistics dim ${stats.dim}`);
  for (let t = 0; t < m.numFrames; t++) {
    const row = t * m.dim;
    for (let d = 0; d < m.dim; d++) {
      const v = m.data[row + d];
      stats.sum[d] += v;
      stats.sumSq[d] += v * v;
    }
  }
  stats.count += m.numFrames;
  return stats;
}

/** Mean and 1/stddev per dim; variance is floored so constant dims do not blow up. */
export function cmvnTransform(stats: CmvnStats, varianceFloor = 1e-10): { mean: Float64Array; invStd: Float64Array } {
  if (stats.count <= 0) throw new AsrError('CMVN: statistics hold no frames');
  const mean = new Float64Array(stats.dim);
  const invStd = new Float64Array(stats.dim);
  for (let d = 0; d < stats.dim; d++) {
    mean[d] = stats.sum[d] / stats.count;
    const variance = Math.max(stats.sumSq[d] / stats.count - mean[d] * mean[d], varianceFloor);
    invStd[d] = 1 / Math.sqrt(variance);
  }
  return { mean, invStd };
}

/** Normalises with given statistics (global CMVN); returns a new matrix. */
export function applyCmvn(m: FeatureMatrix, stats: CmvnStats, normVars = true): FeatureMatrix {
  if (m.numFrames === 0) return { ...m, data: new Float32Array(0) };
  if (m.dim !== stats.dim) throw new AsrError(`CMVN: feature dim ${m.dim} != statistics dim ${stats.dim}`);
  const { mean, invStd } = cmvnTransform(stats);
  const out = new Float32Array(m.data.length);
  for (let t = 0; t < m.numFrames; t++) {
    const row = t * m.dim;
    for (let d = 0; d < m.dim; d++) {
      const c = m.data[row + d] - mean[d];
      out[row + d] = normVars ? c * invStd[d] : c;
    }
  }
  return { numFrames: m.numFrames, dim: m.dim, data: out };
}

/** Per-utterance CMVN: statistics of the utterance itself. */
export function applyUtteranceCmvn(m: FeatureMatrix, normVars = false): FeatureMatrix {
  if (m.numFrames === 0) return { ...m, data: new Float32Array(0) };
  return applyCmvn(m, accumulateCmvnStats(emptyCmvnStats(m.dim), m), normVars);
}

/** JSON form of the statistics (what `asr cmvn` writes). */
export function cmvnStatsToJson(stats: CmvnStats): string {
  return `${JSON.stringify({ type: 'cmvn-stats', dim: stats.dim, count: stats.count, sum: stats.sum, sum_sq: stats.sumSq })}\n`;
}

/** Parses and validates statistics written by {@link cmvnStatsToJson}; `file` names the source in errors. */
export function cmvnStatsFromJson(text: string, file = 'cmvn.json'): CmvnStats {
  let j: unknown;
  try {
    j = JSON.parse(text);
  } catch {
    throw fileError(file, 'not valid JSON CMVN statistics');
  }
  const o = j as { dim?: unknown; count?: unknown; sum?: unknown; sum_sq?: unknown };
  const isNums = (a: unknown, n: number): a is number[] =>
    Array.isArray(a) && a.length === n && a.every((v) => typeof v === 'number' && Number.isFinite(v));
  if (typeof o.dim !== 'number' || !Number.isInteger(o.dim) || o.dim < 1) throw fileError(file, 'CMVN statistics need an integer "dim"');
  if (typeof o.count !== 'number' || !(o.count > 0)) throw fileError(file, 'CMVN statistics need a positive "count"');
  if (!isNums(o.sum, o.dim) || !isNums(o.sum_sq, o.dim)) throw fileError(file, `CMVN "sum" and "sum_sq" must be ${o.dim} finite numbers`);
  return { dim: o.dim, count: o.count, sum: o.sum, sumSq: o.sum_sq };
}
