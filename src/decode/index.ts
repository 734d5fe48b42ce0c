export { decodeCtc, createCtcDecoder, greedyDecode, type DecodeOptions, type CtcDecoder } from './decode.js';
export { createBeamSearch, type BeamSearch, type BeamSearchOptions, type Hypothesis, type DecodeResult } from './beam-search.js';
export { createTokenSet, parseTokens, readTokensFile, toTokenCase, WORD_START, type TokenSet, type TokenSetOptions } from './tokens.js';
export { buildHotwordTrie, parseHotwords, readHotwordsFile, type Hotword, type HotwordTrie } from './hotwords.js';
export { ctcAlign, bestPath, wordsFromLabels, type DecodedWord, type TokenSpan } from './align.js';
export { parseNpy, parsePosteriorsJson, readPosteriorsFile, checkPosteriors, type Posteriors } from './posteriors.js';
export { penalizeBlank } from './blank-penalty.js';
export { MODEL_DECODE_FILE, DECODE_DEFAULTS, checkDecodeDefaults, readDecodeDefaults, definedSettings, type ModelDecodeDefaults } from './model-defaults.js';
