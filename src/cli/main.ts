import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cliState } from './run.js';
import { registerFeatures } from './features.js';
import { registerWer } from './wer.js';
import { registerCmvn } from './cmvn.js';
import { registerData } from './data.js';
import { registerRecipe } from './recipe.js';
import { registerLm } from './lm.js';
import { registerDecode } from './decode.js';
import { registerStream } from './stream.js';
import { registerServe } from './serve.js';
import { registerTranscribe } from './transcribe.js';
import { registerEval } from './eval.js';
import { registerTrain } from './train.js';
import { registerPlot } from './plot.js';

function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Builds the `asr` program; each subcommand lives in its own file under src/cli and calls the library. */
export function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command();
  program
    .name('asr')
    .description('Speech recognition toolkit for TypeScript')
    .version(packageVersion(), '-V, --version')
    .option('--verbose', 'print stack traces with errors', false)
    .hook('preAction', (cmd) => {
      cliState.verbose = Boolean(cmd.opts<{ verbose?: boolean }>().verbose);
    })
    .exitOverride()
    .showHelpAfterError(false);
  registerFeatures(program, setExitCode);
  registerCmvn(program, setExitCode);
  registerWer(program, setExitCode);
  registerData(program, setExitCode);
  registerRecipe(program, setExitCode);
  registerLm(program, setExitCode);
  registerDecode(program, setExitCode);
  registerStream(program, setExitCode);
  registerServe(program, setExitCode);
  registerTranscribe(program, setExitCode);
  registerEval(program, setExitCode);
  registerTrain(program, setExitCode);
  registerPlot(program, setExitCode);
  return program;
}

/** CLI entry: returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  // `asr features x.wav | head`: a reader that hangs up is not an error; stop quietly as other Unix tools do
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  let code = 0;
  const program = buildProgram((c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (unknown option, --help, --version)
      return e.exitCode === 0 ? 0 : e.exitCode === 1 ? 1 : 2;
    }
    throw e;
  }
  return code;
}
