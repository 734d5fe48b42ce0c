import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomicSync } from '../util/fs.js';
import { AsrError, errorMessage } from '../util/errors.js';

/**
 * Loads tfjs's WebAssembly backend with XNNPACK threads in Node.
 *
 * Why not the package's own init: in Node it reports no thread support and loads the single-threaded SIMD
 * binary. The threaded SIMD binary it ships does run under `worker_threads`, but only when (1) its pthread
 * workers get a worker script that exists on disk (the package hands them a blob: URL, which Node's Worker
 * rejects), (2) the workers can re-read the Emscripten factory from a path (`mainScriptUrlOrBlob`), and (3) the
 * C++ side is told enough cores: it caps its pool at `emscripten_num_logical_cores() / 2`, read once when the
 * module starts, which is 1 on a 2-core machine. We answer that import ourselves from `instantiateWasm`.
 */

const require = createRequire(import.meta.url);

/** The subset of the Emscripten module that tfjs's BackendWasm and we use. */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread?: { terminateAllThreads(): void; unusedWorkers: NodeWorkerLike[]; runningWorkers: NodeWorkerLike[] };
  tfjs?: Record<string, (...a: number[]) => number>;
}

interface NodeWorkerLike {
  unref?: () => void;
}

/**
 * XNNPACK's pool threads wait forever for work, and Emscripten keeps their workers referenced, so Node would
 * never exit on its own. They only ever run while the main thread is blocked inside a kernel, so nothing is lost
 * by letting the event loop ignore them.
 */
function unrefWorkers(mod: EmscriptenModule): void {
  for (const w of [...(mod.PThread?.runningWorkers ?? []), ...(mod.PThread?.unusedWorkers ?? [])]) w.unref?.();
}

type WasmFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

interface WasmImports {
  env: Record<string, unknown>;
}

/** The part of the global WebAssembly object we call (its types are not in this project's lib set). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: WasmImports): Promise<{ instance: unknown; module: unknown }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface WasmLoad {
  /** XNNPACK thread-pool size actually in use. */
  threads: number;
  /** Which binary runs: the threaded SIMD one (ours) or the package's single-threaded one. */
  binary: 'threaded-simd' | 'simd' | 'plain';
  /** What went wrong on the way, for the start-up line (empty when all went as asked). */
  notes: string[];
}

function packageDir(): string {
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

/**
 * Writes the pthread worker script to the temp folder (once per content; atomically, so concurrent processes
 * never see half a file) and returns its path. The package keeps it as a JS string export; its `\n` escapes
 * were unescaped by that string literal, so they are re-escaped the way the package does before making a blob.
 */
function workerScriptPath(outDir: string): string {
  const mod = require(join(outDir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const text = mod.wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 12);
  // .cjs: the script uses require/__filename whatever package.json sits above the temp folder
  const path = join(tmpdir(), `asr-ts-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(path) || readFileSync(path, 'utf8') !== text) writeFileAtomicSync(path, text);
  return path;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 1000} s`)), ms);
    timer.unref();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Instantiates the threaded SIMD module with a pool sized for `threads` (at most 8, the pre-spawned workers). */
async function instantiateThreaded(threads: number): Promise<EmscriptenModule> {
  const outDir = join(packageDir(), 'wasm-out');
  const factoryPath = join(outDir, 'tfjs-backend-wasm-threaded-simd.js');
  const wasmPath = join(outDir, 'tfjs-backend-wasm-threaded-simd.wasm');
  const factory = require(factoryPath) as WasmFactory;
  const worker = workerScriptPath(outDir);
  const binary = readFileSync(wasmPath);
  const mod = await withTimeout(
    factory({
      locateFile: (path: string, prefix: string) =>
        path.endsWith('.worker.js') ? worker : path.endsWith('.wasm') ? wasmPath : prefix + path,
      mainScriptUrlOrBlob: factoryPath,
      instantiateWasm: (imports: WasmImports, receive: (instance: unknown, module: unknown) => void) => {
        // The C++ pool size is min(requested, logical cores / 2): report twice the threads we want.
        imports.env.emscripten_num_logical_cores = () => 2 * threads;
        void wasmApi.instantiate(binary, imports).then((r) => receive(r.instance, r.module));
        return {};
      },
    }),
    30_000,
    'loading the threaded wasm module',
  );
  mod.tfjs = {
    init: mod.cwrap('init', null, []),
    initWithThreadsCount: mod.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: mod.cwrap('get_threads_count', 'number', []),
    registerTensor: mod.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: mod.cwrap('dispose_data', null, ['number']),
    dispose: mod.cwrap('dispose', null, []),
  };
  return mod;
}

/**
 * Makes heap exhaustion an error. The wasm heap is 32-bit (4 GB at most): tfjs passes sizes of 4 GB or more to
 * malloc, where they wrap around, and uses a failed malloc's 0 as a valid address; either corrupts memory or
 * hangs the XNNPACK threads. Our wrapper throws instead.
 */
export function guardMalloc(mod: { _malloc?: (n: number) => number; asm?: { malloc?: (n: number) => number }; __asrGuarded?: boolean }): void {
  // Emscripten's Module._malloc is a stub that replaces itself with asm.malloc on first use (which would drop
  // our wrapper), so wrap the export itself.
  const malloc = mod.asm?.malloc;
  if (malloc === undefined || mod.__asrGuarded === true) return;
  mod._malloc = (n: number): number => {
    if (n >= 4294967296) throw new AsrError(`wasm heap: cannot allocate ${(n / 2 ** 30).toFixed(1)} GiB (the wasm32 heap holds at most 4 GiB); use a smaller batch`);
    const p = malloc(n); // a signed i32: addresses past 2 GiB come back negative
    if (p === 0 && n > 0) {
      throw new AsrError(`wasm heap exhausted allocating ${(n / 2 ** 20).toFixed(0)} MiB (the wasm32 heap holds at most 4 GiB); use a smaller batch or gradient checkpointing`);
    }
    return p;
  };
  mod.__asrGuarded = true;
}

let stockFactory: (() => tf.KernelBackend | Promise<tf.KernelBackend>) | null = null;

/** Puts the package's own 'wasm' factory back (single-threaded SIMD in Node). */
function restoreStockFactory(): void {
  if (stockFactory === null) return;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', stockFactory, 2);
}

/**
 * Makes 'wasm' the active tfjs backend with `threads` XNNPACK threads when possible; falls back to the
 * package's single-threaded SIMD module. Returns null when no wasm module loads at all (the caller falls back
 * to the pure-JS 'cpu' backend). Idempotent once a wasm backend is active.
 */
export async function loadWasm(threads: number): Promise<WasmLoad | null> {
  const notes: string[] = [];
  if (tf.findBackend('wasm') !== null) {
    // already initialised (perhaps before a switch to another backend): reuse it, its tensors live on
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    const n = getThreadsCount();
    if (n !== Math.min(threads, 8)) notes.push(`wasm already running with ${n} thread${n === 1 ? '' : 's'}`);
    return { threads: n, binary: n > 1 ? 'threaded-simd' : 'simd', notes };
  }
  if (stockFactory === null) stockFactory = tf.findBackendFactory('wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const canThread = simd && typeof SharedArrayBuffer === 'function' && threads > 1;
  if (threads > 1 && !canThread) notes.push('wasm threads unavailable (no SIMD or SharedArrayBuffer)');
  if (canThread) {
    let mod: EmscriptenModule | null = null;
    try {
      mod = await instantiateThreaded(Math.min(threads, 8));
      const loaded = mod;
      tf.removeBackend('wasm');
      tf.registerBackend('wasm', () => new BackendWasm(loaded as unknown as ConstructorParameters<typeof BackendWasm>[0]), 2);
      setThreadsCount(Math.min(threads, 8));
      if (await tf.setBackend('wasm')) {
        guardMalloc(loaded as unknown as Parameters<typeof guardMalloc>[0]);
        unrefWorkers(loaded);
        const n = getThreadsCount();
        if (n < Math.min(threads, 8)) notes.push(`wasm thread pool has ${n} threads, asked for ${threads}`);
        return { threads: n, binary: 'threaded-simd', notes };
      }
      notes.push('threaded wasm backend failed to initialise');
    } catch (e) {
      notes.push(`threaded wasm failed (${errorMessage(e).split('\n')[0]})`);
    }
    if (mod?.PThread) mod.PThread.terminateAllThreads();
    restoreStockFactory();
    notes.push('using single-threaded wasm');
  }
  try {
    setThreadsCount(1);
    if (await tf.setBackend('wasm')) {
      guardMalloc((tf.backend() as BackendWasm).wasm as unknown as Parameters<typeof guardMalloc>[0]);
      return { threads: 1, binary: simd ? 'simd' : 'plain', notes };
    }
    notes.push('wasm backend failed to initialise');
  } catch (e) {
    notes.push(`wasm failed (${errorMessage(e).split('\n')[0]})`);
  }
  return null;
}
