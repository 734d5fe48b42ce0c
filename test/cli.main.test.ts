import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildOnce } from './helpers/build.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'asr.js');
const run = (args: string[]): { code: number | null; out: string; err: string } => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

// The CLI loads only the subcommand it runs; help and errors must still see all of them.
describe('asr entry point', () => {
  const commands = ['features', 'cmvn', 'wer', 'data', 'recipe', 'lm', 'decode', 'stream', 'serve', 'transcribe', 'eval', 'train', 'plot'];

  it('--help lists every command; help <command> and <command> --help work; --version prints the version', () => {
    buildOnce();
    const help = run(['--help']);
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(run(['help', 'wer']).out).toContain('Usage: asr wer');
    expect(run(['--verbose', 'decode', '--help']).out).toContain('Usage: asr decode');
    expect(run(['--version']).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown command is one error line and a non-zero exit', () => {
    buildOnce();
    const r = run(['nosuch']);
    expect(r.code).not.toBe(0);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toContain("unknown command 'nosuch'");
  });
});
