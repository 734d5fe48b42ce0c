/**
 * Cuts a stream of audio into speech segments at pauses, so a long recording is recognised a bounded piece at a
 * time. Energy-based: 10 ms frames are speech when their energy rises `thresholdDb` above a running noise floor
 * (a low percentile of the recent frames) and above an absolute floor. A segment ends in the middle of a pause of
 * at least `minSilence` seconds once it holds `minSegment` seconds, or at the quietest frame of its last part when it
 * reaches `maxSegment`; stretches with no speech frame are dropped without being recognised. With `speechAt` (a
 * voice activity detector's decisions, src/stream/vad.ts) the frames' speech/non-speech comes from there instead.
 */
import { createEnergyRule, frameDb } from '../stream/vad.js';
import { createFramer } from '../audio/framer.js';

export interface SegmenterOptions {
  sampleRate?: number;
  /** Longest segment in seconds (bounds memory and attention cost). Default 20. */
  maxSegment?: number;
  /** A segment is not cut at a pause before it is this long (s). Default 2. */
  minSegment?: number;
  /** Shortest pause (s) that ends a segment. Default 0.3. */
  minSilence?: number;
  /** dB above the noise floor that counts as speech. Default 12. */
  thresholdDb?: number;
  /** Frames quieter than this (dBFS) are never speech. Default -55. */
  absoluteFloorDb?: number;
  /** Silence kept before and after the speech of a segment (s). Default 0.2. */
  padding?: number;
  /**
   * Replaces the energy rule: whether the audio at a sample (its index from the start of the input) is speech, e.g.
   * a VAD's decision. Asked once per 10 ms frame, for the frame's centre, after the frame's samples were pushed.
   */
  speechAt?: (sample: number) => boolean;
}

/** A piece of the signal to recognise; `start` is its first sample's index in the whole input. */
export interface AudioSegment {
  start: number;
  samples: Float32Array;
}

export interface Segmenter {
  /** Feeds samples; returns the segments they complete. */
  push(samples: Float32Array | Float64Array): AudioSegment[];
  /** Ends the input; returns the last segment, if it holds speech. */
  flush(): AudioSegment[];
}

const FRAME_SECONDS = 0.01;

export function createSegmenter(opts: SegmenterOptions = {}): Segmenter {
  const rate = opts.sampleRate ?? 16000;
  const frameLen = Math.max(1, Math.round(rate * FRAME_SECONDS));
  const maxFrames = Math.max(10, Math.round((opts.maxSegment ?? 20) / FRAME_SECONDS));
  const minFrames = Math.min(maxFrames, Math.round((opts.minSegment ?? 2) / FRAME_SECONDS));
  const minSilFrames = Math.max(1, Math.round((opts.minSilence ?? 0.3) / FRAME_SECONDS));
  const padFrames = Math.round((opts.padding ?? 0.2) / FRAME_SECONDS);
  const rule = createEnergyRule({ thresholdDb: opts.thresholdDb, absoluteFloorDb: opts.absoluteFloorDb });
  const speechAt = opts.speechAt;

  // The pending audio: whole frames from absolute frame `first`, plus a partial frame being filled.
  let buf = new Float32Array(maxFrames * frameLen + frameLen);
  let bufFrames = 0;
  let first = 0;
  let speech = new Uint8Array(maxFrames + 1);
  let energy = new Float32Array(maxFrames + 1);
  const framer = createFramer(frameLen);
  let silenceRun = 0;
  let speechFrames = 0;

  /** Emits frames [0, upTo) as a segment if any is speech (trimmed to speech +- padding); keeps the rest. */
  const cut = (upTo: number, out: AudioSegment[]): void => {
    let lo = -1;
    let hi = -1;
    for (let i = 0; i < upTo; i++) {
      if (speech[i]) {
        if (lo < 0) lo = i;
        hi = i;
      }
    }
    if (lo >= 0) {
      const a = Math.max(0, lo - padFrames);
      const b = Math.min(upTo, hi + 1 + padFrames);
      out.push({ start: (first + a) * frameLen, samples: buf.slice(a * frameLen, b * frameLen) });
    }
    buf.copyWithin(0, upTo * frameLen, bufFrames * frameLen);
    speech.copyWithin(0, upTo, bufFrames);
    energy.copyWithin(0, upTo, bufFrames);
    bufFrames -= upTo;
    first += upTo;
    speechFrames = 0;
    for (let i = 0; i < bufFrames; i++) speechFrames += speech[i];
  };

  const addFrame = (frame: Float32Array, out: AudioSegment[]): void => {
    const db = frameDb(frame);
    const isSpeech = speechAt !== undefined ? speechAt((first + bufFrames) * frameLen + (frameLen >> 1)) : rule.push(db);
    buf.set(frame, bufFrames * frameLen);
    speech[bufFrames] = isSpeech ? 1 : 0;
    energy[bufFrames] = db;
    bufFrames++;
    if (isSpeech) speechFrames++;
    silenceRun = isSpeech ? 0 : silenceRun + 1;
    if (speechFrames === 0) {
      // nothing to recognise yet: keep only the padding that may precede the next speech
      if (bufFrames > padFrames + 1) cut(bufFrames - padFrames, out);
      return;
    }
    // a long pause ends even a short segment, so silence is not carried along
    if (silenceRun >= minSilFrames && (bufFrames >= minFrames || silenceRun >= 3 * minSilFrames)) {
      // cut in the middle of the pause; the second half stays as lead-in of the next segment
      cut(bufFrames - (silenceRun >> 1), out);
      silenceRun = Math.min(silenceRun, bufFrames);
    } else if (bufFrames >= maxFrames) {
      // no pause long enough: cut at the quietest frame of the last third
      let best = bufFrames - 1;
      for (let i = Math.floor((bufFrames * 2) / 3); i < bufFrames; i++) if (energy[i] < energy[best]) best = i;
      cut(best + 1, out);
      silenceRun = 0;
      for (let i = bufFrames - 1; i >= 0 && speech[i] === 0; i--) silenceRun++;
    }
  };

  return {
    push(samples) {
      const out: AudioSegment[] = [];
      framer.push(samples, (frame) => addFrame(frame, out));
      return out;
    },
    flush() {
      const out: AudioSegment[] = [];
      const frame = framer.pending;
      const partialLen = frame.length;
      if (partialLen > 0) {
        // the tail shorter than a frame joins the last frame's segment as is
        buf.set(frame, bufFrames * frameLen);
        const db = frameDb(frame);
        speech[bufFrames] = (speechAt !== undefined ? speechAt((first + bufFrames) * frameLen + (partialLen >> 1)) : rule.test(db)) ? 1 : 0;
        energy[bufFrames] = db;
        const hadSpeech = speech.subarray(0, bufFrames + 1).some((s) => s === 1);
        if (hadSpeech) {
          // include the partial frame's samples exactly
          let lo = -1;
          let hi = -1;
          for (let f = 0; f <= bufFrames; f++) {
            if (speech[f]) {
              if (lo < 0) lo = f;
              hi = f;
            }
          }
          const a = Math.max(0, lo - padFrames);
          const end = Math.min(bufFrames * frameLen + partialLen, (hi + 1 + padFrames) * frameLen);
          out.push({ start: (first + a) * frameLen, samples: buf.slice(a * frameLen, end) });
        }
        bufFrames = 0;
        framer.clear();
      } else if (bufFrames > 0) cut(bufFrames, out);
      // reset for safety: flush ends the input
      buf = new Float32Array(buf.length);
      speech = new Uint8Array(speech.length);
      energy = new Float32Array(energy.length);
      return out;
    },
  };
}
