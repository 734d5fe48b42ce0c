import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { withPinnedEntropy } from './determinism.js';
import { snapshotHeap } from './snapshot.js';
import type { EngineAudio, EngineParams, TtsEngine } from './engine.js';

/** The parts of the Emscripten eSpeak NG build (`@echogarden/espeak-ng-emscripten`) we call. */
interface EspeakWorker {
  set_voice(name: string): number;
  set_rate(wpm: number): number;
  set_pitch(pitch: number): number;
  set_range(range: number): number;
  synthesize(text: string, cb: (samples: Int16Array | null, events: unknown[]) => number): void;
  list_voices(): { identifier: string; name: string; languages: { name: string }[] }[];
}
interface EspeakModule {
  eSpeakNGWorker: new () => EspeakWorker;
  HEAPU8: Uint8Array;
}
type EspeakFactory = (opts: { getPreloadedPackage: (name: string, size: number) => ArrayBuffer }) => Promise<EspeakModule>;

const PACKAGE = '@echogarden/espeak-ng-emscripten';
/** eSpeak NG renders at 22.05 kHz. */
export const ESPEAK_RATE = 22050;
/** Defaults of the eSpeak NG API: words per minute, pitch and pitch range (0-100). */
export const ESPEAK_DEFAULTS = { wpm: 175, pitch: 50, range: 50 };

let loaded: Promise<{ factory: EspeakFactory; data: ArrayBuffer }> | undefined;

/** Loads the module factory and its 24 MB data package once. */
function load(): Promise<{ factory: EspeakFactory; data: ArrayBuffer }> {
  loaded ??= (async () => {
    const spec: string = PACKAGE;
    const mod = (await import(spec)) as { default: EspeakFactory };
    const require = createRequire(import.meta.url);
    const bytes = await readFile(require.resolve(`${PACKAGE}/espeak-ng.data`));
    // The data files are only ever read, so instances can own (share) this one buffer without copying.
    const data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return { factory: mod.default, data };
  })();
  return loaded;
}

/** One instance per thread, with the memory snapshot that resets it to its just-started state. */
let instance: Promise<{ worker: EspeakWorker; reset: () => void }> | undefined;

function getInstance(): Promise<{ worker: EspeakWorker; reset: () => void }> {
  instance ??= (async () => {
    const { factory, data } = await load();
    // start-up seeds rand() from time(): pinned, so the snapshot is the same in every process
    return withPinnedEntropy(0, async () => {
      const m = await factory({ getPreloadedPackage: () => data });
      const worker = new m.eSpeakNGWorker();
      return { worker, reset: snapshotHeap(m) };
    });
  })();
  return instance;
}

/**
 * eSpeak NG, from npm. Voice names are eSpeak's: a language (`en-us`) optionally with a variant (`en-us+f3`).
 * params: `wpm` (words per minute, 175), `pitch` and `range` (0-100, 50). An instance carries state from one text to
 * the next (rand() for breath noise, intonation history), so before each utterance its memory is reset to the
 * just-started snapshot: the audio then depends only on the arguments, never on what was rendered before.
 */
export function createEspeakEngine(): TtsEngine {
  return {
    name: 'espeak',
    async synthesize(text: string, voice: string, params: EngineParams, seed: number): Promise<EngineAudio> {
      const { worker: w, reset } = await getInstance();
      return withPinnedEntropy(seed, () => {
        reset();
        if (w.set_voice(voice) !== 0) throw new Error(`espeak: voice '${voice}' not found`);
        w.set_rate(Math.round(params.wpm ?? ESPEAK_DEFAULTS.wpm));
        w.set_pitch(Math.round(params.pitch ?? ESPEAK_DEFAULTS.pitch));
        w.set_range(Math.round(params.range ?? ESPEAK_DEFAULTS.range));
        const chunks: Int16Array[] = [];
        let total = 0;
        w.synthesize(text, (samples) => {
          if (samples && samples.length > 0) {
            chunks.push(samples);
            total += samples.length;
          }
          return 0;
        });
        const out = new Float32Array(total);
        let o = 0;
        for (const c of chunks) {
          for (let i = 0; i < c.length; i++) out[o + i] = c[i] / 32768;
          o += c.length;
        }
        return { samples: out, sampleRate: ESPEAK_RATE };
      });
    },
  };
}

/** The eSpeak NG voices (identifier and languages), for listing. */
export async function listEspeakVoices(): Promise<{ identifier: string; name: string; languages: string[] }[]> {
  const { worker } = await getInstance();
  return worker.list_voices().map((v) => ({ identifier: v.identifier, name: v.name, languages: v.languages.map((l) => l.name) }));
}
