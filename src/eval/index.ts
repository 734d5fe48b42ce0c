/** Scoring: sclite-exact WER/CER alignment, transcript normalization, transcript file readers, report formatting. */
export {
  alignWords,
  alignIds,
  editDistance,
  internTokens,
  countOps,
  opsToPairs,
  costsFor,
  SCLITE_COSTS,
  UNIT_COSTS,
  OP_CORRECT,
  OP_SUB,
  OP_DEL,
  OP_INS,
  type EditOp,
  type AlignedPair,
  type EditCounts,
  type EditCosts,
  type Alignment,
  type CostModel,
} from './align.js';
export { normalizeText, normalizeOptionsFromSteps, isNormalizing, NORMALIZE_STEPS, type NormalizeOptions, type NormalizeStep } from './normalize.js';
export { expandNumbers, integerToWords, ordinalWords } from './numbers.js';
export {
  tokenize,
  scoreTokens,
  scoreUtterance,
  scorePairs,
  totalScores,
  wer,
  cer,
  type ScoreOptions,
  type UtteranceScore,
  type ScoreTotals,
  type ScoreResult,
  type TextPair,
} from './score.js';
export {
  parseTranscripts,
  readTranscripts,
  detectTranscriptFormat,
  pairTranscripts,
  type Transcript,
  type TranscriptFile,
  type TranscriptFormat,
  type PairedTranscripts,
} from './transcripts.js';
export { formatAlignment, formatUtteranceDetails, formatKaldiSummary, formatPercent, type AlignmentLines } from './format.js';
export { groupTotals, formatGroupTable, NO_GROUP, type GroupTotals } from './by-group.js';
export {
  confusionReport,
  formatConfusionReport,
  confusionReportJson,
  parseConfusionsOption,
  type ConfusionReport,
  type ConfusionPair,
  type WordCount,
} from './confusions.js';
