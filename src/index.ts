/**
 * asr-ts: the library behind the `asr` command. Every CLI command is a thin layer over these functions.
 *
 * The everyday functions are exported by name (read audio, resample, fbank, mfcc, CMVN, WER, LM, decoding, the
 * model); each stage is also exported whole as a namespace (`audio`, `features`, `model`, ...) for the rest.
 */
export { loadAudio, audioChunks, readAudio, decodeAudio, resample, createResampler, mixToMono, writeWav } from './audio/index.js';
export type { AudioData, LoadAudioOptions, LoadedAudio, AudioInput, AudioChunksOptions, ResampleOptions } from './audio/index.js';
export {
  fbank, mfcc, computeFeatures, createFeatureExtractor, applyCmvn, applyUtteranceCmvn, accumulateCmvnStats, emptyCmvnStats,
  cmvnStatsFromManifest, extractFileFeatures, addDeltas, specAugment,
} from './features/index.js';
export type { FbankOptions, MfccOptions, FeatureMatrix, FeatureExtractor, FeatureType, CmvnStats, SpecAugmentOptions } from './features/index.js';
export { wer, cer, scorePairs, scoreUtterance, normalizeText } from './eval/index.js';
export type { ScoreOptions, ScoreResult, UtteranceScore, NormalizeOptions } from './eval/index.js';
export { buildKneserNey, loadLm, readArpaFile, writeArpaFile, perplexityOfText } from './lm/index.js';
export type { NgramLm, KneserNeyOptions } from './lm/index.js';
export { decodeCtc, createCtcDecoder, greedyDecode, createTokenSet } from './decode/index.js';
export type { DecodeOptions, DecodeResult, Hypothesis, TokenSet } from './decode/index.js';
export { initBackend, describeBackend } from './backend/index.js';
export type { BackendInfo, BackendName } from './backend/index.js';
export { createModel, modelConfig, forward, logProbs, loadModel, saveModel } from './model/index.js';
export type { AcousticModel, ModelConfig } from './model/index.js';
export {
  loadRecognizer, disposeRecognizer, transcribeFile, formatTranscript, evaluateManifest, speakerView, batchNormView,
} from './transcribe/index.js';
export type { Recognizer, Transcript, TranscriptWord, TranscribeOptions, EvalResult, EvaluateOptions } from './transcribe/index.js';
export { ctcLoss } from './train/ctc.js';
export { averageModelDirs, lastCheckpointDirs } from './train/average.js';
export { readManifest, loadManifest } from './data/index.js';
export { synthesizeCorpus } from './data/index.js';
export { runRecipe, loadRecipe } from './recipe/index.js';

export * as audio from './audio/index.js';
export * as features from './features/index.js';
export * as evaluation from './eval/index.js';
export * as lm from './lm/index.js';
export * as decode from './decode/index.js';
export * as backend from './backend/index.js';
export * as model from './model/index.js';
export * as data from './data/index.js';
export * as recipe from './recipe/index.js';
export * as transcribe from './transcribe/index.js';
