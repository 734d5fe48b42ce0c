/**
 * Blank penalty (icefall's and sherpa-onnx's `blank_penalty`): `penalty` is subtracted from the blank's score in
 * every frame, and each frame renormalised, before decoding. A CTC model trained on other speech than it hears
 * tends to put its mass on blank and delete tokens; a positive penalty makes every non-blank token likelier by the
 * same factor relative to blank. 0 returns `logProbs` itself.
 *
 * `logProbs` is `[frames, vocab]` natural-log posteriors; the result is a new array of the same shape.
 */
export function penalizeBlank(logProbs: Float32Array, frames: number, vocab: number, blank: number, penalty: number): Float32Array {
  if (penalty === 0) return logProbs;
  const out = new Float32Array(frames * vocab);
  for (let t = 0; t < frames; t++) {
    const o = t * vocab;
    let max = -Infinity;
    for (let v = 0; v < vocab; v++) {
      const x = logProbs[o + v] - (v === blank ? penalty : 0);
      out[o + v] = x;
      if (x > max) max = x;
    }
    let sum = 0;
    for (let v = 0; v < vocab; v++) sum += Math.exp(out[o + v] - max);
    const lse = max + Math.log(sum);
    for (let v = 0; v < vocab; v++) out[o + v] -= lse;
  }
  return out;
}
