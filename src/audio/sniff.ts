/** Container/codec families we decode, told apart by their first bytes (never by the file name). */
export type AudioFormat = 'wav' | 'flac' | 'ogg-flac' | 'mp3' | 'opus' | 'vorbis';

export type SniffResult =
  | { format: AudioFormat }
  /** A format we recognise but do not decode (the message names it). */
  | { unsupported: string }
  | { unknown: true };

/** How many leading bytes {@link sniffFormat} wants to see (an ID3 tag may need more; see `id3Size`). */
export const SNIFF_BYTES = 64;

const ascii = (b: Uint8Array, at: number, s: string): boolean => {
  if (b.length < at + s.length) return false;
  for (let i = 0; i < s.length; i++) if (b[at + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** Size of a leading ID3v2 tag (header and footer included), or 0. */
export function id3Size(b: Uint8Array): number {
  if (!ascii(b, 0, 'ID3') || b.length < 10) return 0;
  // Synchsafe 28-bit size, then the 10-byte header and an optional 10-byte footer (flag bit 4).
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  return 10 + size + (b[5] & 0x10 ? 10 : 0);
}

/** An MPEG audio frame header at `at`: sync, a valid version/layer/bitrate/rate. */
export function isMpegFrameHeader(b: Uint8Array, at: number): boolean {
  if (b.length < at + 4) return false;
  if (b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return false;
  const version = (b[at + 1] >> 3) & 3;
  const layer = (b[at + 1] >> 1) & 3;
  const bitrate = b[at + 2] >> 4;
  const rate = (b[at + 2] >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3;
}

/** Names the codec of an Ogg stream from the first page's first packet. */
function sniffOgg(b: Uint8Array): SniffResult {
  if (b.length < 27) return { unknown: true };
  const payload = 27 + b[26]; // header + segment table
  if (ascii(b, payload, 'OpusHead')) return { format: 'opus' };
  if (b[payload] === 0x01 && ascii(b, payload + 1, 'vorbis')) return { format: 'vorbis' };
  if (b[payload] === 0x7f && ascii(b, payload + 1, 'FLAC')) return { format: 'ogg-flac' };
  if (ascii(b, payload, 'Speex')) return { unsupported: 'Ogg Speex' };
  if (b[payload] === 0x80 && ascii(b, payload + 1, 'theora')) return { unsupported: 'Ogg Theora (video)' };
  return { unsupported: 'Ogg with an unknown codec' };
}

/**
 * Detects the format from the first bytes. `b` should hold at least {@link SNIFF_BYTES} bytes (all of them for
 * short inputs); for an ID3-tagged file, pass the bytes after the tag to tell MP3 from FLAC, or it is taken as MP3.
 */
export function sniffFormat(b: Uint8Array): SniffResult {
  if ((ascii(b, 0, 'RIFF') || ascii(b, 0, 'RF64')) && ascii(b, 8, 'WAVE')) return { format: 'wav' };
  if (ascii(b, 0, 'RIFX') && ascii(b, 8, 'WAVE')) return { unsupported: 'big-endian WAV (RIFX)' };
  if (ascii(b, 0, 'fLaC')) return { format: 'flac' };
  if (ascii(b, 0, 'OggS')) return sniffOgg(b);
  const tag = id3Size(b);
  if (tag > 0) {
    if (ascii(b, tag, 'fLaC')) return { format: 'flac' };
    return { format: 'mp3' };
  }
  if (isMpegFrameHeader(b, 0)) return { format: 'mp3' };
  // ADTS AAC shares the 12-bit sync with MPEG audio, with layer bits 00.
  if (b.length >= 2 && b[0] === 0xff && (b[1] & 0xf6) === 0xf0) return { unsupported: 'AAC (ADTS)' };
  if (ascii(b, 0, 'FORM') && (ascii(b, 8, 'AIFF') || ascii(b, 8, 'AIFC'))) return { unsupported: 'AIFF' };
  if (ascii(b, 4, 'ftyp')) return { unsupported: 'MP4/M4A' };
  if (ascii(b, 0, 'caff')) return { unsupported: 'Core Audio (CAF)' };
  if (ascii(b, 0, '.snd')) return { unsupported: 'Sun/NeXT AU' };
  if (b.length >= 4 && b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return { unsupported: 'Matroska/WebM' };
  if (ascii(b, 0, 'NIST_1A')) return { unsupported: 'NIST SPHERE' };
  return { unknown: true };
}
