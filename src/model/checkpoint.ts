import * as tf from '@tensorflow/tfjs';
import { createRng } from '../util/random.js';
import type { BatchNormUpdate, Ctx } from './layers.js';

/**
 * Gradient checkpointing (recomputation) for one block. tfjs keeps every tensor saved for backprop, and every
 * gradient, until the whole backward pass ends; on wasm32 (4 GB heap) that caps the batch. A checkpointed block
 * keeps only its input: the forward runs off the tape, and its gradient function reruns the block under a
 * fresh tape and backpropagates through that copy alone, freeing it before the next block. Costs one more
 * forward pass of the block.
 *
 * Dropout masks must match between the two runs: the block gets its own RNG seeded from the caller's.
 */

interface EngineState {
  state: { activeTape: unknown };
}

/**
 * Runs `block(ctx', x, consts)` so that its backward pass recomputes it. `paramNames` are the trainable
 * parameters the block reads through `ctx'.p` (gradients flow to exactly these); other names fall through to
 * `ctx.p`. `consts` (masks, position tables) are kept for the replay, as the caller's copies are freed when the
 * forward pass returns; they get zero gradients.
 */
export function checkpointed(
  ctx: Ctx,
  paramNames: string[],
  x: tf.Tensor,
  consts: tf.Tensor[],
  block: (c: Ctx, x: tf.Tensor, consts: tf.Tensor[]) => tf.Tensor,
): tf.Tensor {
  const nP = paramNames.length;
  const seed = ctx.rng === null ? null : Math.floor(ctx.rng.uniform() * 4294967296);
  const blockCtx = (params: tf.Tensor[], updates: BatchNormUpdate[], trace: Ctx['trace']): Ctx => {
    const byName = new Map(paramNames.map((n, i) => [n, params[i]]));
    return {
      p: (name) => byName.get(name) ?? ctx.p(name),
      training: ctx.training,
      rng: seed === null ? null : createRng(seed),
      bnUpdates: updates,
      bnGroups: ctx.bnGroups,
      trace,
    };
  };
  const params = paramNames.map((n) => ctx.p(n));
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const inputs = args.slice(0, -1) as tf.Tensor[];
    save(inputs);
    const value = tf.tidy(() => block(blockCtx(inputs.slice(1, 1 + nP), ctx.bnUpdates, ctx.trace), inputs[0], inputs.slice(1 + nP)));
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      // tf.grads below starts a new tape and, when done, drops the engine's tape pointer; the outer backward
      // pass still needs its own, so keep it aside and put it back.
      const engine = tf.engine() as unknown as EngineState;
      const outerTape = engine.state.activeTape;
      const replayUpdates: BatchNormUpdate[] = [];
      try {
        const live = saved.slice(0, 1 + nP);
        const kept = saved.slice(1 + nP);
        const g = tf.grads((...ins: tf.Tensor[]) => block(blockCtx(ins.slice(1), replayUpdates, null), ins[0], kept));
        return [...g(live, dy), ...kept.map((k) => tf.zerosLike(k))];
      } finally {
        engine.state.activeTape = outerTape;
        for (const u of replayUpdates) tf.dispose([u.mean, u.variance]);
      }
    };
    return { value, gradFunc };
  });
  return f(x, ...params, ...consts);
}
