import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildOnce } from './helpers/build.js';
import { currentBackend, describeBackend, initBackend, parseBackendName } from '../src/backend/index.js';

const require = createRequire(import.meta.url);
function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('backend selection', () => {
  it('parses names and aliases, and rejects unknown ones in one line', () => {
    expect(parseBackendName('GPU')).toBe('tensorflow-gpu');
    expect(parseBackendName('tfjs-node')).toBe('tensorflow');
    expect(parseBackendName(' wasm ')).toBe('wasm');
    expect(parseBackendName('js')).toBe('cpu');
    expect(parseBackendName('auto')).toBe('auto');
    expect(() => parseBackendName('webgpu')).toThrow(/unknown backend 'webgpu' \(expected auto, tensorflow-gpu, tensorflow, wasm, cpu\)/);
  });

  it('loads the threaded SIMD wasm backend with 2 threads and multiplies correctly', async () => {
    const info = await initBackend({ backend: 'wasm', threads: 2 });
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(info.notes).toEqual([]);
    expect(tf.getBackend()).toBe('wasm');
    expect(describeBackend(info)).toBe('backend: wasm, 2 threads');
    // a product large enough to be split across the XNNPACK threads, checked against float64 JS
    const n = 96;
    const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i * 0.7));
    const c = tf.matMul(tf.tensor2d(a, [n, n]), tf.tensor2d(b, [n, n])).dataSync();
    let worst = 0;
    for (let i = 0; i < n; i += 7) {
      for (let j = 0; j < n; j += 5) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
        worst = Math.max(worst, Math.abs(s - c[i * n + j]));
      }
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('a tensor beyond the 4 GiB wasm heap is a clear error, not silent corruption', () => {
    expect(() => tf.tile(tf.ones([1]), [1_200_000_000])).toThrow(/wasm heap: cannot allocate 4.5 GiB/);
    expect(tf.add(tf.ones([3]), 1).dataSync()).toEqual(Float32Array.of(2, 2, 2));
  });

  it('ASR_BACKEND picks the backend; switching back reuses the running wasm module', async () => {
    const cpu = await initBackend({ env: { ASR_BACKEND: 'cpu' } });
    expect(cpu.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(currentBackend()?.name).toBe('cpu');
    const again = await initBackend({ backend: 'wasm', threads: 2 });
    expect(again).toMatchObject({ name: 'wasm', threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('an option overrides ASR_BACKEND, and bad ASR_THREADS is a clear error', async () => {
    const info = await initBackend({ backend: 'cpu', env: { ASR_BACKEND: 'wasm' } });
    expect(info.name).toBe('cpu');
    await expect(initBackend({ backend: 'wasm', env: { ASR_THREADS: 'two' } })).rejects.toThrow("ASR_THREADS: expected a positive integer, got 'two'");
    await initBackend({ backend: 'wasm', threads: 2 });
  });

  it('a process using the threaded wasm backend exits on its own (the pool threads do not hold it)', () => {
    buildOnce();
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const entry = pathToFileURL(join(root, 'dist', 'backend', 'index.js')).href;
    const script = `import * as tf from '@tensorflow/tfjs'; import { initBackend, describeBackend } from '${entry}';
const info = await initBackend({ backend: 'wasm', threads: 2 });
console.log(describeBackend(info), tf.matMul(tf.ones([40, 40]), tf.ones([40, 40])).dataSync()[0]);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('backend: wasm, 2 threads 40');
  });

  it.skipIf(installed('@tensorflow/tfjs-node'))('asking for tensorflow when tfjs-node is absent is an error naming the package', async () => {
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toThrow('backend tensorflow: @tensorflow/tfjs-node is not installed');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(installed('@tensorflow/tfjs-node-gpu') || installed('@tensorflow/tfjs-node'))('auto falls through the TensorFlow packages to wasm', async () => {
    const info = await initBackend({ env: {} , threads: 2 });
    expect(info.name).toBe('wasm');
  });
});
