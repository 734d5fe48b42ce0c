import { AsrError } from '../util/errors.js';

/**
 * The acoustic model's architecture, as stored in a model directory's `config.json`.
 *
 * features [B, T, inputDim] -> subsampling (Conv2d, T/factor) -> [B, T', dModel]
 *   -> numLayers blocks (Conformer or Transformer) -> [B, T', dModel] -> linear CTC head -> logits [B, T', vocabSize]
 */
export interface ModelConfig {
  /** Identifies the file format; always 'asr-ts-ctc'. */
  format: 'asr-ts-ctc';
  version: 1;
  /** Feature dimension of the input (80 for fbank80). */
  inputDim: number;
  subsampling: SubsamplingConfig;
  dModel: number;
  numLayers: number;
  block: 'conformer' | 'transformer';
  numHeads: number;
  ffnDim: number;
  /** Activation inside the feed-forward modules. */
  ffnActivation: 'silu' | 'relu';
  /** 'rel': Transformer-XL style relative positions (pos_bias_u/v); 'abs': sinusoids added after subsampling. */
  posEnc: 'rel' | 'abs' | 'none';
  /** Depthwise kernel size of the Conformer convolution module (odd). */
  convKernel: number;
  convNorm: 'batchnorm' | 'layernorm';
  /** Causal depthwise convolution (left padding only), for streaming. */
  causalConv: boolean;
  /**
   * Zero padded frames before the depthwise convolution so they cannot leak into real frames. torchaudio does
   * not; set false to reproduce it.
   */
  maskConvPadding: boolean;
  dropout: number;
  /** Dropout on attention weights. */
  attentionDropout: number;
  vocabSize: number;
  /** CTC blank id. */
  blank: number;
  layerNormEps: number;
  batchNormEps: number;
  batchNormMomentum: number;
}

export interface SubsamplingConfig {
  /**
   * 'conv2d': 3x3 stride-2 Conv2d + ReLU layers (two for 4x, three for 8x; 6x = 3x3 stride 2 then 5x5 stride 3),
   * then a linear layer from channels x remaining features to dModel. 'none': identity (a linear projection when
   * inputDim != dModel).
   */
  type: 'conv2d' | 'none';
  factor: 1 | 4 | 6 | 8;
  /** Conv2d channels. */
  channels: number;
}

/** Defaults: the reference model (fbank80, 4x, 8 Conformer blocks of 144, 4 heads, FFN 576, kernel 31, 30 tokens). */
export const DEFAULT_CONFIG: ModelConfig = {
  format: 'asr-ts-ctc',
  version: 1,
  inputDim: 80,
  subsampling: { type: 'conv2d', factor: 4, channels: 144 },
  dModel: 144,
  numLayers: 8,
  block: 'conformer',
  numHeads: 4,
  ffnDim: 576,
  ffnActivation: 'silu',
  posEnc: 'rel',
  convKernel: 31,
  convNorm: 'batchnorm',
  causalConv: false,
  maskConvPadding: true,
  dropout: 0.1,
  attentionDropout: 0.1,
  vocabSize: 30,
  blank: 0,
  layerNormEps: 1e-5,
  batchNormEps: 1e-5,
  batchNormMomentum: 0.1,
};

export type ModelConfigInput = Partial<Omit<ModelConfig, 'subsampling'>> & { subsampling?: Partial<SubsamplingConfig> };

function fail(source: string, problem: string): never {
  throw new AsrError(`${source}: ${problem}`);
}

function posInt(source: string, key: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) fail(source, `${key} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string | number>(source: string, key: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail(source, `${key} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

function bool(source: string, key: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(source, `${key} must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function rate(source: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(source, `${key} must be a number in [0, 1), got ${JSON.stringify(v)}`);
  return v;
}

function positive(source: string, key: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(source, `${key} must be a positive number, got ${JSON.stringify(v)}`);
  return v;
}

const KNOWN_KEYS = new Set(Object.keys(DEFAULT_CONFIG));

/**
 * Fills defaults and validates a model config (from config.json or code). `source` names the file in errors,
 * e.g. `exp/model/config.json: numHeads must divide dModel (144 % 5 != 0)`.
 */
export function resolveModelConfig(input: unknown, source = 'model config'): ModelConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail(source, 'expected a JSON object');
  const o = input as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KNOWN_KEYS.has(k)) fail(source, `unknown key '${k}'`);
  const d = DEFAULT_CONFIG;
  const get = (k: keyof ModelConfig): unknown => (o[k] === undefined ? d[k] : o[k]);
  const subIn = o.subsampling === undefined ? {} : o.subsampling;
  if (typeof subIn !== 'object' || subIn === null || Array.isArray(subIn)) fail(source, 'subsampling must be an object');
  const s = subIn as Record<string, unknown>;
  for (const k of Object.keys(s)) if (!['type', 'factor', 'channels'].includes(k)) fail(source, `unknown key 'subsampling.${k}'`);
  const subType = oneOf(source, 'subsampling.type', s.type ?? d.subsampling.type, ['conv2d', 'none'] as const);
  const factor = oneOf(source, 'subsampling.factor', s.factor ?? (subType === 'none' ? 1 : d.subsampling.factor), [1, 4, 6, 8] as const);
  if ((subType === 'none') !== (factor === 1)) fail(source, `subsampling.factor ${factor} does not fit subsampling.type '${subType}'`);
  const subsampling: SubsamplingConfig = {
    type: subType,
    factor,
    channels: posInt(source, 'subsampling.channels', s.channels ?? d.subsampling.channels),
  };
  if (o.format !== undefined && o.format !== 'asr-ts-ctc') fail(source, `format must be "asr-ts-ctc", got ${JSON.stringify(o.format)}`);
  if (o.version !== undefined && o.version !== 1) fail(source, `unsupported version ${JSON.stringify(o.version)} (this build reads version 1)`);
  const cfg: ModelConfig = {
    format: 'asr-ts-ctc',
    version: 1,
    inputDim: posInt(source, 'inputDim', get('inputDim')),
    subsampling,
    dModel: posInt(source, 'dModel', get('dModel')),
    numLayers: posInt(source, 'numLayers', get('numLayers'), 0),
    block: oneOf(source, 'block', get('block'), ['conformer', 'transformer'] as const),
    numHeads: posInt(source, 'numHeads', get('numHeads')),
    ffnDim: posInt(source, 'ffnDim', get('ffnDim')),
    ffnActivation: oneOf(source, 'ffnActivation', get('ffnActivation'), ['silu', 'relu'] as const),
    posEnc: oneOf(source, 'posEnc', get('posEnc'), ['rel', 'abs', 'none'] as const),
    convKernel: posInt(source, 'convKernel', get('convKernel')),
    convNorm: oneOf(source, 'convNorm', get('convNorm'), ['batchnorm', 'layernorm'] as const),
    causalConv: bool(source, 'causalConv', get('causalConv')),
    maskConvPadding: bool(source, 'maskConvPadding', get('maskConvPadding')),
    dropout: rate(source, 'dropout', get('dropout')),
    attentionDropout: rate(source, 'attentionDropout', get('attentionDropout')),
    vocabSize: posInt(source, 'vocabSize', get('vocabSize'), 2),
    blank: posInt(source, 'blank', get('blank'), 0),
    layerNormEps: positive(source, 'layerNormEps', get('layerNormEps')),
    batchNormEps: positive(source, 'batchNormEps', get('batchNormEps')),
    batchNormMomentum: rate(source, 'batchNormMomentum', get('batchNormMomentum')),
  };
  if (cfg.dModel % cfg.numHeads !== 0) fail(source, `numHeads must divide dModel (${cfg.dModel} % ${cfg.numHeads} != 0)`);
  if (cfg.posEnc !== 'none' && cfg.dModel % 2 !== 0) fail(source, `posEnc '${cfg.posEnc}' needs an even dModel, got ${cfg.dModel}`);
  if (cfg.block === 'conformer' && cfg.convKernel % 2 !== 1) fail(source, `convKernel must be odd, got ${cfg.convKernel}`);
  if (cfg.blank >= cfg.vocabSize) fail(source, `blank ${cfg.blank} is not below vocabSize ${cfg.vocabSize}`);
  if (subsampling.type === 'conv2d' && subsampledDim(cfg.inputDim, factor) < 1) {
    fail(source, `inputDim ${cfg.inputDim} is too small for ${factor}x conv2d subsampling`);
  }
  return cfg;
}

/** Shorthand for code: defaults overridden by `overrides`, validated. */
export function modelConfig(overrides: ModelConfigInput = {}): ModelConfig {
  return resolveModelConfig(overrides, 'model config');
}

/** The conv layers of a subsampling factor: [kernel, stride] each, applied to both time and frequency. */
export function subsamplingLayers(factor: SubsamplingConfig['factor']): [number, number][] {
  switch (factor) {
    case 1:
      return [];
    case 4:
      return [
        [3, 2],
        [3, 2],
      ];
    case 6:
      return [
        [3, 2],
        [5, 3],
      ];
    case 8:
      return [
        [3, 2],
        [3, 2],
        [3, 2],
      ];
  }
}

/** Length after one valid (unpadded) convolution; 0 when the input is shorter than the kernel. */
function convOut(n: number, k: number, s: number): number {
  return n < k ? 0 : Math.floor((n - k) / s) + 1;
}

/** Feature (frequency) size after the conv subsampling. */
export function subsampledDim(inputDim: number, factor: SubsamplingConfig['factor']): number {
  let n = inputDim;
  for (const [k, s] of subsamplingLayers(factor)) n = convOut(n, k, s);
  return n;
}

/** Output frames for `frames` input frames (exact, as the convolutions compute it). */
export function outputLength(config: ModelConfig, frames: number): number {
  let n = frames;
  for (const [k, s] of subsamplingLayers(config.subsampling.factor)) n = convOut(n, k, s);
  return n;
}

/** Fewest input frames giving at least one output frame. */
export function minInputFrames(config: ModelConfig): number {
  let n = 1;
  for (const [k, s] of subsamplingLayers(config.subsampling.factor).reverse()) n = (n - 1) * s + k;
  return n;
}
