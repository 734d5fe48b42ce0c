import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { AsrError, errorMessage } from '../util/errors.js';
import { loadWasm } from './wasm.js';
import { registerFastKernels } from './kernels.js';

/**
 * Run-time choice of the tfjs backend. The model is written in backend-neutral tfjs ops, so the same code runs
 * on all of them; only the convolution helpers look at which gradient kernels the active backend registers.
 *
 * Order tried by default: TensorFlow with CUDA (`@tensorflow/tfjs-node-gpu`), TensorFlow on the CPU
 * (`@tensorflow/tfjs-node`), WebAssembly (threaded SIMD when it loads), pure JavaScript ('cpu').
 */

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  name: BackendName;
  /** Compute threads the backend uses (TensorFlow: its own pool, reported as the logical core count). */
  threads: number;
  /** Fallbacks taken and other things the start-up line should mention. */
  notes: string[];
}

export interface BackendOptions {
  /** 'auto' (default) or one of {@link BACKEND_NAMES} (aliases: gpu, tfjs-node-gpu, node, tfjs-node, js). */
  backend?: string;
  /** Threads for the wasm backend; default: logical cores (at most 8), or ASR_THREADS. */
  threads?: number;
  /** Environment to read ASR_BACKEND / ASR_THREADS from (default process.env). */
  env?: Record<string, string | undefined>;
}

const ALIASES: Record<string, BackendName | 'auto'> = {
  auto: 'auto',
  'tensorflow-gpu': 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  tensorflow: 'tensorflow',
  'tensorflow-cpu': 'tensorflow',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
  js: 'cpu',
};

/** Parses a backend name or alias; throws a one-line AsrError naming the valid choices. */
export function parseBackendName(name: string): BackendName | 'auto' {
  const v = ALIASES[name.trim().toLowerCase()];
  if (v === undefined) throw new AsrError(`unknown backend '${name}' (expected auto, ${BACKEND_NAMES.join(', ')})`);
  return v;
}

const require = createRequire(import.meta.url);

/** Loads a tfjs-node package if installed; it registers the 'tensorflow' backend with our tfjs-core. */
function tryTensorflow(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): string | null {
  try {
    require.resolve(pkg);
  } catch {
    return `${pkg} is not installed`;
  }
  try {
    require(pkg);
  } catch (e) {
    return `${pkg} failed to load (${errorMessage(e).split('\n')[0]})`;
  }
  // a nested copy of tfjs-core would register the backend on another engine than ours
  if (tf.findBackendFactory('tensorflow') === null) return `${pkg} uses another copy of @tensorflow/tfjs-core`;
  return null;
}

async function activate(name: string): Promise<boolean> {
  try {
    return await tf.setBackend(name);
  } catch {
    return false;
  }
}

let current: BackendInfo | null = null;

/** The backend chosen by {@link initBackend}, or null before it ran. */
export function currentBackend(): BackendInfo | null {
  return current;
}

/** `backend: wasm, 2 threads` plus any fallback notes: what callers print at start. */
export function describeBackend(info: BackendInfo): string {
  const notes = info.notes.length > 0 ? ` (${info.notes.join('; ')})` : '';
  return `backend: ${info.name}, ${info.threads} thread${info.threads === 1 ? '' : 's'}${notes}`;
}

function defaultThreads(env: Record<string, string | undefined>): number {
  const fromEnv = env.ASR_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (!Number.isInteger(n) || n < 1) throw new AsrError(`ASR_THREADS: expected a positive integer, got '${fromEnv}'`);
    return n;
  }
  return Math.min(8, Math.max(1, availableParallelism()));
}

/**
 * Chooses and activates the backend: `options.backend`, else ASR_BACKEND, else the first that loads in the
 * default order. An explicitly named TensorFlow backend that cannot load is an error; wasm falls back to
 * single-threaded wasm, then to 'cpu', and says so in `notes`. Also installs the fast wasm kernels.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const env = options.env ?? process.env;
  const requested = parseBackendName(options.backend ?? env.ASR_BACKEND ?? 'auto');
  const threads = options.threads ?? defaultThreads(env);
  if (!Number.isInteger(threads) || threads < 1) throw new AsrError(`threads: expected a positive integer, got ${threads}`);
  const notes: string[] = [];
  const cores = availableParallelism();

  const tensorflow = async (gpu: boolean): Promise<BackendInfo | null> => {
    const problem = tryTensorflow(gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
    if (problem === null && (await activate('tensorflow'))) {
      return { name: gpu ? 'tensorflow-gpu' : 'tensorflow', threads: cores, notes };
    }
    const why = problem ?? `${gpu ? 'tensorflow-gpu' : 'tensorflow'} backend failed to initialise`;
    if (requested === (gpu ? 'tensorflow-gpu' : 'tensorflow')) throw new AsrError(`backend ${requested}: ${why}`);
    return null;
  };
  const wasm = async (): Promise<BackendInfo | null> => {
    const w = await loadWasm(threads);
    if (w === null) {
      notes.push('wasm backend unavailable');
      return null;
    }
    notes.push(...w.notes);
    return { name: 'wasm', threads: w.threads, notes };
  };
  const cpu = async (): Promise<BackendInfo> => {
    if (!(await activate('cpu'))) throw new AsrError('backend cpu: the pure-JS backend failed to initialise');
    // its one-time "install tfjs-node" banner would repeat what our start-up line says
    (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    return { name: 'cpu', threads: 1, notes };
  };

  let info: BackendInfo | null = null;
  if (requested === 'auto') {
    info = (await tensorflow(true)) ?? (await tensorflow(false)) ?? (await wasm()) ?? (await cpu());
  } else if (requested === 'tensorflow-gpu' || requested === 'tensorflow') {
    info = await tensorflow(requested === 'tensorflow-gpu');
  } else if (requested === 'wasm') {
    info = (await wasm()) ?? (await cpu());
    if (info.name === 'cpu') notes.push('fell back to cpu');
  } else {
    info = await cpu();
  }
  if (info === null) throw new AsrError(`backend ${requested} could not be started`);
  registerFastKernels();
  current = info;
  return info;
}
