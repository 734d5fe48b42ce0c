export * from './types.js';
export { decodeAudio, readAudio, detectFormat, resampleAudio, collectStream } from './decode.js';
export { loadAudio, type LoadAudioOptions, type LoadedAudio } from './load.js';
export { openAudioStream, audioChunks, memoryStream, type AudioInput, type AudioChunksOptions, type OpenAudioOptions } from './stream.js';
export { openWavStream, wavStreamFromSource, rawStreamFromSource, type WavStream, type PcmStreamOptions } from './pcm-stream.js';
export { readWavHeader, type WavHeader } from './wav-header.js';
export { decodePcm, bytesPerSample, validateRawFormat } from './pcm.js';
export { sniffFormat, type AudioFormat, type SniffResult } from './sniff.js';
export { parseFlacStreamInfo, type FlacStreamInfo } from './flac.js';
export { mixToMono, monoOf } from './mix.js';
export {
  resample, createResampler, sincResampleKernel, resampledLength,
  type ResampleOptions, type StreamingResampler, type PolyphaseKernel,
} from './resample.js';
export { writeWav, encodeWav, type WriteWavOptions } from './write.js';
export { fileSource, bufferSource, readableSource, type ByteSource } from './source.js';
