import * as tf from '@tensorflow/tfjs';

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, written out in tfjs ops rather than
 * tf.train.adam so that (a) weight decay is decoupled and skips biases and norms, and (b) the moment estimates
 * can be saved and restored exactly in checkpoints, keyed by parameter name.
 *
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p = p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) - lr wd p      (wd only for matrices)
 */
export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export interface AdamW {
  /**
   * One update with gradients keyed by parameter name (shapes as the parameters); `t` is the 1-based step used
   * for bias correction. Does not dispose the gradients.
   */
  apply(grads: Map<string, tf.Tensor>, lr: number, t: number): void;
  /** Moment estimates, `m.<name>` and `v.<name>`, as copies. */
  state(): Map<string, { shape: number[]; data: Float32Array }>;
  /** Restores {@link state}'s output (every entry must be present with the right size). */
  load(state: Map<string, { shape: number[]; data: Float32Array }>): void;
  dispose(): void;
}

export function createAdamW(params: NamedVariable[], cfg: AdamWConfig): AdamW {
  const slots = params.map((p) => ({
    ...p,
    // (inside tidy: the zeros tensor is freed, the variable keeps its own reference to the data)
    m: tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)),
    v: tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)),
    // decay matrices (linear, conv weights) only: decaying biases, norm gains and BN parameters hurts
    decay: p.variable.rank >= 2 && !p.name.includes('pos_bias'),
  }));
  return {
    apply(grads, lr, t) {
      const { beta1: b1, beta2: b2, eps, weightDecay: wd } = cfg;
      const c1 = 1 - b1 ** t;
      const c2 = 1 - b2 ** t;
      tf.tidy(() => {
        for (const s of slots) {
          const g = grads.get(s.name);
          if (g === undefined) continue;
          const m = s.m.mul(b1).add(g.mul(1 - b1));
          const v = s.v.mul(b2).add(g.square().mul(1 - b2));
          s.m.assign(m);
          s.v.assign(v);
          let update = m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr);
          if (s.decay && wd > 0) update = update.add(s.variable.mul(lr * wd));
          s.variable.assign(s.variable.sub(update));
        }
      });
    },
    state() {
      const out = new Map<string, { shape: number[]; data: Float32Array }>();
      for (const s of slots) {
        out.set(`m.${s.name}`, { shape: s.m.shape, data: s.m.dataSync() as Float32Array });
        out.set(`v.${s.name}`, { shape: s.v.shape, data: s.v.dataSync() as Float32Array });
      }
      return out;
    },
    load(state) {
      for (const s of slots) {
        for (const [key, slot] of [[`m.${s.name}`, s.m], [`v.${s.name}`, s.v]] as const) {
          const e = state.get(key);
          if (e === undefined) throw new Error(`optimizer state lacks ${key}`);
          if (e.data.length !== slot.size) throw new Error(`optimizer state ${key} has ${e.data.length} values, expected ${slot.size}`);
          tf.tidy(() => slot.assign(tf.tensor(e.data, slot.shape, 'float32')));
        }
      }
    },
    dispose() {
      for (const s of slots) tf.dispose([s.m, s.v]);
    },
  };
}

/**
 * Clips gradients so their global L2 norm is at most `maxNorm` (in place in the map: clipped tensors replace
 * and dispose the originals). Returns the norm before clipping (one read-back).
 */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): number {
  const normT = tf.tidy(() => tf.sqrt(tf.addN([...grads.values()].map((g) => g.square().sum()))));
  const norm = normT.dataSync()[0];
  normT.dispose();
  if (maxNorm > 0 && Number.isFinite(norm) && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const [k, g] of grads) {
      grads.set(k, tf.tidy(() => g.mul(scale)));
      g.dispose();
    }
  }
  return norm;
}
