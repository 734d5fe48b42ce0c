import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { cliState } from './run.js';
type Register = (program: Command, setExitCode: (code: number) => void) => void;

/**
 * Each subcommand's module, loaded on demand: `asr features` need not load TensorFlow.js, the TTS engines or the
 * audio codecs (module loading was about a quarter of a 10-minute `asr features` run). Order = help order.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  features: async () => (await import('./features.js')).registerFeatures,
  cmvn: async () => (await import('./cmvn.js')).registerCmvn,
  wer: async () => (await import('./wer.js')).registerWer,
  data: async () => (await import('./data.js')).registerData,
  recipe: async () => (await import('./recipe.js')).registerRecipe,
  lm: async () => (await import('./lm.js')).registerLm,
  decode: async () => (await import('./decode.js')).registerDecode,
  stream: async () => (await import('./stream.js')).registerStream,
  serve: async () => (await import('./serve.js')).registerServe,
  transcribe: async () => (await import('./transcribe.js')).registerTranscribe,
  eval: async () => (await import('./eval.js')).registerEval,
  train: async () => (await import('./train.js')).registerTrain,
  plot: async () => (await import('./plot.js')).registerPlot,
  average: async () => (await import('./average.js')).registerAverage,
};

/** The subcommand named in argv (the first word that is not an option), if it is one of ours. */
function commandIn(argv: string[]): string | undefined {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  return word !== undefined && Object.hasOwn(COMMANDS, word) ? word : undefined;
}

function packageVersion(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * Builds the `asr` program; each subcommand lives in its own file under src/cli and calls the library. With `only`,
 * just that subcommand is loaded (the rest are not needed to run it); without, all of them (help, errors).
 */
export async function buildProgram(setExitCode: (code: number) => void, only?: string): Promise<Command> {
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
  const names = only !== undefined ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((n) => COMMANDS[n]()));
  for (const register of registers) register(program, setExitCode);
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
  const program = await buildProgram((c) => {
    code = c;
  }, commandIn(argv));
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
