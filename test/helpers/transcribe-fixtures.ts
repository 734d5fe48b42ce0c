import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createModel, modelConfig, saveModel, disposeModel } from '../../src/model/index.js';
import { encodeWav, resample } from '../../src/audio/index.js';
import { createFliteEngine } from '../../src/data/tts/flite.js';

export const TINY_TOKENS = ['<blank>', '|', "'", ...'abcdefghijklmnopqrstuvwxyz'];

/**
 * A tiny random Conformer-CTC model directory. The CTC head is scaled up so the random model emits tokens and
 * word delimiters (a model that only emits blanks would leave word times untested).
 */
export async function writeTinyModel(dir: string, seed = 7): Promise<void> {
  const m = createModel(
    modelConfig({
      inputDim: 80,
      subsampling: { type: 'conv2d', factor: 4, channels: 8 },
      dModel: 16,
      numLayers: 1,
      numHeads: 2,
      ffnDim: 32,
      convKernel: 7,
      vocabSize: TINY_TOKENS.length,
    }),
    seed,
  );
  const w = m.params.get('ctc_head.weight') as tf.Variable;
  tf.tidy(() => w.assign(w.mul(20)));
  await saveModel(dir, m, TINY_TOKENS);
  disposeModel(m);
}

/** Real synthesized speech (flite awb, not a reserved voice) at 16 kHz. */
export async function speech(text: string, voice = 'awb'): Promise<Float32Array> {
  const a = await createFliteEngine().synthesize(text, voice, {}, 0);
  return a.sampleRate === 16000 ? a.samples : Float32Array.from(resample(a.samples, a.sampleRate, 16000));
}

export function writeWavFile(path: string, samples: Float32Array, rate = 16000): void {
  writeFileSync(path, encodeWav(samples, rate));
}

/** Deterministic low-level noise (a floor the segmenter must learn), amplitude `amp`. */
export function noise(n: number, amp: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = amp * (((s >>> 0) / 4294967296) * 2 - 1);
  }
  return out;
}

/**
 * Concatenates utterances with silences between them (plus a noise floor) up to about `seconds`; returns the signal
 * and where each utterance's samples lie.
 */
export function speechWithPauses(utterances: Float32Array[], seconds: number, rate = 16000): { samples: Float32Array; spans: [number, number][] } {
  const total = Math.round(seconds * rate);
  const out = noise(total, 0.001);
  const spans: [number, number][] = [];
  let pos = Math.round(1.3 * rate);
  let k = 0;
  while (true) {
    const u = utterances[k % utterances.length];
    if (pos + u.length >= total) break;
    for (let i = 0; i < u.length; i++) out[pos + i] += u[i];
    spans.push([pos, pos + u.length]);
    // pauses from 1 s to 6.5 s, and a long 20 s stretch of silence once
    const pause = k === 5 ? 20 : 1 + ((k * 7) % 12) * 0.5;
    pos += u.length + Math.round(pause * rate);
    k++;
  }
  return { samples: out, spans };
}

export function tmpSubdir(root: string, name: string): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  return d;
}

/**
 * Four short digit utterances by two "speakers" in `dir` (u0-u3.wav): even ones flite awb clean, odd ones rms louder
 * with noise. Returns the paths and texts.
 */
export async function writeTwoVoiceClips(dir: string): Promise<{ paths: string[]; texts: string[]; voices: string[] }> {
  const texts = ['nine oh one', 'three', 'six six eight zero', 'five two'];
  const voices = texts.map((_, i) => (i % 2 ? 'rms' : 'awb'));
  const paths: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    const p = join(dir, `u${i}.wav`);
    const s = await speech(texts[i], voices[i]);
    const n = noise(s.length, 0.02, i + 1);
    writeWavFile(p, i % 2 ? s.map((x, k) => 1.5 * x + n[k]) : s);
    paths.push(p);
  }
  return { paths, texts, voices };
}
