export { createStreamingRecognizer, recognizeStream, type RecognitionEvent, type StreamingRecognizer, type StreamingRecognizerOptions } from './recognizer.js';
export { DEFAULT_ENDPOINT, DEFAULT_VAD_TRAILING_SILENCE, EndpointState, endpointRule, resolveEndpointConfig, type EndpointConfig, type EndpointConfigInput, type EndpointRule } from './endpoint.js';
export { createStreamFrontend, type StreamFrontend } from './frontend.js';
export { loadStreamingAssets, defaultStreamingModelDir, MODEL_LM_FILES, type StreamingAssets } from './assets.js';
export { openMic, findRecorder, pcmOrWavBlocks, type MicSource, type SampleBlock } from './sources.js';
export { createVad, parseVadKind, createEnergyRule, frameDb, VadTrack, VAD_KINDS, VAD_SAMPLE_RATE, type Vad, type VadFrames, type VadKind, type VadOptions, type EnergyRule } from './vad.js';
