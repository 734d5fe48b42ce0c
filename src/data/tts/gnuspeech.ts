import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { withPinnedEntropy } from './determinism.js';
import { snapshotHeap } from './snapshot.js';
import { wasmApi, type WasmImports, type WasmInstance, type WasmModule } from './wasm-api.js';
import { engineAudioFromWav, type EngineAudio, type EngineParams, type TtsEngine } from './engine.js';

/** The parts of the Emscripten GnuSpeech build (`@echogarden/gnuspeech-wasm`) we call. */
interface GnuSpeechModule {
  FS: { readFile(path: string, opts: { encoding: 'utf8' }): string; readFile(path: string): Uint8Array; writeFile(path: string, data: string): void };
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _GnuSpeech_synthesizeToFile(text: number, wavPath: number, configDir: number, paramPath: number, debug: number): void;
}
type GnuSpeechFactory = (opts: {
  instantiateWasm: (imports: WasmImports, done: (instance: WasmInstance, module: WasmModule) => void) => object;
}) => Promise<GnuSpeechModule>;

const PACKAGE = '@echogarden/gnuspeech-wasm';
const DATA_DIR = '/data/en';
/** The articulatory voices GnuSpeech ships. */
export const GNUSPEECH_VOICES = ['male', 'female', 'large_child', 'small_child', 'baby'] as const;

let loaded: Promise<{ factory: GnuSpeechFactory; wasm: WasmModule; control: string }> | undefined;

function load(): Promise<{ factory: GnuSpeechFactory; wasm: WasmModule; control: string }> {
  loaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const js: string = require.resolve(`${PACKAGE}/wasm/gnuspeech.js`);
    const mod = (await import(js)) as { default: GnuSpeechFactory };
    const wasm = await wasmApi.compile(await readFile(js.replace(/\.js$/, '.wasm')));
    const util: string = require.resolve(`${PACKAGE}/dist/utilities/DefaultTrmControlModel.js`);
    const { defaultTrmControlModelFileContent: control } = (await import(util)) as { defaultTrmControlModelFileContent: string };
    return { factory: mod.default, wasm, control };
  })();
  return loaded;
}

/** Replaces `key = value` in a GnuSpeech config text (the key must be there: the files are the package's own). */
function setValue(config: string, key: string, value: number | string): string {
  const re = new RegExp(`^${key}\\s*=.*$`, 'm');
  if (!re.test(config)) throw new Error(`gnuspeech: config has no '${key}'`);
  return config.replace(re, `${key} = ${value}`);
}

/** One instance per thread: the module, its pristine voice files, and the snapshot that resets its memory. */
let instance: Promise<{ m: GnuSpeechModule; control: string; voices: Map<string, string>; reset: () => void }> | undefined;

function getInstance(): Promise<{ m: GnuSpeechModule; control: string; voices: Map<string, string>; reset: () => void }> {
  instance ??= (async () => {
    const { factory, wasm, control } = await load();
    return withPinnedEntropy(0, async () => {
      const m = await factory({
        instantiateWasm(imports, done) {
          void wasmApi.instantiate(wasm, imports).then((inst) => done(inst, wasm));
          return {};
        },
      });
      const voices = new Map(GNUSPEECH_VOICES.map((v) => [v, m.FS.readFile(`${DATA_DIR}/voice_${v}.txt`, { encoding: 'utf8' })]));
      return { m, control, voices, reset: snapshotHeap(m) };
    });
  })();
  return instance;
}

/**
 * GnuSpeech, an articulatory (tube-model) synthesizer, from npm, at 44.1 kHz. Its voices are vocal-tract models, so
 * a real vocal-tract-length change is possible here. params:
 * - `tempo` (> 1 faster), `pitch_offset` (semitones, added to the model's -4),
 * - `vtl_scale` (multiplies the voice's vocal tract length), `breathiness` (percent).
 * Its intonation drift draws from std::random_device (seeded here) and its memory is reset to the just-started
 * snapshot before each utterance, so the audio depends only on the arguments. The config and voice files it reads
 * are written afresh each time from pristine copies.
 */
export function createGnuSpeechEngine(): TtsEngine {
  return {
    name: 'gnuspeech',
    async synthesize(text: string, voice: string, params: EngineParams, seed: number): Promise<EngineAudio> {
      if (!(GNUSPEECH_VOICES as readonly string[]).includes(voice)) throw new Error(`gnuspeech: unknown voice '${voice}'`);
      const { m, control, voices, reset } = await getInstance();
      const wav = await withPinnedEntropy(seed, () => {
        reset();
        let config = setValue(control, 'voice_name', voice);
        config = setValue(config, 'tempo', params.tempo ?? 1);
        config = setValue(config, 'pitch_offset', -4 + (params.pitch_offset ?? 0));
        m.FS.writeFile(`${DATA_DIR}/trm_control_model.txt`, config);
        let voiceText = voices.get(voice) as string;
        const vtl = Number(/^vocal_tract_length\s*=\s*([\d.]+)/m.exec(voiceText)?.[1]);
        if (params.vtl_scale !== undefined && Number.isFinite(vtl)) {
          voiceText = setValue(voiceText, 'vocal_tract_length', (vtl * params.vtl_scale).toFixed(3));
        }
        if (params.breathiness !== undefined) voiceText = setValue(voiceText, 'breathiness', params.breathiness);
        m.FS.writeFile(`${DATA_DIR}/voice_${voice}.txt`, voiceText);
        const str = (s: string): number => {
          const b = new TextEncoder().encode(`${s}\0`);
          const p = m._malloc(b.length);
          m.HEAPU8.set(b, p);
          return p;
        };
        m._GnuSpeech_synthesizeToFile(str(text), str('/utt.wav'), str(DATA_DIR), str('/utt-params.txt'), 0);
        return m.FS.readFile('/utt.wav');
      });
      return engineAudioFromWav(wav, `gnuspeech ${voice}`);
    },
  };
}
