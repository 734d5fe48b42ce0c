import { resample } from '../audio/index.js';
import { createRng } from '../util/random.js';
import { applyAugmentation, augmentationRecord, type ChannelAugmentation } from './augment/chain.js';
import { speedPerturb } from './augment/speed.js';
import { frequencyWarp } from './augment/warp.js';
import { deriveSeed } from './seed.js';
import { engineFor, type EngineParams } from './tts/index.js';
import { findVoice } from './voices.js';

/** Every synthesized corpus is 16 kHz mono. */
export const SYNTH_RATE = 16000;

/**
 * Everything needed to render one utterance, decided up front by the plan (synth-plan.ts) so that rendering is a
 * pure function of the task: workers, resumed runs and reruns all produce the same bytes.
 */
export interface SynthTask {
  /** Utterance id, e.g. `000123-2` (line 123, replica 2). */
  id: string;
  /** 1-based line of the text file. */
  line: number;
  replica: number;
  /** What the voice is given (normalized, punctuation kept). */
  spoken: string;
  /** The manifest's text. */
  transcript: string;
  voiceId: string;
  speakerId: string;
  params: EngineParams;
  speed: number;
  warp: number;
  augmentation: ChannelAugmentation;
  /** The utterance's own seed (engine randomness, noise and room samples). */
  seed: number;
  /** WAV path relative to the corpus folder. */
  wav: string;
}

/**
 * Renders a task to 16 kHz: synthesize at the engine's rate, resample, speed-perturb, warp, then the channel.
 * @returns [n] samples at {@link SYNTH_RATE}
 */
export async function renderTask(task: SynthTask): Promise<Float32Array> {
  const voice = findVoice(task.voiceId);
  if (!voice) throw new Error(`unknown voice '${task.voiceId}'`);
  const audio = await engineFor(voice.engine).synthesize(task.spoken, voice.engineVoice, task.params, deriveSeed(task.seed, 'engine'));
  if (audio.samples.length === 0) throw new Error(`${voice.id} produced no audio`);
  let x = audio.sampleRate === SYNTH_RATE ? audio.samples : Float32Array.from(resample(audio.samples, audio.sampleRate, SYNTH_RATE));
  if (task.speed !== 1) x = speedPerturb(x, SYNTH_RATE, task.speed);
  if (task.warp !== 1) x = frequencyWarp(x, task.warp);
  return applyAugmentation(x, SYNTH_RATE, task.augmentation, createRng(deriveSeed(task.seed, 'channel')));
}

/** The manifest line of a rendered task (NeMo fields first, then how it was made). */
export function manifestRecord(task: SynthTask, numSamples: number): Record<string, unknown> {
  const voice = findVoice(task.voiceId);
  return {
    audio_filepath: task.wav,
    duration: numSamples / SYNTH_RATE,
    text: task.transcript,
    speaker: task.speakerId,
    voice: task.voiceId,
    engine: voice?.engine,
    license: voice?.license.id,
    synth: task.params,
    speed: task.speed,
    warp: task.warp,
    augment: augmentationRecord(task.augmentation),
    line: task.line,
  };
}
