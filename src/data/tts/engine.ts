import { decodeAudio, monoOf } from '../../audio/index.js';

/** The synthesizers `asr data synth` drives. `npm` ones install with the package; `debian` ones are optional extras. */
export type EngineName = 'espeak' | 'flite' | 'gnuspeech' | 'festival' | 'pico' | 'rhvoice' | 'espeak-mbrola';

/** Mono audio as an engine produced it, floats in [-1, 1) at the engine's own rate. */
export interface EngineAudio {
  /** [numSamples] */
  samples: Float32Array;
  sampleRate: number;
}

/**
 * Engine-specific controls (speaking rate, pitch, ...), named as the engine names them and recorded as-is in the
 * manifest, so a rendering can be repeated exactly.
 */
export type EngineParams = Record<string, number>;

export interface TtsEngine {
  readonly name: EngineName;
  /**
   * Renders `text` with `voice` (the engine's own voice name). `seed` pins whatever randomness the engine has, so
   * the result depends only on the arguments.
   */
  synthesize(text: string, voice: string, params: EngineParams, seed: number): Promise<EngineAudio>;
}

/** Decodes the WAV bytes an engine wrote (through src/audio, so any WAV layout an engine picks is read right). */
export async function engineAudioFromWav(bytes: Uint8Array, what: string): Promise<EngineAudio> {
  const audio = await decodeAudio(bytes, what);
  return { samples: Float32Array.from(monoOf(audio.channels, undefined, what)), sampleRate: audio.sampleRate };
}
