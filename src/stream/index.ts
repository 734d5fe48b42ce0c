export { createStreamingRecognizer, recognizeStream, type RecognitionEvent, type StreamingRecognizer, type StreamingRecognizerOptions } from './recognizer.js';
export { DEFAULT_ENDPOINT, EndpointState, endpointRule, resolveEndpointConfig, type EndpointConfig, type EndpointConfigInput, type EndpointRule } from './endpoint.js';
export { createStreamFrontend, type StreamFrontend } from './frontend.js';
export { loadStreamingAssets, defaultStreamingModelDir, MODEL_LM_FILES, type StreamingAssets } from './assets.js';
export { openMic, findRecorder, pcmOrWavBlocks, type MicSource, type SampleBlock } from './sources.js';
