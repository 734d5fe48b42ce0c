import type { EngineName, TtsEngine } from './engine.js';
import { createEspeakEngine } from './espeak.js';
import { createFliteEngine } from './flite.js';
import { createGnuSpeechEngine } from './gnuspeech.js';
import { createFestivalEngine } from './festival.js';

export * from './engine.js';
export { ESPEAK_RATE, ESPEAK_DEFAULTS, listEspeakVoices } from './espeak.js';
export { FLITE_VOICES, listFliteVoices } from './flite.js';
export { GNUSPEECH_VOICES } from './gnuspeech.js';
export { festivalVoiceInstalled } from './festival.js';
export { withPinnedEntropy } from './determinism.js';
export { runWasiCommand, type WasiRunResult } from './wasi.js';

const engines = new Map<EngineName, TtsEngine>();

/** The engine object for a name (created once per thread; engines load their modules lazily). */
export function engineFor(name: EngineName): TtsEngine {
  let e = engines.get(name);
  if (!e) {
    switch (name) {
      case 'espeak':
        e = createEspeakEngine();
        break;
      case 'flite':
        e = createFliteEngine();
        break;
      case 'gnuspeech':
        e = createGnuSpeechEngine();
        break;
      case 'festival':
        e = createFestivalEngine();
        break;
      default:
        throw new Error(`${name}: this engine is not wired up`);
    }
    engines.set(name, e);
  }
  return e;
}
