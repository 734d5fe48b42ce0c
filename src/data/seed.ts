/**
 * A 32-bit seed derived from a corpus seed and names (line, replica, voice, purpose) by FNV-1a over their text.
 * Every random choice of a synthesized utterance comes from a generator seeded this way, so it depends only on
 * what it is for and never on the order in which the work is done (parallel jobs, resumed runs).
 */
export function deriveSeed(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0001');
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // one round of mixing so seeds that differ in the last character are far apart
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  return h >>> 0;
}
