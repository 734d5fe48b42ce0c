import { resample } from '../../audio/index.js';
import { AsrError } from '../../util/errors.js';

/**
 * Speed perturbation as Kaldi and sox `speed` do it: the samples are taken to be at `rate * factor` and resampled
 * to `rate`, so factor 1.1 is 10 % faster and higher (tempo, pitch and formants all move). `rate * factor` is rounded
 * to whole Hz; factors in steps of 0.01 keep the polyphase resampler small (at most 100 phases at 16 kHz).
 * @param x [n] @returns [about n / factor]
 */
export function speedPerturb(x: Float32Array, rate: number, factor: number): Float32Array {
  if (!(factor > 0.25 && factor < 4)) throw new AsrError(`speed perturbation: factor must be in (0.25, 4), got ${factor}`);
  if (factor === 1) return Float32Array.from(x);
  return Float32Array.from(resample(x, Math.round(rate * factor), rate));
}
