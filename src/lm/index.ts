export {
  type NgramLm, type LmState, MISSING_UNK_LOG10, beginState, nullState, scoreWord, findChild, findNgram, wordId, totalNgrams,
  forEachNgram, vocabMap,
} from './model.js';
export { type Corpus, type CorpusOptions, corpusFromText, corpusFromFile, wordsOfText, checkCorpus, BOS, EOS, UNK } from './corpus.js';
export { buildKneserNey, MAX_ORDER, type KneserNeyOptions, type KneserNeyStats } from './kneser-ney.js';
export { parseArpa, readArpaFile, type ArpaReadOptions } from './arpa-read.js';
export { writeArpaFile, writeArpaTo, arpaToString, formatFloat32 } from './arpa-write.js';
export { lmToBinary, lmFromBinary, readBinaryLm, writeBinaryLm, isBinaryLm } from './binary.js';
export { loadLm } from './load.js';
export { scoreSentence, perplexityOfText, perplexityOfFile, perplexityAccumulator, type PerplexityReport } from './evaluate.js';
export { bestNextLog10 } from './lookahead.js';
export { closeLm, CLOSED_LOG10 } from './closed.js';
