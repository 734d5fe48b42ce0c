export * from './manifest.js';
export { writeManifest, manifestLine, manifestAudioPath, audioDuration, type ManifestRecord } from './manifest-write.js';
export { LICENSES, type VoiceLicense, type LicenseId } from './licenses.js';
export {
  VOICES, VOICE_GROUPS, ESPEAK_ACCENTS, ESPEAK_VARIANTS, findVoice, resolveVoices, voiceUnavailable, debianInstallCommand, debianVoicesToInstall,
  type VoiceInfo, type VoiceSelectionOptions,
} from './voices.js';
export { pseudoSpeaker, utteranceParams, SPEAKER_RANGES, type PseudoSpeaker, type SpeakerRange } from './pseudo-speaker.js';
export { deriveSeed } from './seed.js';
export { normalizeForSpeech, type SpeechText } from './text/normalize.js';
export { cardinalWords, ordinalWords, yearWords, digitByDigit, DIGIT_WORDS } from './text/numbers.js';
export { digitStrings, type DigitStringOptions } from './text/digits.js';
export { wordnetSentences, WORDNET_DIR, type SentenceFilter } from './text/wordnet.js';
export { readTextLines, type TextLine } from './text-lines.js';
export {
  AUGMENT_PROFILES, augmentProfile, drawAugmentation, applyAugmentation, augmentationRecord,
  type AugmentProfile, type ChannelAugmentation,
} from './augment/chain.js';
export { frequencyWarp, warpMap } from './augment/warp.js';
export { speedPerturb } from './augment/speed.js';
export { roomImpulseResponse, applyReverb, type ReverbParams } from './augment/reverb.js';
export { colouredNoise, addNoise, activePower, NOISE_TYPES, type NoiseType } from './augment/noise.js';
export { telephoneBand, mulawRoundTrip, narrowbandRoundTrip } from './augment/telephone.js';
export { planSynthesis, selectLines, planFingerprint, ENGINE_WEIGHTS, SYNTH_FORMAT_VERSION, type SynthPlanOptions } from './synth-plan.js';
export { renderTask, manifestRecord, SYNTH_RATE, type SynthTask } from './synth-task.js';
export { synthesizeCorpus, SYNTH_FILES, type SynthRunOptions, type SynthResult } from './synth.js';
export { engineFor, type TtsEngine, type EngineName, type EngineAudio, type EngineParams } from './tts/index.js';
export { prepareLibriSpeech } from './prepare/librispeech.js';
export { prepareKaldi, type KaldiPrepareOptions } from './prepare/kaldi.js';
export { prepareNemo } from './prepare/nemo.js';
export { speedPerturbRecords, parseSpeedFactors, speedPrefix } from './prepare/perturb.js';
export { splitBySpeaker, splitGroup, type SplitOptions, type SplitBy } from './prepare/split.js';
