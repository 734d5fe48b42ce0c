import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import type * as Ort from 'onnxruntime-web';
import { AsrError } from '../util/errors.js';
import { createFramer } from '../audio/framer.js';

/**
 * Voice activity detection: which frames of a 16 kHz mono signal are speech. Three detectors, each fed samples
 * incrementally and answering per frame with a speech probability and a decision:
 * - `silero`: Silero VAD (MIT), the ONNX model shipped in `@ricky0123/vad-web`, run by `onnxruntime-web` (wasm,
 *   one thread); 32 ms frames; asynchronous (the runtime's API is). The most accurate in noise (`npm run bench -- vad`).
 * - `webrtc`: the WebRTC VAD (libfvad, BSD) compiled to wasm, `@echogarden/fvad-wasm`; 30 ms frames, decisions 0/1.
 * - `energy`: the segmenter's rule, no dependency: 10 ms frames whose energy is `thresholdDb` above a running noise
 *   floor (the 10th percentile of the last 30 s) and above `absoluteFloorDb`.
 * The packages are loaded on first use only. Decisions follow Silero's hysteresis: a frame starts speech at
 * probability >= `threshold` and speech goes on until the probability falls below `negThreshold`.
 */

export type VadKind = 'silero' | 'webrtc' | 'energy';
export const VAD_KINDS: readonly VadKind[] = ['silero', 'webrtc', 'energy'];
/** The only rate the detectors take. */
export const VAD_SAMPLE_RATE = 16000;

export interface VadOptions {
  kind: VadKind;
  /** Probability at which speech starts (default 0.5). */
  threshold?: number;
  /** Probability below which speech ends (default threshold - 0.15, Silero's rule; at least 0.01). */
  negThreshold?: number;
  /** silero: which model of the package (default 'v6': more accurate and cheaper here than v5). */
  model?: 'v5' | 'v6';
  /** webrtc: aggressiveness 0 (least) .. 3 (most eager to call a frame non-speech); default 2 (best F1 measured). */
  mode?: 0 | 1 | 2 | 3;
  /** webrtc: frame length in ms (10, 20 or 30; default 30). */
  frameMs?: 10 | 20 | 30;
  /** energy: dB above the noise floor that counts as speech (default 12). */
  thresholdDb?: number;
  /** energy: frames quieter than this (dBFS) are never speech (default -55). */
  absoluteFloorDb?: number;
  /**
   * energy: frames heard before the noise floor is first estimated; until then only the absolute floor applies
   * (default 0: estimated from the first frame on, which calls speech at the very start of a stream noise).
   */
  floorLearnFrames?: number;
}

/** Per-frame results, in order: `probs[i]` in [0, 1], `speech[i]` 1 for speech (after the hysteresis). */
export interface VadFrames {
  probs: Float32Array;
  speech: Uint8Array;
}

export interface Vad {
  readonly kind: VadKind;
  /** Samples (at 16 kHz) per decision. */
  readonly frameSamples: number;
  /** Seconds per decision. */
  readonly frameDuration: number;
  /** true when acceptSync/flushSync work (webrtc, energy); silero answers only asynchronously. */
  readonly synchronous: boolean;
  /** Frames decided since the start (or the last reset). */
  readonly frames: number;
  /** Feeds 16 kHz mono samples in [-1, 1); resolves to the frames they complete (calls are queued in order). */
  accept(samples: Float32Array | Float64Array): Promise<VadFrames>;
  /** Ends the input: the partial last frame, zero-padded, if any. */
  flush(): Promise<VadFrames>;
  /** accept() for the synchronous kinds; throws for silero. */
  acceptSync(samples: Float32Array | Float64Array): VadFrames;
  flushSync(): VadFrames;
  /** Starts a new stream (detector state, partial frame and counts). */
  reset(): void;
  dispose(): void;
}

/** A frame-level detector: the speech probability of each frame of `frameSamples` samples. */
interface FrameDetector {
  frameSamples: number;
  /** Synchronous detectors. */
  run?: (frame: Float32Array) => number;
  /** Asynchronous ones. */
  runAsync?: (frame: Float32Array) => Promise<number>;
  reset(): void;
  dispose(): void;
}

/** Validates a kind given as text (a CLI flag): one clear error for anything else. */
export function parseVadKind(s: string): VadKind {
  if ((VAD_KINDS as readonly string[]).includes(s)) return s as VadKind;
  throw new AsrError(`--vad: unknown voice activity detector '${s}' (expected ${VAD_KINDS.join(', ')})`);
}

/** Loads a detector (the package behind it on first use) and wraps it for incremental use. */
export async function createVad(opts: VadOptions): Promise<Vad> {
  const kind = parseVadKind(String(opts.kind));
  const threshold = opts.threshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) throw new AsrError(`vad: threshold must be in (0, 1], got ${threshold}`);
  const negThreshold = opts.negThreshold ?? Math.max(0.01, threshold - 0.15);
  if (!(negThreshold > 0 && negThreshold <= threshold)) throw new AsrError(`vad: negThreshold must be in (0, threshold], got ${negThreshold}`);
  const det = kind === 'silero' ? await sileroDetector(opts.model ?? 'v6') : kind === 'webrtc' ? await webrtcDetector(opts.mode ?? 2, opts.frameMs ?? 30) : energyDetector(opts);
  return wrapDetector(kind, det, threshold, negThreshold);
}

/**
 * The energy VAD built synchronously (it needs no package): what the streaming recognizer gates utterances with
 * when it is given no detector.
 */
export function createEnergyVad(opts: Omit<VadOptions, 'kind'> = {}): Vad {
  return wrapDetector('energy', energyDetector({ floorLearnFrames: 50, ...opts, kind: 'energy' }), 0.5, 0.35);
}

function wrapDetector(kind: VadKind, det: FrameDetector, threshold: number, negThreshold: number): Vad {
  const n = det.frameSamples;
  const framer = createFramer(n);
  let frames = 0;
  let inSpeech = false;
  let queue: Promise<unknown> = Promise.resolve();
  let disposed = false;

  const decide = (p: number): number => {
    inSpeech = inSpeech ? p >= negThreshold : p >= threshold;
    return inSpeech ? 1 : 0;
  };
  /** The complete frames in `samples` (after the held partial frame), each copied once. */
  const framesOf = (samples: Float32Array | Float64Array, pad: boolean): Float32Array[] => {
    if (disposed) throw new AsrError('vad: used after dispose()');
    const out: Float32Array[] = [];
    framer.push(samples, (f) => out.push(f.slice()));
    const rest = framer.pending;
    if (pad && rest.length > 0) {
      const last = new Float32Array(n);
      last.set(rest);
      out.push(last);
      framer.clear();
    }
    return out;
  };
  const collect = (probs: number[]): VadFrames => {
    const speech = new Uint8Array(probs.length);
    for (let i = 0; i < probs.length; i++) speech[i] = decide(probs[i]);
    frames += probs.length;
    return { probs: Float32Array.from(probs), speech };
  };
  const runSync = (fs: Float32Array[]): VadFrames => {
    const run = det.run;
    if (run === undefined) throw new AsrError(`vad: ${kind} decides asynchronously: use accept()/flush(), not the Sync forms`);
    return collect(fs.map(run));
  };
  const runAsync = (fs: Float32Array[]): Promise<VadFrames> => {
    const next = queue.then(async () => {
      if (det.run !== undefined) return collect(fs.map(det.run));
      const probs: number[] = [];
      for (const f of fs) probs.push(await (det.runAsync as (frame: Float32Array) => Promise<number>)(f));
      return collect(probs);
    });
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    kind,
    frameSamples: n,
    frameDuration: n / VAD_SAMPLE_RATE,
    synchronous: det.run !== undefined,
    get frames() {
      return frames;
    },
    accept: (samples) => runAsync(framesOf(samples, false)),
    flush: () => runAsync(framesOf(new Float32Array(0), true)),
    acceptSync: (samples) => runSync(framesOf(samples, false)),
    flushSync: () => runSync(framesOf(new Float32Array(0), true)),
    reset() {
      det.reset();
      framer.clear();
      frames = 0;
      inSpeech = false;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      det.dispose();
    },
  };
}

// ---- energy ------------------------------------------------------------------------------------------------------

/** Recent frames the noise floor is estimated over (30 s of 10 ms frames). */
const FLOOR_HISTORY = 3000;

/** Mean power of a frame in dB (full scale 0 dB). */
export function frameDb(frame: Float32Array | Float64Array, length = frame.length): number {
  let e = 0;
  for (let i = 0; i < length; i++) e += frame[i] * frame[i];
  return 10 * Math.log10(e / length + 1e-12);
}

export interface EnergyRule {
  /** Adds a frame's dB to the noise-floor history and says whether it is speech. */
  push(db: number): boolean;
  /** Whether a frame of this dB is speech, leaving the history as it is. */
  test(db: number): boolean;
  reset(): void;
}

/**
 * The energy rule of the segmenter and the `energy` VAD: speech when the frame's dB is `thresholdDb` above the noise
 * floor (10th percentile of the last 30 s of frames, recomputed every 50 frames) and above `absoluteFloorDb`.
 */
export function createEnergyRule(opts: { thresholdDb?: number; absoluteFloorDb?: number; floorLearnFrames?: number } = {}): EnergyRule {
  const thresholdDb = opts.thresholdDb ?? 12;
  const learn = opts.floorLearnFrames ?? 0;
  const absFloor = opts.absoluteFloorDb ?? -55;
  const history = new Float32Array(FLOOR_HISTORY);
  let historyLen = 0;
  let historyPos = 0;
  let floor = -100;
  let sinceFloor = 0;
  const test = (db: number): boolean => db > absFloor && db > floor + thresholdDb;
  return {
    push(db) {
      history[historyPos] = db;
      historyPos = (historyPos + 1) % FLOOR_HISTORY;
      historyLen = Math.min(FLOOR_HISTORY, historyLen + 1);
      if (historyLen < learn) return test(db);
      if (++sinceFloor >= 50 || historyLen < 50) {
        sinceFloor = 0;
        const a = history.slice(0, historyLen).sort();
        floor = a[Math.floor(historyLen * 0.1)];
      }
      return test(db);
    },
    test,
    reset() {
      historyLen = 0;
      historyPos = 0;
      floor = -100;
      sinceFloor = 0;
    },
  };
}

function energyDetector(opts: VadOptions): FrameDetector {
  const rule = createEnergyRule(opts);
  return {
    frameSamples: VAD_SAMPLE_RATE / 100,
    run: (frame) => (rule.push(frameDb(frame)) ? 1 : 0),
    reset: () => rule.reset(),
    dispose: () => undefined,
  };
}

// ---- package loading ---------------------------------------------------------------------------------------------

const requireHere = createRequire(import.meta.url);

/** Resolves a file of an npm package, or says in one line which package to install. */
function resolvePackageFile(spec: string, pkg: string, kind: VadKind): string {
  try {
    return requireHere.resolve(spec);
  } catch {
    throw new AsrError(`--vad ${kind}: the npm package ${pkg} is not installed (npm install ${pkg})`);
  }
}

// ---- webrtc ------------------------------------------------------------------------------------------------------

/** The parts of the Emscripten libfvad build (`@echogarden/fvad-wasm`) we call. */
interface FvadModule {
  HEAP16: Int16Array;
  _malloc(n: number): number;
  _free(p: number): void;
  _fvad_new(): number;
  _fvad_free(h: number): void;
  _fvad_reset(h: number): void;
  _fvad_set_mode(h: number, mode: number): number;
  _fvad_set_sample_rate(h: number, rate: number): number;
  _fvad_process(h: number, frame: number, length: number): number;
}

let fvadModule: Promise<FvadModule> | undefined;

async function webrtcDetector(mode: number, frameMs: number): Promise<FrameDetector> {
  if (![0, 1, 2, 3].includes(mode)) throw new AsrError(`vad: webrtc mode must be 0-3, got ${mode}`);
  if (![10, 20, 30].includes(frameMs)) throw new AsrError(`vad: webrtc frames are 10, 20 or 30 ms, got ${frameMs}`);
  const js = resolvePackageFile('@echogarden/fvad-wasm', '@echogarden/fvad-wasm', 'webrtc');
  fvadModule ??= (async () => {
    const factory = ((await import(js)) as { default: () => Promise<FvadModule> }).default;
    return factory();
  })();
  const m = await fvadModule;
  const n = (VAD_SAMPLE_RATE * frameMs) / 1000;
  let h = m._fvad_new();
  if (h === 0) throw new AsrError('vad: webrtc: fvad_new failed');
  const setup = (): void => {
    if (m._fvad_set_sample_rate(h, VAD_SAMPLE_RATE) !== 0 || m._fvad_set_mode(h, mode) !== 0) throw new AsrError('vad: webrtc: bad rate or mode');
  };
  setup();
  const buf = m._malloc(n * 2);
  return {
    frameSamples: n,
    run(frame) {
      // the heap may grow (and HEAP16 be replaced) between calls: look it up each time
      const heap = m.HEAP16;
      const o = buf >> 1;
      for (let i = 0; i < n; i++) {
        const v = Math.round(frame[i] * 32768);
        heap[o + i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
      }
      const r = m._fvad_process(h, buf, n);
      if (r < 0) throw new AsrError('vad: webrtc: fvad_process failed');
      return r;
    },
    reset() {
      m._fvad_reset(h);
      setup();
    },
    dispose() {
      if (h !== 0) {
        m._fvad_free(h);
        m._free(buf);
        h = 0;
      }
    },
  };
}

// ---- silero ------------------------------------------------------------------------------------------------------

/** Samples of the previous frame prepended to each frame (Silero's OnnxWrapper does so at 16 kHz). */
const SILERO_CONTEXT = 64;
const SILERO_FRAME = 512;

let ortModule: Promise<typeof Ort> | undefined;

async function loadOrt(): Promise<typeof Ort> {
  resolvePackageFile('onnxruntime-web', 'onnxruntime-web', 'silero');
  ortModule ??= (async () => {
    const ort = (await import('onnxruntime-web')) as typeof Ort;
    // one thread, no worker: the recognizer has the other cores
    ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    return ort;
  })();
  return ortModule;
}

async function sileroDetector(model: 'v5' | 'v6'): Promise<FrameDetector> {
  if (model !== 'v5' && model !== 'v6') throw new AsrError(`vad: silero model must be v5 or v6, got ${String(model)}`);
  const file = resolvePackageFile(`@ricky0123/vad-web/dist/silero_vad_${model}.onnx`, '@ricky0123/vad-web', 'silero');
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(await readFile(file), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(VAD_SAMPLE_RATE)]), []);
  // state: [2, 1, 128]; input: [1, context + frame]
  let state: Ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  const input = new Float32Array(SILERO_CONTEXT + SILERO_FRAME);
  return {
    frameSamples: SILERO_FRAME,
    async runAsync(frame) {
      input.copyWithin(0, SILERO_FRAME, SILERO_FRAME + SILERO_CONTEXT);
      input.set(frame, SILERO_CONTEXT);
      const out = await session.run({ input: new ort.Tensor('float32', input.slice(), [1, input.length]), state, sr });
      state = out.stateN;
      return (out.output.data as Float32Array)[0];
    },
    reset() {
      state = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
      input.fill(0);
    },
    dispose() {
      void session.release();
    },
  };
}

/**
 * VAD decisions over a stream, for the questions its users ask: is the audio at sample s speech (the segmenter),
 * and where did the last speech end (the endpoint rules). Keeps the last `keep` frames' decisions.
 */
export class VadTrack {
  /** Frames pushed. */
  frames = 0;
  /** End (in samples from the stream start) of the last speech frame; -1 before any. */
  lastSpeechEnd = -1;
  private readonly recent: Uint8Array;

  constructor(
    readonly frameSamples: number,
    private readonly keep = 65536,
  ) {
    this.recent = new Uint8Array(keep);
  }

  /** Samples covered by the frames pushed. */
  get covered(): number {
    return this.frames * this.frameSamples;
  }

  push(f: VadFrames): void {
    for (let i = 0; i < f.speech.length; i++) {
      this.recent[this.frames % this.keep] = f.speech[i];
      this.frames++;
      if (f.speech[i]) this.lastSpeechEnd = this.frames * this.frameSamples;
    }
  }

  /** The decision of the frame holding `sample`; past the covered audio, that of the last frame. */
  speechAt(sample: number): boolean {
    if (this.frames === 0) return false;
    const f = Math.min(Math.floor(sample / this.frameSamples), this.frames - 1);
    if (f < this.frames - this.keep) throw new AsrError(`vad: decision for sample ${sample} is no longer kept`);
    return this.recent[f % this.keep] === 1;
  }

  reset(): void {
    this.frames = 0;
    this.lastSpeechEnd = -1;
  }
}
