import type { ByteSource } from './source.js';
import type { SampleEncoding } from './types.js';
import { fileError } from '../util/errors.js';

/** What a RIFF/RF64 WAVE header says, checked. The source it came from is left at the first data byte. */
export interface WavHeader {
  /** The fmt chunk's format tag; for WAVE_FORMAT_EXTENSIBLE (0xFFFE), the sub-format's. */
  formatTag: number;
  extensible: boolean;
  encoding: SampleEncoding;
  sampleRate: number;
  numChannels: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Container bits per sample (extensible files may declare fewer valid bits; we read the container). */
  bitsPerSample: number;
  /** Data chunk size as declared; undefined when the header says "unknown" (0xFFFFFFFF, as streaming writers do). */
  dataBytes: number | undefined;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_IEEE_FLOAT = 0x0003;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID whose first two bytes are a plain format tag. */
const SUBTYPE_GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];

/** Codecs people meet in WAV files that we do not decode, to name them in the error. */
const KNOWN_TAGS: Record<number, string> = {
  0x0002: 'Microsoft ADPCM',
  0x0011: 'IMA ADPCM',
  0x0022: 'TrueSpeech',
  0x0031: 'GSM 6.10',
  0x0040: 'G.721 ADPCM',
  0x0050: 'MPEG audio',
  0x0055: 'MPEG Layer 3 (MP3)',
  0x0161: 'Windows Media Audio',
  0x00ff: 'AAC',
  0x1610: 'AAC',
};

/** Refuse fmt chunks larger than this: a real one is 16..40 bytes (plus rare codec extras). */
const MAX_FMT_BYTES = 4096;

const fourcc = (b: Uint8Array, at: number): string => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
/** A chunk id fit for a one-line message (garbage bytes shown as '?'). */
const printable = (id: string): string => id.replace(/[^\x20-\x7e]/g, '?');
const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
const u64 = (b: Uint8Array, at: number): number => u32(b, at) + u32(b, at + 4) * 2 ** 32;

interface Fmt {
  formatTag: number;
  extensible: boolean;
  numChannels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

function parseFmt(b: Uint8Array, name: string): Fmt {
  if (b.length < 16) throw fileError(name, `bad WAV header: fmt chunk is ${b.length} bytes, needs at least 16`);
  let formatTag = u16(b, 0);
  const numChannels = u16(b, 2);
  const sampleRate = u32(b, 4);
  const blockAlign = u16(b, 12);
  const bitsPerSample = u16(b, 14);
  const extensible = formatTag === WAVE_FORMAT_EXTENSIBLE;
  if (extensible) {
    if (b.length < 40 || u16(b, 16) < 22) {
      throw fileError(name, `bad WAV header: WAVE_FORMAT_EXTENSIBLE fmt chunk is ${b.length} bytes, needs 40`);
    }
    const tail = b.subarray(26, 40);
    if (!SUBTYPE_GUID_TAIL.every((v, i) => tail[i] === v)) {
      throw fileError(name, 'unsupported WAV codec (WAVE_FORMAT_EXTENSIBLE with a non-standard sub-format GUID)');
    }
    formatTag = u16(b, 24);
  }
  if (numChannels === 0) throw fileError(name, 'bad WAV header: 0 channels');
  if (sampleRate === 0) throw fileError(name, 'bad WAV header: sample rate 0');
  return { formatTag, extensible, numChannels, sampleRate, blockAlign, bitsPerSample };
}

function encodingOf(f: Fmt, name: string): SampleEncoding {
  const { formatTag, bitsPerSample: bits, numChannels, blockAlign } = f;
  const hex = `0x${formatTag.toString(16).padStart(4, '0')}`;
  let enc: SampleEncoding;
  if (formatTag === WAVE_FORMAT_PCM) {
    const container = Math.ceil(bits / 8);
    const byContainer: Record<number, SampleEncoding> = { 1: 'u8', 2: 's16le', 3: 's24le', 4: 's32le' };
    if (bits === 0) throw fileError(name, 'bad WAV header: 0 bits per sample');
    if (!byContainer[container]) throw fileError(name, `unsupported WAV sample format: ${bits}-bit integer PCM`);
    enc = byContainer[container];
  } else if (formatTag === WAVE_FORMAT_IEEE_FLOAT) {
    if (bits !== 32 && bits !== 64) throw fileError(name, `unsupported WAV sample format: ${bits}-bit float`);
    enc = bits === 32 ? 'f32le' : 'f64le';
  } else if (formatTag === WAVE_FORMAT_ALAW || formatTag === WAVE_FORMAT_MULAW) {
    if (bits !== 8) throw fileError(name, `bad WAV header: G.711 ${formatTag === WAVE_FORMAT_ALAW ? 'a' : 'mu'}-law with ${bits} bits per sample`);
    enc = formatTag === WAVE_FORMAT_ALAW ? 'alaw' : 'mulaw';
  } else {
    const known = KNOWN_TAGS[formatTag];
    throw fileError(name, `unsupported WAV codec: ${known ? `${known} ` : ''}(format tag ${hex})`);
  }
  const bytes = { u8: 1, alaw: 1, mulaw: 1, s16le: 2, s24le: 3, s32le: 4, f32le: 4, f64le: 8 }[enc];
  if (blockAlign !== bytes * numChannels) {
    throw fileError(name, `bad WAV header: block align ${blockAlign} does not fit ${numChannels} channel(s) of ${bits}-bit samples`);
  }
  return enc;
}

/**
 * Reads a RIFF (or RF64) WAVE header chunk by chunk, forward only, up to the start of the data chunk, and checks it:
 * fmt size, channel count, sample rate, codec, block align. Chunks other than fmt/ds64/data are skipped unread.
 */
export async function readWavHeader(src: ByteSource, name: string): Promise<WavHeader> {
  const riff = await src.read(12);
  if (riff.length < 12 || !(fourcc(riff, 0) === 'RIFF' || fourcc(riff, 0) === 'RF64') || fourcc(riff, 8) !== 'WAVE') {
    throw fileError(name, 'not a RIFF WAVE file');
  }
  const rf64 = fourcc(riff, 0) === 'RF64';
  let rf64DataBytes: number | undefined;
  let fmt: Fmt | undefined;
  for (;;) {
    const head = await src.read(8);
    if (head.length < 8) {
      throw fileError(name, fmt ? 'bad WAV file: no data chunk' : 'bad WAV file: no fmt chunk');
    }
    const id = fourcc(head, 0);
    const size = u32(head, 4);
    if (id === 'data') {
      if (!fmt) throw fileError(name, 'bad WAV header: data chunk before the fmt chunk');
      const encoding = encodingOf(fmt, name);
      let dataBytes: number | undefined = size;
      if (size === 0xffffffff) dataBytes = rf64 ? rf64DataBytes : undefined;
      return {
        formatTag: fmt.formatTag,
        extensible: fmt.extensible,
        encoding,
        sampleRate: fmt.sampleRate,
        numChannels: fmt.numChannels,
        blockAlign: fmt.blockAlign,
        bitsPerSample: fmt.bitsPerSample,
        dataBytes,
      };
    }
    if (id === 'fmt ' || (id === 'ds64' && rf64)) {
      if (id === 'fmt ' && (size < 16 || size > MAX_FMT_BYTES)) throw fileError(name, `bad WAV header: fmt chunk size ${size}`);
      if (id === 'ds64' && (size < 28 || size > MAX_FMT_BYTES)) throw fileError(name, `bad RF64 header: ds64 chunk size ${size}`);
      const body = await src.read(size + (size & 1));
      if (body.length < size) throw fileError(name, `bad WAV file: it ends inside the ${id.trim()} chunk`);
      if (id === 'fmt ') fmt = parseFmt(body.subarray(0, size), name);
      else rf64DataBytes = u64(body, 8);
      continue;
    }
    // Chunks are padded to an even size.
    const skip = size + (size & 1);
    if ((await src.skip(skip)) < skip) {
      throw fileError(name, fmt ? `bad WAV file: no data chunk (it ends inside a '${printable(id)}' chunk)` : 'bad WAV file: no fmt chunk');
    }
  }
}
