import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { REFERENCE_DIR, hasShared, readJson, readBin, maxAbsDiff, type BinDescriptor } from './helpers/reference.js';
import { initBackend } from '../src/backend/index.js';
import {
  disposeModel,
  forward,
  fromTorchaudioConformer,
  logProbs,
  modelFromValues,
  readSafetensors,
  torchaudioConformerConfig,
  type AcousticModel,
} from '../src/model/index.js';

const DIR = join(REFERENCE_DIR, 'conformer');

interface ConformerCase {
  model: { input_dim: number; num_heads: number; ffn_dim: number; num_layers: number; depthwise_conv_kernel_size: number };
  weights: string;
  input: BinDescriptor;
  input_lengths: number[];
  output_lengths: number[];
  encoder_output: BinDescriptor;
  logits: BinDescriptor;
  log_probs: BinDescriptor;
  trace: Record<string, BinDescriptor>;
}

function loadCase(variant: string): { c: ConformerCase; json: string; model: AcousticModel } {
  const json = join(DIR, `${variant}.json`);
  const c = readJson<ConformerCase>(json);
  const config = torchaudioConformerConfig({
    inputDim: c.model.input_dim,
    numHeads: c.model.num_heads,
    ffnDim: c.model.ffn_dim,
    numLayers: c.model.num_layers,
    kernel: c.model.depthwise_conv_kernel_size,
    vocabSize: 30,
  });
  const { tensors } = readSafetensors(join(DIR, c.weights));
  return { c, json, model: modelFromValues(config, fromTorchaudioConformer(tensors, config)) };
}

describe.skipIf(!hasShared)('Conformer parity with torchaudio (shared/reference/conformer)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    describe(`on ${backend}`, () => {
      beforeAll(async () => {
        const info = await initBackend({ backend, threads: 2 });
        expect(info.name).toBe(backend);
      });
      for (const variant of ['default_init', 'perturbed_norms']) {
        it(`${variant}: traces, encoder output, logits and log-probs within 1e-4`, () => {
          const { c, json, model } = loadCase(variant);
          const input = readBin(json, c.input);
          const traces = new Map<string, Float32Array>();
          const x = tf.tensor3d(input.data, input.shape as [number, number, number]);
          const out = forward(model, x, c.input_lengths, { trace: (name, t) => traces.set(name, t.dataSync() as Float32Array) });
          const lp = logProbs(out.logits);
          expect(Array.from(out.outputLengths)).toEqual(c.output_lengths);
          const names = Object.keys(c.trace);
          expect(names.length).toBe(10);
          for (const name of names) {
            const mine = traces.get(name);
            expect(mine, name).toBeDefined();
            const diff = maxAbsDiff(mine as Float32Array, readBin(json, c.trace[name]).data);
            expect(diff, name).toBeLessThan(1e-4);
          }
          expect(maxAbsDiff(out.encoderOut.dataSync(), readBin(json, c.encoder_output).data)).toBeLessThan(1e-4);
          expect(maxAbsDiff(out.logits.dataSync(), readBin(json, c.logits).data)).toBeLessThan(1e-4);
          expect(maxAbsDiff(lp.dataSync(), readBin(json, c.log_probs).data)).toBeLessThan(1e-4);
          tf.dispose([x, out.logits, out.encoderOut, lp]);
          disposeModel(model);
        });
      }
      it('masking the padded input frames changes item 1 (torchaudio does not mask its conv module)', () => {
        // guards the test itself: if padded frames did not matter, the comparison above could not catch masking bugs
        const { c, json, model } = loadCase('perturbed_norms');
        const input = readBin(json, c.input);
        const zeroed = Float32Array.from(input.data);
        zeroed.fill(0, (120 + c.input_lengths[1]) * 80, 240 * 80);
        const a = forward(model, tf.tensor3d(input.data, [2, 120, 80]), c.input_lengths);
        const b = forward(model, tf.tensor3d(zeroed, [2, 120, 80]), c.input_lengths);
        const da = a.encoderOut.dataSync().slice(120 * 80, (120 + 87) * 80);
        const db = b.encoderOut.dataSync().slice(120 * 80, (120 + 87) * 80);
        expect(maxAbsDiff(da, db)).toBeGreaterThan(1e-2);
        disposeModel(model);
      });
    });
  }
  afterAll(() => {
    tf.disposeVariables();
  });
});
