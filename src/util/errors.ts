/**
 * An error the user can act on: the CLI prints its message as one line (no stack trace unless --verbose)
 * and exits 1. The message names the file and the problem, e.g. `x.wav: truncated WAV data chunk`.
 */
export class AsrError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AsrError';
  }
}

/** Prefixes an error message with the file it concerns. */
export function fileError(file: string, problem: string, cause?: unknown): AsrError {
  return new AsrError(`${file}: ${problem}`, cause === undefined ? undefined : { cause });
}

/** The message of any thrown value. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
