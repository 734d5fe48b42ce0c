import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable } from 'node:stream';
import { readableSource, prependSource, type ByteSource } from '../audio/source.js';
import { rawStreamFromSource, wavStreamFromSource } from '../audio/pcm-stream.js';
import { monoOf } from '../audio/mix.js';
import type { AudioStream } from '../audio/types.js';
import { AsrError } from '../util/errors.js';

/**
 * Live audio sources for streaming: a byte stream holding raw s16le 16 kHz mono PCM or a WAV (sniffed from the
 * header), and the microphone through the platform recorder. Blocks are yielded as they arrive (no waiting for
 * large reads), mono float samples with their rate.
 */

export interface SampleBlock {
  samples: Float32Array | Float64Array;
  sampleRate: number;
}

/** Small reads so live input is not held back (0.1 s of 16-bit 16 kHz mono). */
const LIVE_READ_BYTES = 3200;

async function blocksOf(stream: AudioStream): Promise<AsyncGenerator<SampleBlock, void, void>> {
  return (async function* () {
    try {
      for await (const chans of stream.chunks()) {
        const mono = monoOf(chans, undefined, stream.name);
        if (mono.length > 0) yield { samples: mono, sampleRate: stream.sampleRate };
      }
    } finally {
      await stream.close();
    }
  })();
}

/** A Node stream of raw s16le mono PCM at `rawRate` Hz, or a WAV when it starts with RIFF/RF64. */
export async function pcmOrWavBlocks(input: Readable, name: string, rawRate = 16000): Promise<AsyncGenerator<SampleBlock, void, void>> {
  const src: ByteSource = readableSource(input, name);
  const head = await src.read(4);
  const joined = prependSource(head, src);
  const magic = String.fromCharCode(...head);
  const stream =
    magic === 'RIFF' || magic === 'RF64'
      ? await wavStreamFromSource(joined, name, { readBytes: LIVE_READ_BYTES })
      : rawStreamFromSource(joined, name, { encoding: 's16le', sampleRate: rawRate, channels: 1 }, { readBytes: LIVE_READ_BYTES });
  return blocksOf(stream);
}

function onPath(exe: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const ext of process.platform === 'win32' ? ['.exe', '.cmd', ''] : ['']) {
      try {
        accessSync(join(dir, exe + ext), constants.X_OK);
        return true;
      } catch {
        // not here
      }
    }
  }
  return false;
}

/** The recorder command for this platform: arecord, sox or ffmpeg, whichever exists (16 kHz mono s16le to stdout). */
export function findRecorder(): { command: string; args: string[] } | null {
  if (process.platform === 'linux' && onPath('arecord')) return { command: 'arecord', args: ['-q', '-f', 'S16_LE', '-r', '16000', '-c', '1', '-t', 'raw'] };
  if (onPath('sox')) return { command: 'sox', args: ['-q', '-d', '-t', 'raw', '-r', '16000', '-e', 'signed-integer', '-b', '16', '-c', '1', '-'] };
  if (onPath('ffmpeg')) {
    const input = process.platform === 'darwin' ? ['-f', 'avfoundation', '-i', ':0'] : process.platform === 'win32' ? ['-f', 'dshow', '-i', 'audio=default'] : ['-f', 'pulse', '-i', 'default'];
    return { command: 'ffmpeg', args: ['-loglevel', 'error', ...input, '-ac', '1', '-ar', '16000', '-f', 's16le', '-'] };
  }
  return null;
}

export interface MicSource {
  blocks: AsyncGenerator<SampleBlock, void, void>;
  /** Stops the recorder; the blocks then end. */
  stop(): void;
  child: ChildProcess;
}

/**
 * Captures the microphone by spawning a recorder that writes raw s16le 16 kHz mono to stdout: `command` (run by
 * the shell) when given, else {@link findRecorder}'s. Fails with one line when no recorder exists or it exits with
 * an error before the first audio.
 */
export async function openMic(command?: string): Promise<MicSource> {
  let child: ChildProcess;
  let label: string;
  if (command !== undefined) {
    label = command;
    child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
  } else {
    const r = findRecorder();
    if (r === null) throw new AsrError('--mic: no recorder found (install arecord (alsa-utils), sox or ffmpeg, or pass --mic-command CMD writing s16le 16 kHz mono to stdout)');
    label = r.command;
    child = spawn(r.command, r.args, { stdio: ['ignore', 'pipe', 'pipe'] });
  }
  let stderrTail = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderrTail = (stderrTail + b.toString('utf8')).slice(-400);
  });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let spawnError: Error | null = null;
  child.once('error', (e) => {
    spawnError = e;
  });
  let stopped = false;
  const inner = await pcmOrWavBlocks(child.stdout as Readable, `mic (${label})`);
  // A recorder that fails (no device, bad command) exits with an error before any audio: say so in one line.
  const blocks = (async function* (): AsyncGenerator<SampleBlock, void, void> {
    let any = false;
    for await (const b of inner) {
      any = true;
      yield b;
    }
    const code = await exited;
    if (spawnError !== null) throw new AsrError(`--mic: cannot start '${label}': ${(spawnError as Error).message}`);
    if (!any && !stopped) {
      const why = stderrTail.trim().split('\n').pop() ?? '';
      throw new AsrError(`--mic: '${label}' ended with code ${code} before any audio${why ? `: ${why}` : ''}`);
    }
  })();
  return {
    blocks,
    child,
    stop() {
      if (stopped) return;
      stopped = true;
      child.kill('SIGTERM');
    },
  };
}
