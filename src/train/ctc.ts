import * as tf from '@tensorflow/tfjs';

/**
 * Connectionist Temporal Classification loss, equal to PyTorch's `ctc_loss` on log_softmax(logits).
 *
 * The forward (alpha) and backward (beta) recursions run in JavaScript in float64 and in log space, on the
 * logits read back once from the backend; this is far cheaper than the model's forward pass (it is O(B T S)
 * with S = 2L + 1) and avoids hundreds of tiny tfjs ops. The gradient with respect to the logits is
 *   dloss/dlogit[t, k] = softmax[t, k] - sum_{s: l'(s) = k} exp(alpha_t(s) + beta_t(s) - logp_t(k) + loss)
 * (alpha and beta both include frame t's emission), 0 for frames past the item's length.
 */

export interface CtcOptions {
  /** Blank id (default 0). */
  blank?: number;
  /**
   * 'none': per-item losses [B]; 'sum': their sum; 'mean' (default, as torch): mean over the batch of
   * loss_i / max(targetLength_i, 1).
   */
  reduction?: 'none' | 'sum' | 'mean';
  /** Infinite losses (too few frames for the target) and their gradients become 0 (torch's zero_infinity). */
  zeroInfinity?: boolean;
}

export interface CtcArrays {
  /** Negative log-likelihood per item (sum over the target, not divided by its length); +Infinity if infeasible. */
  losses: Float64Array;
  /** dloss_b/dlogits for each item b (unscaled), [B, T, V]; present when asked for. */
  grad?: Float32Array;
}

/** Fewest frames that can emit `target`: its length plus one blank between each pair of equal neighbours. */
export function minFramesFor(target: ArrayLike<number>): number {
  let n = target.length;
  for (let i = 1; i < target.length; i++) if (target[i] === target[i - 1]) n++;
  return n;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

function logAdd3(a: number, b: number, c: number): number {
  const m = a > b ? (a > c ? a : c) : b > c ? b : c;
  if (m === -Infinity) return -Infinity;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m) + Math.exp(c - m));
}

function checkInputs(shape: [number, number, number], targets: ArrayLike<number>[], inputLengths: ArrayLike<number>, blank: number): void {
  const [B, T, V] = shape;
  if (targets.length !== B) throw new Error(`ctc: ${targets.length} targets for a batch of ${B}`);
  if (inputLengths.length !== B) throw new Error(`ctc: ${inputLengths.length} input lengths for a batch of ${B}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= V) throw new Error(`ctc: blank ${blank} is outside the vocabulary of ${V}`);
  for (let b = 0; b < B; b++) {
    const len = inputLengths[b];
    if (!Number.isInteger(len) || len < 0 || len > T) throw new Error(`ctc: input length ${len} of item ${b} is outside 0..${T}`);
    const tg = targets[b];
    for (let i = 0; i < tg.length; i++) {
      const l = tg[i];
      if (!Number.isInteger(l) || l < 0 || l >= V || l === blank) throw new Error(`ctc: label ${l} of item ${b} is not a non-blank id below ${V}`);
    }
  }
}

/** Per-item state kept between the loss and the gradient: log-softmax rows and alphas. */
interface ItemState {
  frames: number;
  /** Extended label sequence l' (blank, l1, blank, l2, ..., blank), length S = 2L + 1. */
  ext: Int32Array;
  /** alpha[t * S + s] in log space. */
  alpha: Float64Array;
  loss: number;
}

/** Log-softmax of every valid frame of every item, float64, [B, T, V] (rows past the length stay 0). */
function logSoftmaxRows(logits: Float32Array, shape: [number, number, number], inputLengths: ArrayLike<number>): Float64Array {
  const [B, T, V] = shape;
  const out = new Float64Array(B * T * V);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < inputLengths[b]; t++) {
      const o = (b * T + t) * V;
      let m = -Infinity;
      for (let v = 0; v < V; v++) if (logits[o + v] > m) m = logits[o + v];
      let s = 0;
      for (let v = 0; v < V; v++) s += Math.exp(logits[o + v] - m);
      const lse = m + Math.log(s);
      for (let v = 0; v < V; v++) out[o + v] = logits[o + v] - lse;
    }
  }
  return out;
}

function forwardItem(lp: Float64Array, base: number, V: number, frames: number, target: ArrayLike<number>, blank: number): ItemState {
  const L = target.length;
  const S = 2 * L + 1;
  const ext = new Int32Array(S).fill(blank);
  for (let i = 0; i < L; i++) ext[2 * i + 1] = target[i];
  if (frames === 0 || frames < minFramesFor(target)) {
    // no alignment exists (an empty input emits only the empty target, with probability 1)
    return { frames, ext, alpha: new Float64Array(0), loss: frames === 0 && L === 0 ? 0 : Infinity };
  }
  const alpha = new Float64Array(frames * S).fill(-Infinity);
  alpha[0] = lp[base + blank];
  if (L > 0) alpha[1] = lp[base + ext[1]];
  for (let t = 1; t < frames; t++) {
    const row = base + t * V;
    const prev = (t - 1) * S;
    const cur = t * S;
    // states that cannot still reach the end in the frames left stay -inf; skipping them is only a speed-up
    for (let s = 0; s < S; s++) {
      const a0 = alpha[prev + s];
      const a1 = s > 0 ? alpha[prev + s - 1] : -Infinity;
      const a2 = s > 1 && ext[s] !== blank && ext[s] !== ext[s - 2] ? alpha[prev + s - 2] : -Infinity;
      const m = logAdd3(a0, a1, a2);
      alpha[cur + s] = m === -Infinity ? -Infinity : m + lp[row + ext[s]];
    }
  }
  const last = (frames - 1) * S;
  const ll = L > 0 ? logAdd(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last + S - 1];
  return { frames, ext, alpha, loss: -ll };
}

/**
 * Beta recursion for one item and the gradient w.r.t. its logits, written (times `scale`) into `grad` at
 * `base` (the item's [T, V] block).
 */
function backwardItem(lp: Float64Array, base: number, V: number, st: ItemState, blank: number, scale: number, grad: Float32Array): void {
  const { frames, ext, alpha, loss } = st;
  const S = ext.length;
  let beta = new Float64Array(S).fill(-Infinity);
  let next = new Float64Array(S);
  const post = new Float64Array(V);
  for (let t = frames - 1; t >= 0; t--) {
    const row = base + t * V;
    if (t === frames - 1) {
      beta[S - 1] = lp[row + ext[S - 1]];
      if (S > 1) beta[S - 2] = lp[row + ext[S - 2]];
    } else {
      for (let s = 0; s < S; s++) {
        const b0 = next[s];
        const b1 = s + 1 < S ? next[s + 1] : -Infinity;
        const b2 = s + 2 < S && ext[s] !== blank && ext[s] !== ext[s + 2] ? next[s + 2] : -Infinity;
        const m = logAdd3(b0, b1, b2);
        beta[s] = m === -Infinity ? -Infinity : m + lp[row + ext[s]];
      }
    }
    // posterior mass of each symbol at frame t
    post.fill(0);
    const a = t * S;
    for (let s = 0; s < S; s++) {
      const v = alpha[a + s] + beta[s];
      if (v !== -Infinity) post[ext[s]] += Math.exp(v - lp[row + ext[s]] + loss);
    }
    for (let k = 0; k < V; k++) grad[row + k] = scale * (Math.exp(lp[row + k]) - post[k]);
    const tmp = next;
    next = beta;
    beta = tmp;
  }
}

/**
 * CTC on plain arrays: logits [B, T, V] (row-major), jagged targets (no blanks), valid frames per item.
 * Returns per-item losses and, with `withGrad`, d loss_b / d logits (each item's own loss; 0 past its length
 * and for infeasible items).
 */
export function ctcLossArrays(
  logits: Float32Array,
  shape: [number, number, number],
  targets: ArrayLike<number>[],
  inputLengths: ArrayLike<number>,
  opts: { blank?: number; withGrad?: boolean } = {},
): CtcArrays {
  const blank = opts.blank ?? 0;
  checkInputs(shape, targets, inputLengths, blank);
  const [B, T, V] = shape;
  const lp = logSoftmaxRows(logits, shape, inputLengths);
  const losses = new Float64Array(B);
  const states: ItemState[] = [];
  for (let b = 0; b < B; b++) {
    const st = forwardItem(lp, b * T * V, V, inputLengths[b], targets[b], blank);
    losses[b] = st.loss;
    states.push(st);
  }
  if (opts.withGrad !== true) return { losses };
  const grad = new Float32Array(B * T * V);
  for (let b = 0; b < B; b++) {
    if (Number.isFinite(states[b].loss) && states[b].frames > 0) backwardItem(lp, b * T * V, V, states[b], blank, 1, grad);
  }
  return { losses, grad };
}

/**
 * Differentiable CTC loss for training: logits [B, T, V] (the model's output, before log_softmax), targets as
 * label-id lists, valid frames per item. Returns [B] losses ('none') or a scalar, with a gradient w.r.t. the
 * logits. Infeasible items give +Infinity (0 with `zeroInfinity`) and contribute no gradient.
 */
function hasNaN(a: Float32Array | Float64Array, from: number, n: number): boolean {
  for (let i = from; i < from + n; i++) if (a[i] !== a[i]) return true;
  return false;
}

export function ctcLoss(logits: tf.Tensor3D, targets: ArrayLike<number>[], inputLengths: ArrayLike<number>, opts: CtcOptions = {}): tf.Tensor {
  const blank = opts.blank ?? 0;
  const reduction = opts.reduction ?? 'mean';
  const zeroInf = opts.zeroInfinity === true;
  const shape = logits.shape;
  checkInputs(shape, targets, inputLengths, blank);
  const [B, T, V] = shape;
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x = args[0] as tf.Tensor3D;
    const lp = logSoftmaxRows(x.dataSync() as Float32Array, shape, inputLengths);
    const states: ItemState[] = [];
    const losses = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      const st = forwardItem(lp, b * T * V, V, inputLengths[b], targets[b], blank);
      // NaN logits must give a NaN loss (as in PyTorch), not whatever the max-guarded recursion makes of them
      if (hasNaN(lp, b * T * V, inputLengths[b] * V)) st.loss = Number.NaN;
      states.push(st);
      // as PyTorch: only an infinite (infeasible) loss is zeroed; NaN (from NaN logits) stays visible
      losses[b] = zeroInf && st.loss === Number.POSITIVE_INFINITY ? 0 : st.loss;
    }
    // per-item weight of loss_b in the returned value
    const weight = new Float64Array(B).fill(1);
    if (reduction === 'mean') for (let b = 0; b < B; b++) weight[b] = 1 / (B * Math.max(targets[b].length, 1));
    let value: tf.Tensor;
    if (reduction === 'none') value = tf.tensor1d(losses);
    else {
      let total = 0;
      for (let b = 0; b < B; b++) total += weight[b] * losses[b];
      value = tf.scalar(total);
    }
    const gradFunc = (dy: tf.Tensor): tf.Tensor => {
      const dyv = dy.dataSync();
      const grad = new Float32Array(B * T * V);
      for (let b = 0; b < B; b++) {
        const st = states[b];
        if (!Number.isFinite(st.loss) || st.frames === 0) continue;
        const scale = reduction === 'none' ? dyv[b] : dyv[0] * weight[b];
        if (scale !== 0) backwardItem(lp, b * T * V, V, st, blank, scale, grad);
      }
      return tf.tensor3d(grad, shape);
    };
    return { value, gradFunc };
  });
  return f(logits);
}
