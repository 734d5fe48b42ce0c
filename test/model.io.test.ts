import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import {
  createModel,
  disposeModel,
  encodeSafetensors,
  forward,
  loadModel,
  modelConfig,
  parameterValues,
  readSafetensors,
  readSafetensorsHeader,
  saveModel,
  type ModelConfigInput,
} from '../src/model/index.js';
import { AsrError } from '../src/util/errors.js';
import { maxAbsDiff } from './helpers/reference.js';

const TINY: ModelConfigInput = { inputDim: 16, subsampling: { type: 'conv2d', factor: 4, channels: 4 }, dModel: 12, numLayers: 1, numHeads: 2, ffnDim: 20, convKernel: 3, vocabSize: 5 };
const TOKENS = ['<blk>', ' ', 'a', 'b', "'"];

let dir: string;

describe('model directory (config.json, model.safetensors, tokens.txt)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'wasm', threads: 2 });
    dir = mkdtempSync(join(tmpdir(), 'asr-model-io-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('saves atomically and loads back the same model (weights, config, tokens, outputs)', async () => {
    const model = createModel(modelConfig(TINY), 3);
    // make the BatchNorm state non-trivial so it is known to be saved
    (model.params.get('encoder.layers.0.conv.bn.running_var') as tf.Variable).assign(tf.fill([12], 2.5));
    const out = join(dir, 'm1');
    await saveModel(out, model, TOKENS);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'tokens.txt']);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
    const { model: back, tokens } = loadModel(out);
    expect(tokens).toEqual(TOKENS);
    expect(back.config).toEqual(model.config);
    const a = parameterValues(model);
    const b = parameterValues(back);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, v] of a) expect(maxAbsDiff(b.get(k) as Float32Array, v), k).toBe(0);
    const x = tf.randomNormal([1, 30, 16], 0, 1, 'float32', 1) as tf.Tensor3D;
    const y1 = forward(model, x, [30]).logits.dataSync();
    const y2 = forward(back, x, [30]).logits.dataSync();
    expect(maxAbsDiff(y1, y2)).toBe(0);
    // overwriting an existing directory replaces the files
    (model.params.get('ctc_head.bias') as tf.Variable).assign(tf.fill([5], 0.25));
    await saveModel(out, model, TOKENS);
    expect(Array.from(loadModel(out).model.params.get('ctc_head.bias')?.dataSync() ?? [])).toEqual([0.25, 0.25, 0.25, 0.25, 0.25]);
    disposeModel(model);
    disposeModel(back);
  });

  it('writes standard safetensors: 8-byte aligned header, F32 entries, offsets covering the data', () => {
    const bytes = encodeSafetensors(new Map([
      ['w', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
      ['b', { shape: [3], data: Float32Array.of(-1, 0.5, 7) }],
    ]), { note: 'x' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header.__metadata__).toEqual({ note: 'x' });
    expect(header.w).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header.b).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(bytes.length).toBe(8 + n + 36);
    const file = join(dir, 'small.safetensors');
    writeFileSync(file, bytes);
    const back = readSafetensors(file);
    expect(Array.from(back.tensors.get('b')?.data ?? [])).toEqual([-1, 0.5, 7]);
    expect(back.metadata).toEqual({ note: 'x' });
  });

  it.skipIf(spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status !== 0)('numpy reads our safetensors bytes the way the format says', () => {
    const file = join(dir, 'py.safetensors');
    writeFileSync(file, encodeSafetensors(new Map([['t', { shape: [2, 2], data: Float32Array.of(1.5, -2, 3.25, 4) }]])));
    const py = `import json,struct,sys,numpy as np
b=open(sys.argv[1],'rb').read(); n=struct.unpack('<Q',b[:8])[0]; h=json.loads(b[8:8+n]); e=h['t']; s,t=e['data_offsets']
print(json.dumps(np.frombuffer(b[8+n+s:8+n+t],dtype='<f4').reshape(e['shape']).tolist()))`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([[1.5, -2], [3.25, 4]]);
  });

  describe('loading checks everything before allocating, with one-line errors naming the file', () => {
    let good: string;
    beforeAll(async () => {
      const model = createModel(modelConfig(TINY), 4);
      good = join(dir, 'good');
      await saveModel(good, model, TOKENS);
      disposeModel(model);
    });
    const variant = (name: string, edit: (d: string) => void): string => {
      const d = join(dir, name);
      rmSync(d, { recursive: true, force: true });
      spawnSync('cp', ['-r', good, d]);
      edit(d);
      return d;
    };
    const expectError = (d: string, message: string | RegExp): void => {
      const before = tf.memory().numTensors;
      let err: unknown = null;
      try {
        loadModel(d);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AsrError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
      expect(tf.memory().numTensors).toBe(before);
    };

    it('missing directory / config', () => {
      expectError(join(dir, 'nope'), /nope\/config.json: model directory not found/);
      expectError(variant('noconfig', (d) => rmSync(join(d, 'config.json'))), /noconfig\/config.json: missing/);
    });
    it('config that does not match the weights', () => {
      const d = variant('morelayers', (d) => {
        const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
        writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, numLayers: 2 }));
      });
      expectError(d, /morelayers\/model.safetensors: missing tensor encoder.layers.1.ffn1.norm.weight/);
      const w = variant('wider', (d) => {
        const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
        writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, ffnDim: 24 }));
      });
      expectError(w, /wider\/model.safetensors: tensor encoder.layers.0.ffn1.linear1.weight has shape \[12, 20\], config.json implies \[12, 24\]/);
      const fewer = variant('fewer', (d) => {
        const c = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
        writeFileSync(join(d, 'config.json'), JSON.stringify({ ...c, numLayers: 0 }));
      });
      expectError(fewer, /fewer\/model.safetensors: unexpected tensor encoder.layers.0/);
    });
    it('truncated or corrupt weights', () => {
      const t = variant('truncated', (d) => {
        const b = readFileSync(join(d, 'model.safetensors'));
        writeFileSync(join(d, 'model.safetensors'), b.subarray(0, b.length - 10));
      });
      expectError(t, /truncated\/model.safetensors: .*past the end of the file/);
      const j = variant('badjson', (d) => {
        const b = readFileSync(join(d, 'model.safetensors'));
        b[8] = 0x78; // the header's opening '{' becomes 'x'
        writeFileSync(join(d, 'model.safetensors'), b);
      });
      expectError(j, /badjson\/model.safetensors: safetensors header is not valid JSON/);
      const tiny = variant('tiny', (d) => writeFileSync(join(d, 'model.safetensors'), Buffer.from([1, 2, 3])));
      expectError(tiny, /tiny\/model.safetensors: not a safetensors file \(3 bytes\)/);
    });
    it('an F16 tensor is refused by name', () => {
      const d = variant('f16', (d) => {
        const b = readFileSync(join(d, 'model.safetensors'));
        const s = b.toString('latin1').replace('"dtype":"F32"', '"dtype":"F16"');
        writeFileSync(join(d, 'model.safetensors'), Buffer.from(s, 'latin1'));
      });
      expectError(d, /f16\/model.safetensors: tensor \S+: dtype "F16" is not supported \(only F32\)/);
    });
    it('token list of the wrong size', () => {
      expectError(variant('tokens', (d) => writeFileSync(join(d, 'tokens.txt'), 'a\nb\n')), /tokens\/tokens.txt: 2 tokens, the model has vocabSize 5/);
    });
    it('the header alone is read for validation', () => {
      const h = readSafetensorsHeader(join(good, 'model.safetensors'));
      expect(h.metadata.format).toBe('asr-ts-ctc');
      expect(h.tensors.get('ctc_head.weight')?.shape).toEqual([12, 5]);
      expect(existsSync(good)).toBe(true);
    });
  });
});
