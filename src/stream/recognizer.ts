import { EventEmitter } from 'node:events';
import * as tf from '@tensorflow/tfjs';
import {
  assertHasBatchNorm, assignBatchNormStats, disposeAdaptedModel, emptyBatchNormMoments, loadModel, modelWithOwnBatchNorm, type AcousticModel,
} from '../model/index.js';
import { disposeModel } from '../model/model.js';
import { createStreamingEncoder, type StreamingEncoder } from '../model/streaming.js';
import { loadLm, type NgramLm } from '../lm/index.js';
import { createBeamSearch, type BeamSearch } from '../decode/beam-search.js';
import { penalizeBlank } from '../decode/blank-penalty.js';
import { definedSettings, readDecodeDefaults } from '../decode/model-defaults.js';
import { buildHotwordTrie, type HotwordTrie } from '../decode/hotwords.js';
import { createTokenSet, type TokenSet } from '../decode/tokens.js';
import { wordsFromLabels, type DecodedWord, type TokenSpan } from '../decode/align.js';
import type { DecodeOptions } from '../decode/decode.js';
import { AsrError } from '../util/errors.js';
import {
  DEFAULT_ENDPOINT, DEFAULT_VAD_TRAILING_SILENCE, EndpointState, endpointRule, resolveEndpointConfig, type EndpointConfig, type EndpointConfigInput,
} from './endpoint.js';
import { VAD_SAMPLE_RATE, VadTrack, createEnergyVad, type Vad } from './vad.js';
import { createResampler, type StreamingResampler } from '../audio/resample.js';
import { createStreamFrontend, type StreamFrontend } from './frontend.js';
import { defaultFeatureConfig, readFeatureConfig, type FeatureConfig } from '../features/config-file.js';

/**
 * Streaming recognition of one audio stream: samples -> streaming front end -> cache-aware encoder (chunks of
 * `chunkMs`) -> incremental CTC prefix beam search with the LM (or greedy) -> partial results after every chunk
 * that changes the text, and a final result per utterance, cut by the endpoint rules (endpoint.ts).
 */

export interface RecognitionEvent {
  type: 'partial' | 'final';
  text: string;
  /** Seconds from the start of the stream. Partial: utterance start .. audio decoded so far. Final: first word's start .. last word's end (the utterance bounds when no word). */
  start: number;
  end: number;
  /** Finals: the words with absolute times and confidences. */
  words?: DecodedWord[];
  /** Finals: 0 at end of input, else the endpoint rule (1-3) that ended the utterance. */
  rule?: number;
}

export interface StreamingRecognizerOptions {
  /** A model directory (config.json, model.safetensors, tokens.txt, optional features.json and decode.json). */
  modelDir?: string;
  /** Or a model in memory with its tokens. */
  model?: AcousticModel;
  tokens?: string[];
  /** Feature config (default: the model directory's features.json, else fbank + CMVN). */
  features?: FeatureConfig;
  /** Word n-gram LM (a loaded one or an ARPA/binary path). */
  lm?: NgramLm | string;
  /** Chunk length in milliseconds of audio (rounded to encoder frames; default 320). */
  chunkMs?: number;
  /** Chunks of left context the encoder keeps (default 4; negative = unlimited, memory grows). */
  leftChunks?: number;
  /** Decode options as in `asr decode` (mode, beamWidth, lmWeight, hotwords, ...). frameDuration is set from the model. */
  decode?: Omit<DecodeOptions, 'lm' | 'frameDuration'>;
  /**
   * Endpoint rules (defaults: sherpa-onnx's; with a VAD, rule 2 waits DEFAULT_VAD_TRAILING_SILENCE[kind]); false never
   * ends an utterance before the input ends.
   */
  endpoint?: EndpointConfigInput | false;
  /**
   * A voice activity detector (createVad): trailing silence for the endpoint rules is then the time since its last
   * speech frame (which resets it) instead of the run of CTC blanks, and "contains speech" is its word. The caller
   * owns it (dispose() leaves it alone); one recognizer per detector. A silero VAD answers asynchronously: feed
   * the recognizer with acceptAsync().
   */
  vad?: Vad;
  /**
   * Run the encoder on utterances only (default true): after an endpoint (and at the start) the encoder's caches are
   * dropped and it waits, fed nothing, until the VAD (the given one, else the built-in energy rule) hears speech, then starts from
   * `preRollMs` before it. Models are trained on single utterances from an empty context; fed the pauses and the
   * previous utterance, the digits model lost the first words of every utterance after the first (a continuous
   * stream of 100 digit strings: 66.5% WER, against 18.7% for each alone). false streams everything through one
   * encoder context.
   */
  utteranceGate?: boolean;
  /** Audio kept before the detected start of speech, in ms (default 100: of 50-300 ms, the lowest WER on a continuous digit stream). */
  preRollMs?: number;
  /** Frames of the sliding-window CMVN (default 600 = 6 s). */
  cmvnWindow?: number;
  /** Emit finals with empty text (default false: an utterance of silence ends silently). */
  emitEmptyFinals?: boolean;
  /**
   * Re-estimate the model's BatchNorm statistics on the stream (AdaBN, online; see src/transcribe/batchnorm-adapt.ts):
   * once the encoder has run on `adaptMinSeconds` (default 10) of speech, every following chunk uses the statistics
   * of all the speech so far. For one speaker (or microphone) per stream; reset() starts over. Default false.
   */
  adaptBn?: boolean;
  adaptMinSeconds?: number;
}

/** Incremental greedy (best path) state with token spans, for `mode: 'greedy'`. */
class GreedyState {
  labels: number[] = [];
  spans: TokenSpan[] = [];
  private prev = -1;
  private frame = 0;
  constructor(private readonly ts: TokenSet) {}
  advance(lp: Float32Array, frames: number): void {
    const V = this.ts.tokens.length;
    for (let f = 0; f < frames; f++, this.frame++) {
      let best = 0;
      for (let v = 1; v < V; v++) if (lp[f * V + v] > lp[f * V + best]) best = v;
      const p = lp[f * V + best];
      if (best !== this.ts.blank) {
        if (best !== this.prev) {
          this.labels.push(best);
          this.spans.push({ first: this.frame, last: this.frame, peak: p });
        } else {
          const s = this.spans[this.spans.length - 1];
          s.last = this.frame;
          s.peak = Math.max(s.peak, p);
        }
      }
      this.prev = best;
    }
  }
  words(frameDuration: number): DecodedWord[] {
    return wordsFromLabels(this.ts, this.labels, this.spans, frameDuration);
  }
}

export interface StreamingRecognizer extends EventEmitter {
  /** Seconds per encoder frame. */
  readonly frameDuration: number;
  /** Encoder frames per chunk. */
  readonly chunkFrames: number;
  /** Seconds of audio accepted so far (at the feature rate). */
  readonly audioSeconds: number;
  /** Feeds samples (mono, [-1, 1)) at `sampleRate` (default 16000); emits 'partial' and 'final' events synchronously. */
  accept(samples: Float32Array | Float64Array, sampleRate?: number): void;
  /** accept() after the VAD (if any) has decided the samples; the only form that works with an asynchronous VAD. */
  acceptAsync(samples: Float32Array | Float64Array, sampleRate?: number): Promise<void>;
  /** Ends the input: decodes what is left and emits the last final (if any), then 'end'. */
  finish(): void;
  /** Starts a new stream (after finish or to drop the current one). */
  reset(): void;
  /** The events as an async iterator, ending after finish(). */
  events(): AsyncIterableIterator<RecognitionEvent>;
  /** Frees tensors (and the model when the recognizer loaded it). */
  dispose(): void;
  on(event: 'partial' | 'final', listener: (e: RecognitionEvent) => void): this;
  on(event: 'end', listener: () => void): this;
}

export function createStreamingRecognizer(opts: StreamingRecognizerOptions): StreamingRecognizer {
  let model: AcousticModel;
  let tokens: string[];
  let owned = false;
  let features = opts.features;
  if (opts.model !== undefined) {
    if (opts.tokens === undefined) throw new AsrError('streaming recognizer: tokens are required with a model object');
    model = opts.model;
    tokens = opts.tokens;
    if (tokens.length !== model.config.vocabSize) throw new AsrError(`streaming recognizer: ${tokens.length} tokens, the model has vocabSize ${model.config.vocabSize}`);
  } else if (opts.modelDir !== undefined) {
    const loaded = loadModel(opts.modelDir);
    model = loaded.model;
    tokens = opts.tokens ?? loaded.tokens;
    owned = true;
    features ??= readFeatureConfig(opts.modelDir, model.config.inputDim);
  } else {
    throw new AsrError('streaming recognizer: give modelDir or model');
  }
  features ??= defaultFeatureConfig(model.config.inputDim);
  const c = model.config;
  const frontend: StreamFrontend = createStreamFrontend(features, opts.cmvnWindow ?? 600);
  const factor = c.subsampling.factor;
  const frameDuration = frontend.frameShift * factor;
  const chunkMs = opts.chunkMs ?? 320;
  if (!(chunkMs > 0)) throw new AsrError(`--chunk-ms: must be positive, got ${chunkMs}`);
  const chunkFrames = Math.max(1, Math.round(chunkMs / 1000 / frameDuration));
  const adapt = opts.adaptBn === true;
  if (adapt) assertHasBatchNorm(model, opts.modelDir ?? 'streaming recognizer');
  // with adaptation the encoder runs a copy whose BatchNorm statistics are its own (the weights are shared)
  const encModel = adapt ? modelWithOwnBatchNorm(model) : model;
  const moments = emptyBatchNormMoments();
  const adaptFrames = Math.ceil((opts.adaptMinSeconds ?? 10) / frameDuration);
  const encoder: StreamingEncoder = createStreamingEncoder(encModel, {
    chunkSize: chunkFrames,
    leftChunks: opts.leftChunks ?? 4,
    logProbs: true,
    batchNormMoments: adapt ? moments : undefined,
  });
  const restoreBatchNorm = (): void => {
    moments.frames = 0;
    moments.layers.clear();
    for (const [name, v] of encModel.params) if (v !== model.params.get(name)) v.assign(model.params.get(name) as tf.Variable);
  };
  // a model directory's decode.json gives the settings the caller leaves out (as loadRecognizer does)
  const given = definedSettings(opts.decode ?? {});
  const dec: DecodeOptions = opts.model === undefined && opts.modelDir !== undefined ? { ...readDecodeDefaults(opts.modelDir), ...given } : given;
  const ts = createTokenSet(tokens, { blank: c.blank, wordDelimiter: dec.wordDelimiter });
  const V = tokens.length;
  const lm = typeof opts.lm === 'string' ? loadLm(opts.lm) : opts.lm;
  const greedy = dec.mode === 'greedy';
  const hotwordTrie: HotwordTrie | undefined =
    dec.hotwords === undefined || greedy ? undefined : Array.isArray(dec.hotwords) ? buildHotwordTrie(dec.hotwords, ts) : dec.hotwords;
  const vad = opts.vad;
  const endpointInput: EndpointConfigInput = opts.endpoint === false ? {} : { ...opts.endpoint };
  if (vad !== undefined && endpointInput.rule2?.minTrailingSilence === undefined) {
    endpointInput.rule2 = { ...endpointInput.rule2, minTrailingSilence: DEFAULT_VAD_TRAILING_SILENCE[vad.kind] };
  }
  const endpoint: EndpointConfig | null = opts.endpoint === false ? null : resolveEndpointConfig(endpointInput);
  const ep = new EndpointState();
  const track = vad === undefined ? null : new VadTrack(vad.frameSamples);
  const gateOn = opts.utteranceGate ?? true;
  // the detector that opens utterances: the caller's, else a built-in energy VAD (owned here)
  const ownGateVad: Vad | null = gateOn && vad === undefined ? createEnergyVad() : null;
  const gateTrack: VadTrack | null = !gateOn ? null : track ?? new VadTrack((ownGateVad as Vad).frameSamples);
  const preRollFrames = Math.max(0, Math.round((opts.preRollMs ?? 100) / 1000 / frontend.frameShift));
  const D = frontend.dim;
  // ring of the last normalised feature frames heard while idle, the newest included: [preRollCap, D]
  const preRollCap = Math.max(1, preRollFrames);
  const preRoll = new Float32Array(preRollCap * D);
  let preRollCount = 0;
  let preRollPos = 0;
  let active = !gateOn;
  // feature frames out of the front end since the stream started
  let featIndex = 0;
  // stream time (s) of the first feature frame fed to the encoder since it was last reset
  let encoderOffset = 0;
  let vadResampler: StreamingResampler | null = null;
  let vadResamplerRate = 0;
  /** The samples at the VAD's rate (16 kHz), through a resampler kept per input rate. */
  const vadInput = (samples: Float32Array | Float64Array, sampleRate: number): Float32Array | Float64Array => {
    if (sampleRate === VAD_SAMPLE_RATE) return samples;
    if (vadResampler === null || vadResamplerRate !== sampleRate) {
      vadResampler = createResampler(sampleRate, VAD_SAMPLE_RATE);
      vadResamplerRate = sampleRate;
    }
    return vadResampler.accept(samples);
  };

  const newSearch = (): BeamSearch | GreedyState =>
    greedy ? new GreedyState(ts) : createBeamSearch(ts, { ...dec, lm: greedy ? undefined : lm, hotwordTrie, frameDuration });
  let search = newSearch();
  let uttStartFrame = 0;
  let framesDecoded = 0;
  let samplesIn = 0;
  let lastPartial = '';
  let finished = false;
  const emitter = new EventEmitter();

  const textOf = (s: BeamSearch | GreedyState): string => (s instanceof GreedyState ? s.words(frameDuration).map((w) => w.word).join(' ') : s.best().text);

  const endUtterance = (rule: number): void => {
    const offset = encoderOffset + uttStartFrame * frameDuration;
    let words: DecodedWord[];
    let text: string;
    if (search instanceof GreedyState) {
      words = search.words(frameDuration);
      text = words.map((w) => w.word).join(' ');
    } else {
      const h = search.finish(1).hypotheses[0];
      words = h?.words ?? [];
      text = h?.text ?? '';
    }
    const firstFrame = Math.round(offset / frameDuration);
    const abs = words.map((w) => ({ ...w, start: w.start + offset, end: w.end + offset, startFrame: w.startFrame + firstFrame, endFrame: w.endFrame + firstFrame }));
    const uttEnd = encoderOffset + framesDecoded * frameDuration;
    if (text !== '' || opts.emitEmptyFinals) {
      const e: RecognitionEvent = {
        type: 'final',
        text,
        start: abs.length > 0 ? abs[0].start : offset,
        end: abs.length > 0 ? abs[abs.length - 1].end : uttEnd,
        words: abs,
        rule,
      };
      emitter.emit('final', e);
    }
    search = newSearch();
    uttStartFrame = framesDecoded;
    ep.reset();
    lastPartial = '';
    if (gateOn) {
      // back to waiting for speech with an empty context, as each training utterance began
      encoder.reset();
      active = false;
      uttStartFrame = 0;
      framesDecoded = 0;
      preRollCount = 0;
    }
  };

  const consume = (lp: Float32Array, frames: number): void => {
    if (frames === 0) return;
    // advance keeps a reference for word alignment at the end: lp is a fresh array per chunk (and so is a
    // penalised copy); the endpointer reads the model's own blank posteriors
    search.advance(penalizeBlank(lp, frames, V, ts.blank, dec.blankPenalty ?? 0), frames);
    ep.update(lp, frames, V, c.blank);
    framesDecoded += frames;
    const text = textOf(search);
    if (text !== lastPartial) {
      lastPartial = text;
      emitter.emit('partial', {
        type: 'partial',
        text,
        start: encoderOffset + uttStartFrame * frameDuration,
        end: encoderOffset + framesDecoded * frameDuration,
      } satisfies RecognitionEvent);
    }
    if (endpoint !== null) {
      let speech = ep.containsNonSilence;
      let silence = ep.trailingBlanks * frameDuration;
      if (track !== null) {
        // silence since the VAD's last speech frame in this utterance, up to the audio it has decided (it runs
        // ahead of the encoder); none while speech it heard is not decoded yet
        const uttStart = (encoderOffset + uttStartFrame * frameDuration) * VAD_SAMPLE_RATE;
        const decoded = (encoderOffset + framesDecoded * frameDuration) * VAD_SAMPLE_RATE;
        speech = track.lastSpeechEnd > uttStart;
        silence = speech && track.lastSpeechEnd > decoded ? 0 : Math.max(0, track.covered - Math.max(track.lastSpeechEnd, uttStart)) / VAD_SAMPLE_RATE;
      }
      const rule = endpointRule(endpoint, speech, silence, ep.frames * frameDuration);
      if (rule !== 0) endUtterance(rule);
    }
  };

  /** Splits encoder output by chunk so endpoints are checked after every chunk, as sherpa-onnx does. */
  const consumeChunks = (out: { data: Float32Array; frames: number }): void => {
    // the chunks just run added to the moments; the next ones use them once there is enough speech
    if (adapt && moments.frames > 0 && moments.frames >= adaptFrames) assignBatchNormStats(encModel, moments);
    for (let s = 0; s < out.frames; s += chunkFrames) {
      // an endpoint closed the gate: the rest is the pause after the utterance
      if (!active) return;
      const n = Math.min(chunkFrames, out.frames - s);
      consume(out.data.slice(s * V, (s + n) * V), n);
    }
  };

  /** Whether the gate's detector calls feature frame `t` (absolute) speech: the VAD frame at the frame's centre. */
  const speechAtFrame = (t: number): boolean => {
    if (gateTrack === null || gateTrack.frames === 0) return false;
    const centre = (t * frontend.frameShift + 0.0125) * VAD_SAMPLE_RATE;
    return gateTrack.speechAt(Math.round(centre));
  };

  /**
   * Normalised feature frames [n, D] -> the encoder, through the gate: while idle, frames go to the pre-roll ring
   * until one is speech, which opens an utterance starting with the pre-roll; while active, frames go on in pieces
   * of a chunk, so an endpoint inside a block closes the gate for the rest of it.
   */
  const feed = (feats: { data: Float32Array; numFrames: number }): void => {
    if (!gateOn) {
      featIndex += feats.numFrames;
      if (feats.numFrames > 0) consumeChunks(encoder.accept(feats.data, feats.numFrames));
      return;
    }
    const piece = chunkFrames * c.subsampling.factor;
    let i = 0;
    while (i < feats.numFrames) {
      if (!active) {
        const frame = feats.data.subarray(i * D, (i + 1) * D);
        const t = featIndex++;
        i++;
        preRoll.set(frame, preRollPos * D);
        preRollPos = (preRollPos + 1) % preRollCap;
        preRollCount = Math.min(preRollCount + 1, preRollCap);
        if (!speechAtFrame(t)) continue;
        // speech: open an utterance with the pre-roll (which ends with this frame)
        active = true;
        uttStartFrame = 0;
        framesDecoded = 0;
        const n = preRollCount;
        encoderOffset = (t - n + 1) * frontend.frameShift;
        const start = new Float32Array(n * D);
        for (let k = 0; k < n; k++) {
          const slot = (preRollPos - n + k + preRollCap) % preRollCap;
          start.set(preRoll.subarray(slot * D, (slot + 1) * D), k * D);
        }
        preRollCount = 0;
        consumeChunks(encoder.accept(start, n));
        continue;
      }
      const n = Math.min(piece, feats.numFrames - i);
      featIndex += n;
      consumeChunks(encoder.accept(feats.data.subarray(i * D, (i + n) * D), n));
      i += n;
    }
  };

  const rec = emitter as StreamingRecognizer;
  Object.defineProperties(rec, {
    frameDuration: { value: frameDuration },
    chunkFrames: { value: chunkFrames },
    audioSeconds: { get: () => samplesIn / frontend.sampleRate },
  });
  /** The recognition path, after the VAD. */
  const acceptDecided = (samples: Float32Array | Float64Array, sampleRate: number): void => {
    samplesIn += sampleRate === frontend.sampleRate ? samples.length : (samples.length * frontend.sampleRate) / sampleRate;
    const feats = frontend.accept(samples, sampleRate);
    if (feats.numFrames > 0) feed(feats);
  };
  rec.accept = (samples: Float32Array | Float64Array, sampleRate = 16000): void => {
    if (finished) throw new AsrError('streaming recognizer: accept() after finish() (call reset() first)');
    if (samples.length === 0) return;
    if (vad !== undefined && track !== null) {
      if (!vad.synchronous) throw new AsrError(`streaming recognizer: the ${vad.kind} VAD answers asynchronously: feed it with acceptAsync()`);
      track.push(vad.acceptSync(vadInput(samples, sampleRate)));
    } else if (ownGateVad !== null && gateTrack !== null) gateTrack.push(ownGateVad.acceptSync(vadInput(samples, sampleRate)));
    acceptDecided(samples, sampleRate);
  };
  rec.acceptAsync = async (samples: Float32Array | Float64Array, sampleRate = 16000): Promise<void> => {
    if (vad === undefined || track === null || vad.synchronous) return rec.accept(samples, sampleRate);
    if (finished) throw new AsrError('streaming recognizer: accept() after finish() (call reset() first)');
    if (samples.length === 0) return;
    track.push(await vad.accept(vadInput(samples, sampleRate)));
    if (finished) throw new AsrError('streaming recognizer: finish() came before acceptAsync() was done');
    acceptDecided(samples, sampleRate);
  };
  rec.finish = (): void => {
    if (finished) return;
    finished = true;
    feed(frontend.flush());
    if (active) consumeChunks(encoder.flush());
    if (active && framesDecoded > uttStartFrame) endUtterance(0);
    emitter.emit('end');
  };
  rec.reset = (): void => {
    frontend.reset();
    encoder.reset();
    if (adapt) restoreBatchNorm();
    search = newSearch();
    ep.reset();
    vad?.reset();
    track?.reset();
    ownGateVad?.reset();
    gateTrack?.reset();
    active = !gateOn;
    featIndex = 0;
    encoderOffset = 0;
    preRollCount = 0;
    preRollPos = 0;
    vadResampler = null;
    uttStartFrame = 0;
    framesDecoded = 0;
    samplesIn = 0;
    lastPartial = '';
    finished = false;
  };
  rec.events = (): AsyncIterableIterator<RecognitionEvent> => eventIterator(emitter);
  rec.dispose = (): void => {
    encoder.dispose();
    if (adapt) disposeAdaptedModel(encModel, model);
    ownGateVad?.dispose();
    if (owned) disposeModel(model);
  };
  return rec;
}

/** Queues a recognizer's partial/final events from now on and yields them until its 'end' event. */
function eventIterator(emitter: EventEmitter): AsyncIterableIterator<RecognitionEvent> {
  const queue: RecognitionEvent[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  const push = (e: RecognitionEvent): void => {
    queue.push(e);
    wake?.();
  };
  const onEnd = (): void => {
    ended = true;
    wake?.();
  };
  emitter.on('partial', push);
  emitter.on('final', push);
  emitter.on('end', onEnd);
  const detach = (): void => {
    emitter.off('partial', push);
    emitter.off('final', push);
    emitter.off('end', onEnd);
  };
  const it: AsyncIterableIterator<RecognitionEvent> = {
    async next(): Promise<IteratorResult<RecognitionEvent>> {
      while (queue.length === 0 && !ended) await new Promise<void>((r) => (wake = r));
      wake = null;
      if (queue.length > 0) return { value: queue.shift() as RecognitionEvent, done: false };
      detach();
      return { value: undefined, done: true };
    },
    async return(): Promise<IteratorResult<RecognitionEvent>> {
      detach();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/**
 * Recognises an async stream of sample blocks (e.g. from a microphone or a socket): yields partial and final
 * events as they come, ends after the input ends with the last final.
 */
export async function* recognizeStream(
  recognizer: StreamingRecognizer,
  source: AsyncIterable<Float32Array | Float64Array>,
  sampleRate = 16000,
): AsyncGenerator<RecognitionEvent, void, void> {
  const queue: RecognitionEvent[] = [];
  const push = (e: RecognitionEvent): void => {
    queue.push(e);
  };
  recognizer.on('partial', push);
  recognizer.on('final', push);
  try {
    for await (const block of source) {
      recognizer.accept(block, sampleRate);
      while (queue.length > 0) yield queue.shift() as RecognitionEvent;
    }
    recognizer.finish();
    while (queue.length > 0) yield queue.shift() as RecognitionEvent;
  } finally {
    recognizer.off('partial', push);
    recognizer.off('final', push);
  }
}

export { DEFAULT_ENDPOINT };
