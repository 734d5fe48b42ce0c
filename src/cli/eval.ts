import type { Command } from 'commander';
import { parseIntOption, parseNumber, parsePositiveNumber, runCommand } from './run.js';
import { addEntropyAdaptOptions, addVtlnOption, entropyAdaptFrom, formatWarpScores, vtlnFrom, type EntropyAdaptFlags } from './adapt.js';
import { createProgress } from './progress.js';
import { addDecodeOptions } from './decode.js';
import { decodeFlagsFrom, defaultModelDir, type DecodeFlags } from './transcribe.js';
import { createCtcDecoder, DECODE_DEFAULTS, definedSettings, type CtcDecoder } from '../decode/index.js';
import { AsrError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { initBackend, describeBackend } from '../backend/index.js';
import { confusionReport, formatConfusionReport, formatGroupTable, formatKaldiSummary, groupTotals, parseConfusionsOption } from '../eval/index.js';
import { bestOf, disposeRecognizer, evaluateManifest, formatGridTable, gridPoints, loadRecognizer, parseCmvnMode, type EvalUtterance, type GridPoint } from '../transcribe/index.js';

interface EvalCliOptions extends DecodeFlags, EntropyAdaptFlags {
  model?: string;
  manifest?: string;
  output?: string;
  backend?: string;
  caseSensitive?: boolean;
  cmvn: string;
  adaptBn?: boolean;
  adaptMinSeconds?: string;
  by?: string;
  confusions?: string | boolean;
  vtln?: string;
  vtlnCriterion?: string;
}

const pct = (num: number, den: number): number | null => (den > 0 ? Number(((100 * num) / den).toFixed(4)) : null);

function resultLine(u: EvalUtterance): string {
  const s = u.score;
  return JSON.stringify({
    id: u.id,
    audio_filepath: u.audioFilepath,
    duration: Number(u.duration.toFixed(3)),
    ref: u.ref,
    // "text" is the hypothesis, so `asr wer MANIFEST results.jsonl` rescores this file
    text: u.hyp,
    wer: pct(s.errors, s.refWords),
    errors: s.errors,
    words: s.refWords,
    cor: s.correct,
    sub: s.sub,
    del: s.del,
    ins: s.ins,
    cer: pct(u.charScore.errors, u.charScore.refWords),
    word_times: u.words.map((w) => ({ word: w.word, start: Number(w.start.toFixed(3)), end: Number(w.end.toFixed(3)), confidence: Number(w.confidence.toFixed(4)) })),
    ...(u.error ? { error: u.error } : {}),
  });
}

/** A flag's comma-separated values ("0.3,0.5,0.7"). */
function valuesOf(value: string, name: string, parse: (v: string, name: string) => number): number[] {
  return value.split(',').map((v) => parse(v.trim(), name));
}

/** The grid the decode flags span (gridPoints of their comma-separated values). */
export function decodeGrid(opts: Pick<DecodeFlags, 'beam' | 'lmWeight' | 'wordBonus' | 'blankPenalty' | 'oovPenalty'>): GridPoint[] {
  const beams = valuesOf(opts.beam, '--beam', parseIntOption);
  if (beams.some((b) => b < 1)) throw new AsrError('--beam: must be at least 1');
  return gridPoints({
    beam: beams,
    lmWeight: valuesOf(opts.lmWeight, '--lm-weight', parseNumber),
    wordBonus: valuesOf(opts.wordBonus, '--word-bonus', parseNumber),
    blankPenalty: valuesOf(opts.blankPenalty, '--blank-penalty', parseNumber),
    oovPenalty: valuesOf(opts.oovPenalty, '--oov-penalty', parseNumber),
  });
}

/** `asr eval`: transcribe a manifest with a model and score it (WER and CER, compute-wer format). */
export function registerEval(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('eval')
    .description('transcribe every utterance of a NeMo manifest with a model and print WER and CER as compute-wer does')
    .option('--model <dir>', 'model directory (default: models/english)')
    .option('--manifest <file>', 'NeMo manifest (audio_filepath, text) to score on')
    .option('--output <file>', 'write per-utterance results as JSON lines (id, ref, text = hypothesis, counts, word times)')
    .option('--backend <name>', 'compute backend: auto, tensorflow-gpu, tensorflow, wasm, cpu')
    .option('-s, --case-sensitive', 'compare case-sensitively (default: case folded, as asr wer)')
    .option(
      '--cmvn <mode>',
      "utterance: normalise each utterance as the model's features.json says; speaker: by the average statistics of " +
        "the utterances with the same manifest `speaker` field (Kaldi's utt2spk CMVN; for models trained with per-utterance CMVN)",
      'utterance',
    )
    .option(
      '--adapt-bn',
      "re-estimate the model's BatchNorm statistics on each speaker's utterances (manifest `speaker` field; speakers with " +
        'at least 10 s of audio) before recognising them: no transcripts are used (AdaBN)',
    )
    .option('--by <field>', 'also print WER per value of this manifest field (speaker, voice, ...), one row each, as sclite does per speaker')
    .option('--confusions [n]', "also print which words go wrong, as sclite's dtl report (confusion pairs, insertions, deletions, substitutions, falsely recognized words); n: the first n rows of each")
    .option('--adapt-min-seconds <s>', 'speakers with less audio than this keep the unadapted model (--adapt-bn, --adapt-entropy)', '10')
    .addHelpText(
      'after',
      '\n--beam, --lm-weight, --word-bonus, --blank-penalty and --oov-penalty also take comma-separated lists (--lm-weight 0.3,0.5,0.7):\n' +
        'the model runs once and every combination is decoded and scored, one row each, as Kaldi sweeps LM weights;\n' +
        'the summary, --output and --by are then the best row\'s. Choose on a development set, not the test set.',
    );
  addDecodeOptions(addEntropyAdaptOptions(addVtlnOption(cmd), 'their utterances')).action(async (opts: EvalCliOptions) => {
    setExitCode(
      await runCommand(async () => {
        if (!opts.manifest) throw new AsrError('eval: --manifest FILE is required');
        const confusionRows = opts.confusions === undefined ? null : parseConfusionsOption(opts.confusions);
        const dir = defaultModelDir(opts.model);
        const backend = await initBackend({ backend: opts.backend });
        const cmvn = parseCmvnMode(opts.cmvn);
        const adaptEntropy = entropyAdaptFrom(opts);
        const vtln = vtlnFrom(opts.vtln, opts.vtlnCriterion);
        const listed = decodeGrid(opts);
        if (listed.length > 1 && opts.greedy) throw new AsrError('eval: lists of --beam, --lm-weight, --word-bonus, --blank-penalty or --oov-penalty values need beam search, not --greedy');
        const p0 = listed[0];
        const first: EvalCliOptions = { ...opts, beam: String(p0.beam), lmWeight: String(p0.lmWeight), wordBonus: String(p0.wordBonus), blankPenalty: String(p0.blankPenalty), oovPenalty: String(p0.oovPenalty) };
        // the flags' decoder options once (the hotwords file read once): the recognizer's, and each sweep point's base
        const flags = decodeFlagsFrom(cmd, first);
        const r = loadRecognizer(dir, { lm: opts.lm ?? undefined, decode: flags });
        // the settings not given on the command line are the model's (decode.json) or the decoder's defaults
        const fromCli = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
        const d = { ...DECODE_DEFAULTS, ...definedSettings(r.decode) };
        const grid = decodeGrid({
          beam: fromCli('beam') ? opts.beam : String(d.beamWidth),
          lmWeight: fromCli('lmWeight') ? opts.lmWeight : String(d.lmWeight),
          wordBonus: fromCli('wordBonus') ? opts.wordBonus : String(d.wordBonus),
          blankPenalty: fromCli('blankPenalty') ? opts.blankPenalty : String(d.blankPenalty),
          oovPenalty: fromCli('oovPenalty') ? opts.oovPenalty : String(d.oovPenalty),
        });
        let decoders: CtcDecoder[] | undefined;
        if (grid.length > 1) {
          const base = { ...r.decode, ...flags, lm: r.lm, frameDuration: r.frameDuration };
          decoders = grid.map((g) => createCtcDecoder(r.tokenSet, { ...base, beamWidth: g.beam, lmWeight: g.lmWeight, wordBonus: g.wordBonus, blankPenalty: g.blankPenalty, oovPenalty: g.oovPenalty }));
        }
        const progress = createProgress('eval');
        const measuring = createProgress(opts.adaptBn || adaptEntropy || vtln ? 'speaker adaptation' : 'speaker CMVN');
        let res;
        try {
          res = await evaluateManifest(r, opts.manifest, {
            score: { caseSensitive: !!opts.caseSensitive },
            cmvn,
            adaptBn: opts.adaptBn === true,
            adaptEntropy,
            adaptMinSeconds: parsePositiveNumber(opts.adaptMinSeconds ?? '10', '--adapt-min-seconds'),
            ...(opts.by !== undefined ? { groupBy: opts.by } : {}),
            ...(vtln ? { vtln } : {}),
            ...(decoders ? { decoders } : {}),
            onMeasure: (done, total) => measuring.update(done, total),
            onUtterance: (done, total) => {
              if (done === 1) measuring.done();
              progress.update(done, total);
            },
          });
        } finally {
          measuring.done();
          progress.done();
          disposeRecognizer(r);
        }
        if (res.decoders) {
          // Kaldi's scoring sweeps print every point; the summary, --output and --by below are the best one's
          const best = bestOf(res.decoders);
          process.stdout.write(`${formatGridTable(grid, res.decoders, best)}\n`);
          const g = grid[best];
          process.stdout.write(`best: --beam ${g.beam} --lm-weight ${g.lmWeight} --word-bonus ${g.wordBonus} --blank-penalty ${g.blankPenalty} --oov-penalty ${g.oovPenalty}\n`);
          res = { ...res, ...res.decoders[best] };
        }
        if (opts.output) await writeFileAtomic(opts.output, res.utterances.map(resultLine).join('\n') + '\n');
        for (const u of res.utterances) if (u.error) process.stderr.write(`asr eval: warning: ${u.error} (scored as empty)\n`);
        if (cmvn === 'speaker' && !res.speakers) process.stderr.write(`asr eval: warning: ${opts.manifest}: no line has a "speaker" field, so every utterance kept its own CMVN\n`);
        if (opts.adaptBn && !res.adaptedSpeakers) process.stderr.write(`asr eval: warning: ${opts.manifest}: no speaker has 10 s of audio (or no line has a "speaker" field), so the model's BatchNorm statistics were kept\n`);
        if (adaptEntropy && (res.entropyAdapted ?? []).length === 0) process.stderr.write(`asr eval: warning: ${opts.manifest}: no speaker has ${opts.adaptMinSeconds ?? '10'} s of audio (or no line has a "speaker" field), so no model was adapted\n`);
        if (vtln && (res.warps ?? []).length === 0) process.stderr.write(`asr eval: warning: ${opts.manifest}: no line has a "speaker" field, so no VTLN warp was chosen\n`);
        for (const w of res.warps ?? []) process.stderr.write(`asr eval: --vtln: speaker ${w.speaker}: warp ${w.warp} (${formatWarpScores(w.scores, w.criterion)})\n`);
        for (const a of res.entropyAdapted ?? []) process.stderr.write(`asr eval: --adapt-entropy: speaker ${a.speaker}: word entropy ${a.before.toFixed(4)} (first steps) -> ${a.after.toFixed(4)} (last steps)\n`);
        process.stdout.write(`${formatKaldiSummary(res.wer, res.failed, 'WER')}\n`);
        const cer = formatKaldiSummary(res.cer, res.failed, 'CER').split('\n')[0];
        process.stdout.write(`${cer}\n`);
        if (opts.by !== undefined) {
          const labels = res.utterances.map((u) => u.group);
          if (labels.every((l) => l === undefined)) process.stderr.write(`asr eval: warning: ${opts.manifest}: no line has a "${opts.by}" field\n`);
          process.stdout.write(`\n${formatGroupTable(opts.by, groupTotals(res.utterances.map((u) => u.score), labels))}\n`);
        }
        if (confusionRows !== null) process.stdout.write(`\n${formatConfusionReport(confusionReport(res.utterances.map((u) => u.score)), confusionRows)}\n`);
        const rtf = res.audioSeconds > 0 ? res.wallSeconds / res.audioSeconds : 0;
        process.stderr.write(
          `asr eval: ${res.utterances.length} utterances, ${res.audioSeconds.toFixed(1)} s of audio in ${res.wallSeconds.toFixed(1)} s ` +
            `(RTF ${rtf.toFixed(3)}), model ${dir}${r.lmPath ? `, LM ${r.lmPath}` : ', no LM'}${cmvn === 'speaker' ? `, speaker CMVN (${res.speakers ?? 0} speakers)` : ''}${opts.adaptBn ? `, speaker BatchNorm statistics (${res.adaptedSpeakers ?? 0} speakers)` : ''}, ${describeBackend(backend)}\n`,
        );
        return res.failed > 0 ? 1 : 0;
      }),
    );
  });
}
