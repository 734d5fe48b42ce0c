/** Inference: model directory -> recognizer; audio files -> segmented, decoded transcripts; manifest evaluation. */
export * from './segmenter.js';
export * from './acoustic.js';
export * from './recognizer.js';
export * from './transcribe.js';
export * from './formats.js';
export * from './files.js';
export * from './evaluate.js';
export * from './speaker-cmvn.js';
export * from './batchnorm-adapt.js';
export * from './speaker-views.js';
export * from './entropy-adapt.js';
export * from './vtln-select.js';
export * from './decode-grid.js';
