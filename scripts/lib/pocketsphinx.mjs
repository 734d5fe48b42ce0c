// What the benchmarks that run Debian's PocketSphinx as a peer share: running a tool (exit on failure, naming the
// bench), the en-us model's files, and pocketsphinx_batch over a folder of 16 kHz WAV files.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PS_MODEL = '/usr/share/pocketsphinx/model/en-us';
export const PS_HMM = `${PS_MODEL}/en-us`;
export const PS_DICT = `${PS_MODEL}/cmudict-en-us.dict`;
export const PS_LM = `${PS_MODEL}/en-us.lm.bin`;

/** A runner for `bench`: the command's result, or a two-line report and exit 1 when it fails. */
export function runner(bench) {
  return (cmd, args, opts = {}) => {
    const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
    if (r.status !== 0) {
      console.error(`${bench}: ${cmd} ${args.slice(0, 3).join(' ')} ...: exit ${r.status}\n${(r.stderr || '').split('\n').slice(-5).join('\n')}`);
      process.exit(1);
    }
    return r;
  };
}

/** Exits with one line naming the first of `[what, path]` that is missing, and how to install it. */
export function requireFiles(bench, items, hint = 'apt-get install pocketsphinx pocketsphinx-en-us sox') {
  for (const [what, p] of items) {
    if (!existsSync(p)) {
      console.error(`${bench}: ${p}: ${what} is missing (${hint})`);
      process.exit(1);
    }
  }
}

/**
 * pocketsphinx_batch over `dir`/ID.wav for each of `ids` (16 kHz 16-bit mono), with `search` (['-lm', FILE] or
 * ['-jsgf', FILE]); returns id -> words (alternate pronunciations' "(2)" marks removed).
 */
export function pocketsphinxBatch(run, dir, ids, search) {
  writeFileSync(join(dir, 'ps.ctl'), ids.join('\n') + '\n');
  run('pocketsphinx_batch', ['-adcin', 'yes', '-cepdir', dir, '-cepext', '.wav', '-ctl', join(dir, 'ps.ctl'), '-hmm', PS_HMM, '-dict', PS_DICT,
    ...search, '-hyp', join(dir, 'ps.hyp'), '-logfn', join(dir, 'ps.log')]);
  // ps.hyp lines: "words (id score)"
  return new Map(readFileSync(join(dir, 'ps.hyp'), 'utf8').split('\n').filter(Boolean).map((l) => {
    const m = /^(.*?)\s*\((\S+)\s+[-\d]+\)\s*$/.exec(l);
    return m ? [m[2], m[1].replace(/\(\d+\)/g, '').trim()] : ['', ''];
  }));
}
