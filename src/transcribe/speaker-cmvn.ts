import { audioChunks } from '../audio/index.js';
import { addSpeakerUtterance, emptySpeakerCmvn, speakerNormalize, type SpeakerCmvn } from '../features/speaker-cmvn.js';
import { AsrError } from '../util/errors.js';
import { segmentFeatures } from './acoustic.js';
import type { Recognizer } from './recognizer.js';

/**
 * How features are normalised at inference. "utterance": as the model's features.json says (each segment by its own
 * statistics, for models trained so). "speaker": the average statistics of all the utterances that share a speaker
 * (a manifest's `speaker` field; for `asr transcribe`, all the inputs of one call), see features/speaker-cmvn.ts.
 */
export type CmvnMode = 'utterance' | 'speaker';

export function parseCmvnMode(s: string): CmvnMode {
  if (s === 'utterance' || s === 'speaker') return s;
  throw new AsrError(`--cmvn must be "utterance" or "speaker", got "${s}"`);
}

/** Fails unless the recognizer's model normalises per utterance (the statistics averaged are per-utterance ones). */
export function assertSpeakerCmvnApplies(r: Recognizer): void {
  if (r.features.normalize !== 'utterance') {
    throw new AsrError(`${r.dir}: speaker CMVN needs a model trained with per-utterance CMVN; its features.json normalizes by ${JSON.stringify(r.features.normalize)}`);
  }
}

/**
 * A file's samples at `rate`: the whole file when it is up to `pieceSeconds` long, else pieces of that length (the
 * last one shorter), read in chunks so memory stays bounded.
 */
export async function* filePieces(path: string, rate: number, pieceSeconds: number): AsyncGenerator<Float32Array> {
  const n = Math.max(1, Math.round(pieceSeconds * rate));
  let piece = new Float32Array(n);
  let filled = 0;
  for await (const chunk of audioChunks(path, { targetRate: rate })) {
    let o = 0;
    while (o < chunk.length) {
      const k = Math.min(n - filled, chunk.length - o);
      piece.set(chunk.subarray(o, o + k), filled);
      filled += k;
      o += k;
      if (filled === n) {
        yield piece;
        piece = new Float32Array(n);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled);
}

/**
 * The pieces (filePieces) of the files at `paths`, in order, until at least `maxSeconds` have been read: one
 * speaker's audio for an adaptation pass that must hold it in memory. A file that cannot be read is skipped here: the
 * transcription pass reports it.
 */
export async function readSpeakerAudio(
  paths: string[],
  rate: number,
  opts: { maxSeconds: number; pieceSeconds?: number; onFile?: () => void },
): Promise<{ pieces: Float32Array[]; seconds: number }> {
  const pieces: Float32Array[] = [];
  let seconds = 0;
  for (const path of paths) {
    if (seconds >= opts.maxSeconds) break;
    try {
      for await (const piece of filePieces(path, rate, opts.pieceSeconds ?? 20)) {
        pieces.push(piece);
        seconds += piece.length / rate;
      }
    } catch {
      // reported when it is transcribed
    }
    opts.onFile?.();
  }
  return { pieces, seconds };
}

/**
 * Adds a file's raw features to `acc`: a file up to `pieceSeconds` as one utterance (exactly the features the
 * recognizer computes for it, edge padding included), a longer one in pieces of that length.
 */
export async function measureSpeakerFile(r: Recognizer, path: string, acc: SpeakerCmvn, pieceSeconds = 20): Promise<void> {
  const raw = { ...r.features, normalize: 'none' as const };
  for await (const piece of filePieces(path, r.sampleRate, pieceSeconds)) addSpeakerUtterance(acc, segmentFeatures(piece, raw));
}

/** A view of `r` that normalises every segment with the speaker's statistics instead of the segment's own. */
export function withSpeakerCmvn(r: Recognizer, acc: SpeakerCmvn): Recognizer {
  return { ...r, features: { ...r.features, normalize: speakerNormalize(acc) } };
}

/**
 * `r` normalising with the average statistics of the files at `paths` (one speaker), or `r` itself when none could
 * be measured. A file that cannot be read is skipped here: the transcription pass reports it.
 */
export async function speakerView(r: Recognizer, paths: string[], pieceSeconds = 20, onFile?: () => void): Promise<Recognizer> {
  assertSpeakerCmvnApplies(r);
  const acc = emptySpeakerCmvn(r.model.config.inputDim);
  for (const path of paths) {
    try {
      await measureSpeakerFile(r, path, acc, pieceSeconds);
    } catch {
      // reported when it is transcribed
    }
    onFile?.();
  }
  return acc.count > 0 ? withSpeakerCmvn(r, acc) : r;
}
