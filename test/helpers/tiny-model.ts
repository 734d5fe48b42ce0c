import type { ModelConfigInput } from '../../src/model/index.js';

/** A two-block Conformer small enough for exact comparisons in unit tests (no dropout). */
export const TINY: ModelConfigInput = {
  inputDim: 16,
  subsampling: { type: 'conv2d', factor: 4, channels: 8 },
  dModel: 24,
  numLayers: 2,
  numHeads: 3,
  ffnDim: 40,
  convKernel: 5,
  vocabSize: 7,
  dropout: 0,
  attentionDropout: 0,
};
