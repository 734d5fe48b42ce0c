import type { Command } from 'commander';
import { runCommand, parseIntOption, parseNumber } from './run.js';
import { addDecodeOptions } from './decode.js';
import { addStreamingOptions, recognizerFactory, type StreamCliOptions } from './stream.js';
import { AsrError } from '../util/errors.js';
import { initBackend } from '../backend/index.js';
import { createAsrServer } from '../serve/server.js';

interface ServeCliOptions extends StreamCliOptions {
  port: string;
  host: string;
  maxUploadMb: string;
  maxStreams: string;
}

export function registerServe(program: Command, setExitCode: (code: number) => void): void {
  const cmd = program
    .command('serve')
    .description('recognition server: WebSocket /v1/stream (PCM in, partial/final JSON out) and POST /v1/audio/transcriptions (OpenAI-style upload)')
    .option('--port <n>', 'TCP port (0 picks a free one)', '8080')
    .option('--host <addr>', 'address to bind (only this machine by default)', '127.0.0.1')
    .option('--max-upload-mb <n>', 'largest upload to /v1/audio/transcriptions, MiB', '25')
    .option('--max-streams <n>', 'concurrent WebSocket streams', '4');
  addStreamingOptions(cmd);
  addDecodeOptions(cmd).action(async (opts: ServeCliOptions) => {
    setExitCode(
      await runCommand(async () => {
        const port = parseIntOption(opts.port, '--port');
        if (port > 65535) throw new AsrError(`--port: ${port} is not a TCP port`);
        const maxUploadMb = parseNumber(opts.maxUploadMb, '--max-upload-mb');
        if (!(maxUploadMb > 0)) throw new AsrError('--max-upload-mb: must be positive');
        const maxStreams = parseIntOption(opts.maxStreams, '--max-streams');
        if (maxStreams < 1) throw new AsrError('--max-streams: must be at least 1');
        await initBackend({ backend: opts.backend });
        const createRecognizer = recognizerFactory({ ...opts, mic: false, realtime: false, json: true }, undefined, true, (flag) => cmd.getOptionValueSource(flag) === 'cli');
        const srv = createAsrServer({
          createRecognizer,
          maxUploadBytes: Math.floor(maxUploadMb * 1024 * 1024),
          maxStreams,
          log: (l) => process.stderr.write(`asr serve: ${l}\n`),
        });
        await new Promise<void>((resolve, reject) => {
          srv.server.once('error', (e: NodeJS.ErrnoException) =>
            reject(new AsrError(`--host ${opts.host} --port ${port}: cannot listen (${e.code ?? e.message})`)),
          );
          srv.server.listen(port, opts.host, () => resolve());
        });
        const addr = srv.server.address();
        const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
        const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
        process.stdout.write(`asr serve: listening on http://${host}:${bound} (WebSocket ws://${host}:${bound}/v1/stream, POST /v1/audio/transcriptions)\n`);
        await new Promise<void>((resolve) => {
          const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            void srv.close().then(resolve);
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
      }),
    );
  });
}
