import { audioChunks, type AudioInput } from '../audio/index.js';
import { errorMessage, fileError } from '../util/errors.js';
import type { Hypothesis } from '../decode/index.js';
import { posteriorsOf, segmentFeatures, type SegmentPosteriors } from './acoustic.js';
import type { Recognizer } from './recognizer.js';
import { createSegmenter, type AudioSegment, type SegmenterOptions } from './segmenter.js';

/** A recognised word; times in seconds from the start of the file. */
export interface TranscriptWord {
  word: string;
  start: number;
  end: number;
  /** In [0, 1]: geometric mean of the word's token posteriors on its alignment. */
  confidence: number;
}

export interface TranscriptSegment {
  start: number;
  end: number;
  text: string;
  words: TranscriptWord[];
  /** The decoder's n-best texts and scores, when more than one was asked for. */
  alternatives?: { text: string; total: number }[];
}

export interface Transcript {
  file: string;
  /** Seconds of audio read. */
  duration: number;
  text: string;
  segments: TranscriptSegment[];
  words: TranscriptWord[];
}

export interface TranscribeOptions {
  segmenter?: SegmenterOptions;
  /** Recognise the input as one segment however long (scoring short utterances). Default: only audio up to maxSegment. */
  noSegmentation?: boolean;
  /** Audio read per chunk (s). Default 5. */
  chunkSeconds?: number;
  /** Called after each segment with the seconds of audio done. */
  onProgress?: (seconds: number) => void;
}

/** Recognises one segment's samples; word times are shifted by `offset` seconds. */
export function recognizeSegment(r: Recognizer, samples: Float32Array | Float64Array, offset: number): TranscriptSegment {
  const feats = segmentFeatures(samples, r.features);
  const [post] = posteriorsOf(r.model, [feats]);
  return decodeSegment(r, post, offset, samples.length / r.sampleRate);
}

/** Decodes one segment's log-posteriors into a transcript segment starting at `offset` and `seconds` long. */
export function decodeSegment(r: Recognizer, post: SegmentPosteriors, offset: number, seconds: number): TranscriptSegment {
  const result = r.decoder.decode(post.data, post.frames);
  return segmentOf(result.hypotheses, offset, seconds);
}

function segmentOf(hyps: Hypothesis[], offset: number, seconds: number): TranscriptSegment {
  const best = hyps[0];
  const words = (best?.words ?? []).map((w) => ({
    word: w.word,
    // the decoder's frame times can reach past the segment's edges (subsampling rounds up): keep them inside
    start: offset + Math.min(Math.max(w.start, 0), seconds),
    end: offset + Math.min(Math.max(w.end, 0), seconds),
    confidence: w.confidence,
  }));
  const seg: TranscriptSegment = { start: offset, end: offset + seconds, text: best?.text ?? '', words };
  if (hyps.length > 1) seg.alternatives = hyps.map((h) => ({ text: h.text, total: h.total }));
  return seg;
}

/**
 * Transcribes an audio file (or stream): read in chunks, cut into segments at pauses, each segment recognised on
 * its own, so memory is bounded by the longest segment, not the file. Word times are from the file's start.
 */
export async function transcribeFile(r: Recognizer, input: AudioInput, opts: TranscribeOptions = {}): Promise<Transcript> {
  const name = typeof input === 'string' ? input : '<stream>';
  const segments: TranscriptSegment[] = [];
  const rate = r.sampleRate;
  let total = 0;
  const run = (seg: AudioSegment): void => {
    try {
      segments.push(recognizeSegment(r, seg.samples, seg.start / rate));
    } catch (e) {
      throw fileError(name, `at ${(seg.start / rate).toFixed(2)} s: ${errorMessage(e)}`);
    }
    opts.onProgress?.((seg.start + seg.samples.length) / rate);
  };
  // Audio no longer than one segment is recognised whole: cutting it gains nothing, and a noise floor estimated
  // from a second of closely trimmed speech would clip its onsets. Past that length the segmenter takes over.
  const wholeUpTo = opts.noSegmentation ? Infinity : (opts.segmenter?.maxSegment ?? 20) * rate;
  const held: Float64Array[] = [];
  let seg: ReturnType<typeof createSegmenter> | null = null;
  for await (const chunk of audioChunks(input, { targetRate: rate, chunkSeconds: opts.chunkSeconds ?? 5 })) {
    total += chunk.length;
    if (seg === null && total <= wholeUpTo) {
      held.push(chunk);
      continue;
    }
    if (seg === null) {
      seg = createSegmenter({ ...opts.segmenter, sampleRate: rate });
      for (const h of held) for (const s of seg.push(h)) run(s);
      held.length = 0;
    }
    for (const s of seg.push(chunk)) run(s);
  }
  if (seg !== null) for (const s of seg.flush()) run(s);
  else {
    const all = new Float32Array(total);
    let o = 0;
    for (const p of held) {
      all.set(p, o);
      o += p.length;
    }
    run({ start: 0, samples: all });
  }
  const kept = segments.filter((s) => s.text !== '');
  const words = kept.flatMap((s) => s.words);
  return { file: name, duration: total / rate, text: kept.map((s) => s.text).join(' '), segments: kept, words };
}
