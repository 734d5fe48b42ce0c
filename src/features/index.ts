export * from './options.js';
export * from './matrix.js';
export { featureWindow, periodicHannWindow } from './window.js';
export { createRealSpectrum, type RealSpectrum } from './spectrum.js';
export { kaldiMelBanks, denseMelBanks, htkMelFilterbank, melScale, inverseMelScale, vtlnWarpFreq, type MelBanks } from './mel.js';
export { orthoDctMatrix, cepstralLifter } from './dct.js';
export { FLOAT32_EPS } from './frame.js';
export { createFeatureExtractor, numFrames, type FeatureExtractor, type FeatureType } from './extractor.js';
export { fbank, mfcc, computeFeatures, subtractColumnMean } from './compute.js';
export { melSpectrogram, transformsMfcc, MELSPECTROGRAM_DEFAULTS, type MelSpectrogramOptions } from './melspectrogram.js';
export * from './cmvn.js';
export { addDeltas, deltaScales } from './deltas.js';
export { specAugment, SPECAUGMENT_DEFAULTS, type SpecAugmentOptions } from './specaugment.js';
export { matrixToNpy } from './npy.js';
export { extractFileFeatures, cmvnStatsFromManifest, type AudioInputOptions } from './file.js';
export {
  FEATURES_FILE, defaultFeatureConfig, featureDim, parseFeatureConfig, readFeatureConfig, writeFeatureConfig, normalizeFeatures,
  type FeatureConfig, type StreamingPrior,
} from './config-file.js';
export { streamingPriorFromManifest } from './streaming-prior.js';
export { shrinkUtteranceStats, cmvnShrinkProblem, type CmvnShrink } from './cmvn-shrink.js';
export { emptySpeakerCmvn, addSpeakerUtterance, speakerNormalize, type SpeakerCmvn } from './speaker-cmvn.js';
