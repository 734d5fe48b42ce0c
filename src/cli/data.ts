import type { Command } from 'commander';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { runCommand, parseIntOption, parseNumber } from './run.js';
import { createProgress } from './progress.js';
import { AsrError, fileError } from '../util/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import {
  VOICES, ESPEAK_ACCENTS, resolveVoices, voiceUnavailable, debianInstallCommand, debianVoicesToInstall, augmentProfile, synthesizeCorpus, digitStrings,
  normalizeForSpeech, wordnetSentences, WORDNET_DIR, prepareLibriSpeech, prepareKaldi, prepareNemo, writeManifest,
  speedPerturbRecords, parseSpeedFactors, splitBySpeaker, SPEAKER_RANGES, type VoiceInfo, type ManifestRecord, type SplitBy,
} from '../data/index.js';

const int = (name: string) => (v: string): number => parseIntOption(v, name);

/** One row of `asr data voices`. */
function voiceRow(v: VoiceInfo): string {
  const status = v.reserved ? 'RESERVED (test only)' : (voiceUnavailable(v) ?? 'ok');
  return [v.id.padEnd(34), v.source.padEnd(7), String(v.sampleRate).padEnd(6), v.accent.padEnd(20), (v.license.modelRedistributable ? 'free' : 'NOT free').padEnd(9), v.license.name.padEnd(52), status].join(' ');
}

function printVoices(voices: VoiceInfo[], all: boolean): void {
  const out: string[] = [['voice'.padEnd(34), 'source'.padEnd(7), 'rate'.padEnd(6), 'accent'.padEnd(20), 'model'.padEnd(9), 'license'.padEnd(52), 'status'].join(' ')];
  const espeak = voices.filter((v) => v.engine === 'espeak');
  if (!all && espeak.length > 0) {
    for (const [voice] of ESPEAK_ACCENTS) {
      const mine = espeak.filter((v) => v.engineVoice === voice || v.engineVoice.startsWith(`${voice}+`));
      if (mine.length === 0) continue;
      const def = mine.filter((v) => v.inDefault).length;
      out.push(`${voiceRow(mine[0]).replace(mine[0].id.padEnd(34), `espeak:${voice}[+variant]`.padEnd(34))}  (${mine.length} voices, ${def} in default)`);
    }
  }
  for (const v of voices) if (all || v.engine !== 'espeak') out.push(voiceRow(v));
  process.stdout.write(`${out.join('\n')}\n`);
}

/** Reads a text file, or standard input for `-`. */
async function readInput(path: string): Promise<string> {
  if (path !== '-') return readFile(path, 'utf8').catch(() => Promise.reject(fileError(path, 'cannot read')));
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function writeLines(lines: string[], out: string | undefined): Promise<void> {
  const text = lines.map((l) => `${l}\n`).join('');
  if (out) await writeFileAtomic(out, text);
  else process.stdout.write(text);
}

/** `asr data ...`: corpora in (prepare), corpora made (synth), and the text and splits around them. */
export function registerData(program: Command, setExitCode: (code: number) => void): void {
  const data = program.command('data').description('make and prepare training data: synthesized speech, LibriSpeech/Kaldi/NeMo import, perturbation, splits');

  data
    .command('voices')
    .description('list the voices `asr data synth` can use, with source, license and status')
    .option('--voices <list>', 'only these (same syntax as synth --voices)')
    .option('--all', 'every voice, each eSpeak variant on its own line', false)
    .option('--json', 'print JSON', false)
    .option('--allow-reserved', 'with --voices: let reserved voices through', false)
    .option('--license-free', 'with --voices: only voices whose license allows redistributing a trained model', false)
    .action(async (o: { voices?: string; all: boolean; json: boolean; allowReserved: boolean; licenseFree: boolean }) => {
      setExitCode(
        await runCommand(() => {
          let list: VoiceInfo[] = o.voices ? resolveVoices(o.voices, { allowReserved: o.allowReserved, licenseFree: o.licenseFree }) : [...VOICES];
          if (!o.voices && o.licenseFree) list = list.filter((v) => v.license.modelRedistributable);
          if (o.json) {
            const rows = list.map((v) => ({ ...v, license: v.license.id, license_name: v.license.name, model_redistributable: v.license.modelRedistributable, unavailable: voiceUnavailable(v) }));
            process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
          } else printVoices(list, o.all);
        }),
      );
    });

  data
    .command('install-voices')
    .description('install optional Debian voices with apt-get (run as root; apt-get update first if the lists are old)')
    .argument('<voices>', 'voice list, e.g. festival:ked_diphone or festival')
    .option('--dry-run', 'print the apt-get command instead of running it', false)
    .option('--allow-reserved', 'also install reserved (test-only) voices, e.g. for building test sets', false)
    .action(async (spec: string, o: { dryRun: boolean; allowReserved: boolean }) => {
      setExitCode(
        await runCommand(async () => {
          const cmd = debianInstallCommand(debianVoicesToInstall(spec, o.allowReserved));
          if (!cmd) {
            process.stderr.write('asr data install-voices: already installed\n');
            return;
          }
          if (o.dryRun) {
            process.stdout.write(`${cmd.join(' ')}\n`);
            return;
          }
          const { spawnSync } = await import('node:child_process');
          const r = spawnSync(cmd[0], cmd.slice(1), { stdio: 'inherit' });
          if (r.status !== 0) throw new AsrError(`install-voices: ${cmd.join(' ')} failed (exit code ${r.status ?? 'none'}); it needs root and a current package list (apt-get update)`);
        }),
      );
    });

  data
    .command('synth')
    .description('render each line of a text file with many voices and pseudo-speakers into 16 kHz WAV and a NeMo manifest')
    .requiredOption('--text <file>', 'one sentence per line (normalized for speech here)')
    .requiredOption('--out <dir>', 'corpus folder: manifest.jsonl, synth.json, wav/')
    .option('--voices <list>', 'voices, groups (default, npm, espeak, flite, gnuspeech, festival, all) or patterns, comma-separated; -x removes', 'default')
    .option('--per-line <n>', 'renderings of each line', int('--per-line'), 1)
    .option('--seed <n>', 'seed of every random choice', int('--seed'), 0)
    .option('--jobs <n>', 'worker threads (0: render in this thread)', int('--jobs'), Math.min(2, availableParallelism()))
    .option('--speakers-per-voice <n>', 'pseudo-speakers made from each voice (rate, pitch, vocal-tract length)', int('--speakers-per-voice'), 8)
    .option('--speaker-range <range>', 'pseudo-speakers around each voice\'s own pitch and vocal tract (default), or raised pitch and a shorter vocal tract, as women\'s voices (high)', 'default')
    .option('--augment <profile>', 'recording conditions: none, default, heavy', 'default')
    .option('--max-lines <n>', 'use only the first N lines', int('--max-lines'))
    .option('--sample <n>', 'use a seeded random N of the lines', int('--sample'))
    .option('--allow-reserved', 'permit voices reserved for testing (never for a training corpus)', false)
    .option('--license-free', 'only voices whose license allows redistributing a model trained on them', false)
    .action(async (o: {
      text: string; out: string; voices: string; perLine: number; seed: number; jobs: number; speakersPerVoice: number;
      speakerRange: string; augment: string; maxLines?: number; sample?: number; allowReserved: boolean; licenseFree: boolean;
    }) => {
      setExitCode(
        await runCommand(async () => {
          const voices = resolveVoices(o.voices, { allowReserved: o.allowReserved, licenseFree: o.licenseFree });
          const profile = augmentProfile(o.augment);
          const speakerRange = SPEAKER_RANGES.find((r) => r === o.speakerRange);
          if (speakerRange === undefined) throw new AsrError(`--speaker-range: expected one of ${SPEAKER_RANGES.join(', ')}, got '${o.speakerRange}'`);
          const progress = createProgress('synth');
          const r = await synthesizeCorpus({
            textFile: o.text, outDir: o.out, voices, perLine: o.perLine, seed: o.seed, jobs: o.jobs, speakersPerVoice: o.speakersPerVoice, speakerRange,
            augment: { name: o.augment, profile }, maxLines: o.maxLines, sample: o.sample, onProgress: (d, t) => progress.update(d, t),
          });
          progress.done();
          process.stderr.write(
            `asr data synth: ${r.utterances} utterances (${r.rendered} rendered now), ${(r.seconds / 3600).toFixed(3)} h, ${voices.length} voices -> ${r.manifest}\n`,
          );
        }),
      );
    });

  data
    .command('digits')
    .description('random digit strings in words ("four oh seven"), one per line, for the digits task')
    .requiredOption('--count <n>', 'number of strings', int('--count'))
    .option('--min-length <n>', 'fewest digits', int('--min-length'), 1)
    .option('--max-length <n>', 'most digits', int('--max-length'), 7)
    .option('--oh-probability <p>', 'chance a 0 is said "oh" rather than "zero"', (v) => parseNumber(v, '--oh-probability'), 0.5)
    .option('--seed <n>', 'seed', int('--seed'), 0)
    .option('--out <file>', 'write here (default: standard output)')
    .action(async (o: { count: number; minLength: number; maxLength: number; ohProbability: number; seed: number; out?: string }) => {
      setExitCode(
        await runCommand(async () => {
          let lines: string[];
          try {
            lines = digitStrings({ count: o.count, minLength: o.minLength, maxLength: o.maxLength, ohProbability: o.ohProbability, seed: o.seed });
          } catch (e) {
            throw new AsrError((e as Error).message);
          }
          await writeLines(lines, o.out);
        }),
      );
    });

  data
    .command('normalize')
    .description('write English text out for speech: numbers, money, dates, abbreviations and symbols as words')
    .argument('[file]', 'text, one sentence per line (- or nothing: standard input)', '-')
    .option('--out <file>', 'write here (default: standard output)')
    .option('--transcript', 'print transcripts (lowercase words only) instead of the spoken form', false)
    .option('--skip-bad', 'drop lines that cannot be spoken instead of failing', false)
    .action(async (file: string, o: { out?: string; transcript: boolean; skipBad: boolean }) => {
      setExitCode(
        await runCommand(async () => {
          const lines = (await readInput(file)).split(/\r?\n/);
          const out: string[] = [];
          lines.forEach((raw, i) => {
            if (!raw.trim()) return;
            const t = normalizeForSpeech(raw);
            const bad = t.unspeakable.length > 0 ? `cannot speak ${t.unspeakable.map((c) => `'${c}'`).join(', ')}` : t.transcript === '' ? 'nothing to speak' : '';
            if (bad) {
              if (o.skipBad) return;
              throw fileError(file === '-' ? '<stdin>' : file, `line ${i + 1}: ${bad}`);
            }
            out.push(o.transcript ? t.transcript : t.spoken);
          });
          await writeLines(out, o.out);
        }),
      );
    });

  data
    .command('corpus')
    .description('build the English sentence corpus from WordNet 3.0 example sentences (Debian wordnet-base)')
    .requiredOption('--out <file>', 'sentences, one per line, normalized for speech')
    .option('--wordnet <dir>', 'WordNet database folder', WORDNET_DIR)
    .option('--min-words <n>', 'shortest sentence', int('--min-words'), 4)
    .option('--max-words <n>', 'longest sentence', int('--max-words'), 24)
    .action(async (o: { out: string; wordnet: string; minWords: number; maxWords: number }) => {
      setExitCode(
        await runCommand(async () => {
          const lines = await wordnetSentences(o.wordnet, { minWords: o.minWords, maxWords: o.maxWords });
          await writeLines(lines, o.out);
          process.stderr.write(`asr data corpus: ${lines.length} sentences -> ${o.out}\n`);
        }),
      );
    });

  data
    .command('prepare')
    .description('turn a corpus into a NeMo manifest with durations: librispeech (FLAC + *.trans.txt), kaldi (data folder), nemo (manifest)')
    .argument('<format>', 'librispeech, kaldi or nemo')
    .argument('<input>', 'the corpus folder (librispeech, kaldi) or manifest (nemo)')
    .requiredOption('--out <manifest>', 'manifest to write (audio paths relative to it)')
    .option('--wav-dir <dir>', 'kaldi: where audio cut by segments or made by wav.scp pipes is written')
    .option('--root <dir>', 'kaldi: folder that wav.scp paths and commands are relative to (default: current)')
    .action(async (format: string, input: string, o: { out: string; wavDir?: string; root?: string }) => {
      setExitCode(
        await runCommand(async () => {
          let records: ManifestRecord[];
          if (format === 'librispeech') records = await prepareLibriSpeech(input);
          else if (format === 'kaldi') records = await prepareKaldi(input, { wavDir: o.wavDir, root: o.root });
          else if (format === 'nemo') records = await prepareNemo(input);
          else throw new AsrError(`prepare: unknown format '${format}' (librispeech, kaldi or nemo)`);
          await writeManifest(o.out, records);
          const hours = records.reduce((a, r) => a + (r.duration ?? 0), 0) / 3600;
          process.stderr.write(`asr data prepare: ${records.length} utterances, ${hours.toFixed(3)} h -> ${o.out}\n`);
        }),
      );
    });

  data
    .command('perturb')
    .description('speed-perturbed copies of a manifest (Kaldi style: resampling; speakers prefixed sp<factor>-)')
    .requiredOption('--manifest <file>', 'input manifest')
    .requiredOption('--out <file>', 'output manifest: the originals and the copies')
    .requiredOption('--wav-dir <dir>', 'where the copies are written (sp<factor>/ under it)')
    .option('--factors <list>', 'speed factors', '0.9,1.1')
    .option('--no-original', 'leave the unperturbed originals out of the output')
    .action(async (o: { manifest: string; out: string; wavDir: string; factors: string; original: boolean }) => {
      setExitCode(
        await runCommand(async () => {
          const factors = parseSpeedFactors(o.factors);
          const records = await prepareNemo(o.manifest);
          const progress = createProgress('perturb');
          const all = await speedPerturbRecords(records, factors, o.wavDir, { keepOriginal: o.original, onProgress: (d, t) => progress.update(d, t) });
          progress.done();
          await writeManifest(o.out, all);
          process.stderr.write(`asr data perturb: ${all.length} utterances (${records.length * factors.length} copies) -> ${o.out}\n`);
        }),
      );
    });

  data
    .command('split')
    .description('split a manifest into train and validation with no speaker (or voice) in both')
    .requiredOption('--manifest <file>', 'input manifest (entries need "speaker", or "voice" with --by voice)')
    .requiredOption('--train <file>', 'training manifest to write')
    .requiredOption('--valid <file>', 'validation manifest to write')
    .option('--valid-fraction <f>', 'share of the duration for validation', (v) => parseNumber(v, '--valid-fraction'), 0.05)
    .option('--valid-speakers <n>', 'instead: this many speakers (voices) for validation', int('--valid-speakers'))
    .option('--by <what>', 'speaker or voice (keep all pseudo-speakers of a synthetic voice on one side)', 'speaker')
    .option('--seed <n>', 'seed of the speaker shuffle', int('--seed'), 0)
    .action(async (o: { manifest: string; train: string; valid: string; validFraction: number; validSpeakers?: number; by: string; seed: number }) => {
      setExitCode(
        await runCommand(async () => {
          if (o.by !== 'speaker' && o.by !== 'voice') throw new AsrError(`--by: expected speaker or voice, got '${o.by}'`);
          const records = await prepareNemo(o.manifest);
          const r = splitBySpeaker(records, { validFraction: o.validFraction, validGroups: o.validSpeakers, by: o.by as SplitBy, seed: o.seed });
          await writeManifest(o.train, r.train);
          await writeManifest(o.valid, r.valid);
          process.stderr.write(`asr data split: ${r.train.length} train, ${r.valid.length} valid (${r.validGroups.length} ${o.by}s held out)\n`);
        }),
      );
    });
}
