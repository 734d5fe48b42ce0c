import type { Command } from 'commander';
import { runCommand } from './run.js';
import { AsrError, errorMessage } from '../util/errors.js';
import {
  confusionReport,
  confusionReportJson,
  formatConfusionReport,
  parseConfusionsOption,
  formatKaldiSummary,
  formatUtteranceDetails,
  normalizeOptionsFromSteps,
  pairTranscripts,
  readTranscripts,
  scorePairs,
  type ScoreOptions,
  type TranscriptFormat,
  type UtteranceScore,
} from '../eval/index.js';

interface WerOpts {
  cer?: boolean;
  keepSpaces?: boolean;
  unitCost?: boolean;
  caseSensitive?: boolean;
  normalize?: string;
  format: string;
  json?: boolean;
  details?: boolean;
  confusions?: string | boolean;
}

const FORMATS = ['auto', 'kaldi', 'jsonl', 'trn'];

const HELP_AFTER = `
Input files: Kaldi text (utt-id word ...), JSONL with "text" (id from "id", "utt_id", the audio_filepath basename
or the line number) or sclite trn (words (utt-id)); the format is detected from the content. Utterances are paired
by id; one missing from <hyp> is scored as an empty hypothesis (a warning says how many, and the summary ends
in [PARTIAL] as compute-wer's does); an id in <hyp> that is not in <ref> is an error.

Scoring is NIST sclite's: case-insensitive unless --case-sensitive, alignment costs correct 0, substitution 4,
insertion 3, deletion 3 with sclite's tie-breaking, so the ins/del/sub split equals sclite's. --cer scores
characters the way "sclite -c" does (spaces dropped). The plain Levenshtein CER (spaces counted, case kept) is
--cer --keep-spaces --unit-cost --case-sensitive.

Output: Kaldi compute-wer's lines, e.g.
  %WER 12.34 [ 56 / 454, 7 ins, 10 del, 39 sub ]
  %SER 40.00 [ 4 / 10 ]
  Scored 10 sentences, 0 not present in hyp.
--json prints one object: {"wer", "cor", "sub", "del", "ins", "errors", "words", "hyp_words", "utterances",
"utterances_with_errors", "ser", "missing_in_hyp", "unit"}. "wer" and "ser" are PERCENTAGES (100 * errors / words,
not rounded), null when the reference has no words; "words" counts characters with --cer. With --details it adds
"details": per utterance {"id", "cor", "sub", "del", "ins", "errors", "words", "wer" (percent or null),
"alignment": [{"op": "C|S|D|I", "ref": token or null, "hyp": token or null}, ...]}. With --confusions it adds
"confusions": {"pairs": [{"ref", "hyp", "count"}, ...], "insertions", "deletions", "substitutions",
"falsely_recognized": [{"word", "count"}, ...]}, most frequent first.`;

function parseFormat(v: string): TranscriptFormat | 'auto' {
  if (!FORMATS.includes(v)) throw new AsrError(`--format: expected one of ${FORMATS.join(', ')}, got '${v}'`);
  return v as TranscriptFormat | 'auto';
}

function scoreOptionsFrom(opts: WerOpts): ScoreOptions {
  if (opts.keepSpaces && !opts.cer) throw new AsrError('--keep-spaces only applies with --cer');
  let normalize;
  if (opts.normalize !== undefined) {
    const steps = opts.normalize.split(',').map((s) => s.trim()).filter((s) => s !== '');
    try {
      normalize = normalizeOptionsFromSteps(steps);
    } catch (e) {
      throw new AsrError(`--normalize: ${errorMessage(e)}`);
    }
  }
  return {
    caseSensitive: !!opts.caseSensitive,
    unit: opts.cer ? 'char' : 'word',
    keepSpaces: !!opts.keepSpaces,
    costs: opts.unitCost ? 'unit' : 'sclite',
    normalize,
  };
}

const percent = (num: number, den: number): number | null => (den > 0 ? (100 * num) / den : null);

function utteranceJson(u: UtteranceScore): Record<string, unknown> {
  return {
    id: u.id,
    cor: u.correct,
    sub: u.sub,
    del: u.del,
    ins: u.ins,
    errors: u.errors,
    words: u.refWords,
    wer: percent(u.errors, u.refWords),
    alignment: u.alignment,
  };
}

/** `asr wer`: scores a hypothesis transcript file against a reference, sclite-exact, printed like compute-wer. */
export function registerWer(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('wer')
    .description('word (or character) error rate of <hyp> against <ref>, with NIST sclite alignment rules')
    .argument('<ref>', 'reference transcripts (Kaldi text, JSONL manifest or sclite trn)')
    .argument('<hyp>', 'hypothesis transcripts, same kinds')
    .option('--cer', 'score characters instead of words (sclite -c: characters of the words, spaces dropped)')
    .option('--keep-spaces', 'with --cer: count the space between words as a character')
    .option('--unit-cost', 'align with unit costs (plain Levenshtein) instead of sclite weights 0/4/3/3')
    .option('-s, --case-sensitive', 'compare case-sensitively (sclite -s); by default case is folded')
    .option(
      '--normalize <steps>',
      'normalize both texts first; comma-separated steps: case (lower-case), punct (punctuation and symbols to ' +
        "spaces, word-internal apostrophes kept), apostrophes (delete apostrophes: don't -> dont), numbers " +
        '(42 -> forty two), or all (= case,punct,numbers)',
    )
    .option('--format <fmt>', `transcript format of both files: ${FORMATS.join(', ')}`, 'auto')
    .option('--json', 'print the totals as one JSON object (rates in percent, see below)')
    .option('--details', 'also print each utterance: its counts and sclite-style REF:/HYP:/Eval: alignment')
    .option(
      '--confusions [n]',
      "also print which words go wrong, as sclite's dtl report: confusion pairs (ref ==> hyp), insertions, deletions, " +
        'substitutions and falsely recognized words, most frequent first; n: the first n rows of each',
    )
    .addHelpText('after', HELP_AFTER)
    .action(async (refFile: string, hypFile: string, opts: WerOpts) => {
      setExitCode(
        await runCommand(async () => {
          const scoreOpts = scoreOptionsFrom(opts);
          const confusionRows = opts.confusions === undefined ? null : parseConfusionsOption(opts.confusions);
          const format = parseFormat(opts.format);
          const ref = await readTranscripts(refFile, format);
          const hyp = await readTranscripts(hypFile, format);
          const { pairs, missingInHyp } = pairTranscripts(ref.entries, hyp.entries, refFile, hypFile);
          const { utterances, totals: t } = scorePairs(pairs, scoreOpts);
          if (missingInHyp.length > 0) {
            process.stderr.write(
              `asr wer: warning: ${missingInHyp.length} of ${pairs.length} reference utterances have no hypothesis ` +
                `in ${hypFile} (scored as empty), the first is '${missingInHyp[0]}'\n`,
            );
          }
          const out: string[] = [];
          if (opts.json) {
            const j: Record<string, unknown> = {
              wer: percent(t.errors, t.refWords),
              cor: t.correct,
              sub: t.sub,
              del: t.del,
              ins: t.ins,
              errors: t.errors,
              words: t.refWords,
              hyp_words: t.hypWords,
              utterances: t.utterances,
              utterances_with_errors: t.utterancesWithErrors,
              ser: percent(t.utterancesWithErrors, t.utterances),
              missing_in_hyp: missingInHyp.length,
              unit: scoreOpts.unit,
            };
            if (opts.details) j.details = utterances.map(utteranceJson);
            if (confusionRows !== null) j.confusions = confusionReportJson(confusionReport(utterances), confusionRows);
            out.push(JSON.stringify(j));
          } else {
            if (opts.details) {
              // sclite upper-cases errors only when it has folded case; so do we
              for (const u of utterances) out.push(formatUtteranceDetails(u, !scoreOpts.caseSensitive), '');
            }
            out.push(formatKaldiSummary(t, missingInHyp.length, opts.cer ? 'CER' : 'WER'));
            if (confusionRows !== null) out.push('', formatConfusionReport(confusionReport(utterances), confusionRows));
          }
          process.stdout.write(`${out.join('\n')}\n`);
        }),
      );
    });
}
