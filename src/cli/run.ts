import { AsrError, errorMessage } from '../util/errors.js';

/** Global CLI state set from `--verbose`. */
export const cliState = { verbose: false };

/**
 * Runs a command body and turns failures into one clear line on stderr and exit code 1
 * (a stack trace only with --verbose). Returns the exit code; the body may return its own (e.g. 1 when some
 * files of a batch failed).
 */
export async function runCommand(body: () => Promise<number | void> | number | void): Promise<number> {
  try {
    const code = await body();
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const msg = errorMessage(e);
    process.stderr.write(`asr: error: ${msg.split('\n')[0]}\n`);
    if (cliState.verbose && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
    else if (!(e instanceof AsrError) && cliState.verbose === false && process.env.ASR_DEBUG) {
      process.stderr.write(`${String((e as Error).stack)}\n`);
    }
    return 1;
  }
}

/** Parses Kaldi-style booleans: true/false, 1/0, yes/no; bare flag (value `true`) means true. */
export function parseBool(value: string | boolean, name = 'option'): boolean {
  if (typeof value === 'boolean') return value;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1' || v === 'yes' || v === 't') return true;
  if (v === 'false' || v === '0' || v === 'no' || v === 'f') return false;
  throw new AsrError(`${name}: expected true or false, got '${value}'`);
}

/** Parses a finite number option, with the option's name in the error. */
export function parseNumber(value: string, name = 'option'): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new AsrError(`${name}: expected a number, got '${value}'`);
  return n;
}

/** Parses a non-negative integer option. */
export function parseIntOption(value: string, name = 'option'): number {
  const n = parseNumber(value, name);
  if (!Number.isInteger(n) || n < 0) throw new AsrError(`${name}: expected a non-negative integer, got '${value}'`);
  return n;
}

/** Parses a whole-number option of at least 1. */
export function parsePositiveInt(value: string, name = 'option'): number {
  const n = parseNumber(value, name);
  if (!Number.isInteger(n) || n < 1) throw new AsrError(`${name}: expected a whole number of at least 1, got '${value}'`);
  return n;
}

/** Parses a number option above 0. */
export function parsePositiveNumber(value: string, name = 'option'): number {
  const n = parseNumber(value, name);
  if (!(n > 0)) throw new AsrError(`${name}: expected a number above 0, got '${value}'`);
  return n;
}
