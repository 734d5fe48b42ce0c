/**
 * Word times from CTC alignments are where the model fired, not where the word was said: a CTC model emits each
 * token on one or two frames, often late in the word, so a model with one token per word (word pieces) gives
 * 40 ms words, and a character model gives spans that miss the word's onset. This widens each word over the
 * speech around it, using the segment's frame energies:
 * - backwards from its first frame while the audio is speech, but not before the midpoint between the previous
 *   word's last frame and its own first;
 * - forwards from its last frame while the audio is speech, but not past the midpoint to the next word's first.
 * In connected speech neighbouring words then meet halfway between their firings; around a pause a word stops at
 * the silence. Words never overlap, and never leave the segment.
 */

import { frameDb } from '../stream/vad.js';

/** A word with times in seconds (any origin: `offset` says where the samples start). */
export interface TimedWord {
  start: number;
  end: number;
}

const FRAME_SECONDS = 0.01;

/** Per-10 ms frame level in dB (the energy VAD's measure). @param samples [n] @returns [ceil(n / frame)] */
function frameLevels(samples: Float32Array | Float64Array, sampleRate: number): Float64Array {
  const n = Math.max(1, Math.round(FRAME_SECONDS * sampleRate));
  return Float64Array.from({ length: Math.ceil(samples.length / n) }, (_, f) => frameDb(samples.subarray(f * n, Math.min(samples.length, (f + 1) * n))));
}

/**
 * Which frames are speech: above the segment's noise floor (10th percentile of the levels) by a quarter of the
 * floor-to-peak range, at least 6 dB.
 */
export function speechFrames(samples: Float32Array | Float64Array, sampleRate: number): Uint8Array {
  const lv = frameLevels(samples, sampleRate);
  const sorted = Float64Array.from(lv).sort();
  const floor = sorted[Math.floor(0.1 * (sorted.length - 1))];
  const peak = sorted[sorted.length - 1];
  const threshold = floor + Math.max(6, 0.25 * (peak - floor));
  return Uint8Array.from(lv, (v) => (v > threshold ? 1 : 0));
}

/**
 * Widens word spans over the speech around them (see the file comment). `offset` is the time of the first
 * sample, in the words' time base. Returns new objects; the input is not changed.
 */
export function widenWordSpans<W extends TimedWord>(words: W[], samples: Float32Array | Float64Array, sampleRate: number, offset = 0): W[] {
  if (words.length === 0 || samples.length === 0) return words.map((w) => ({ ...w }));
  const speech = speechFrames(samples, sampleRate);
  const F = speech.length;
  const duration = samples.length / sampleRate;
  const frameOf = (t: number): number => Math.min(F, Math.max(0, Math.round((t - offset) / FRAME_SECONDS)));
  return words.map((w, i) => {
    const lo = i > 0 ? frameOf((words[i - 1].end + w.start) / 2) : 0;
    const hi = i + 1 < words.length ? frameOf((w.end + words[i + 1].start) / 2) : F;
    let s = frameOf(w.start);
    let e = frameOf(w.end);
    while (s > lo && speech[s - 1] === 1) s--;
    while (e < hi && speech[e] === 1) e++;
    const start = Math.min(w.start, offset + Math.min(s * FRAME_SECONDS, duration));
    const end = Math.max(w.end, offset + Math.min(e * FRAME_SECONDS, duration));
    return { ...w, start, end };
  });
}
