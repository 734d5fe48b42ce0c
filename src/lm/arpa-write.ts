import { closeSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { tempPathFor } from '../util/fs.js';
import { forEachNgram, type NgramLm } from './model.js';

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal that reads back as the same float32 (what KenLM prints), so an ARPA written from the
 * model reads back to identical numbers. Tries 1, 2, ... significant digits by integer rounding (exact: the
 * check parses the candidate the way a reader will), much faster than toPrecision for the millions of numbers
 * of a large model.
 */
export function formatFloat32(v: number): string {
  const x = Math.fround(v);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isFinite(a) && a >= 1e-5 && a < 1e7) {
    const e = Math.floor(Math.log10(a));
    for (let p = 1; p <= 10; p++) {
      const k = p - 1 - e; // decimals
      if (k < 0) continue;
      if (k > 22) break;
      const m = Math.round(a * POW10[k]);
      if (Math.fround(m / POW10[k]) !== a) continue;
      let d = String(m);
      if (k > 0) {
        if (d.length <= k) d = '0'.repeat(k - d.length + 1) + d;
        d = `${d.slice(0, d.length - k)}.${d.slice(d.length - k)}`.replace(/\.?0+$/, '');
      }
      return x < 0 ? `-${d}` : d;
    }
  }
  for (let p = 6; p <= 8; p++) {
    const s = x.toPrecision(p);
    if (Math.fround(Number(s)) === x) return String(Number(s));
  }
  return String(Number(x.toPrecision(9)));
}

/**
 * Writes the model as a standard ARPA file: `\data\` counts, one section per order with
 * `log10p<TAB>words[<TAB>log10backoff]` lines (a back-off on every entry below the highest order, as KenLM
 * writes), `\end\`. `emit` receives the text in pieces of about a megabyte.
 */
export function writeArpaTo(lm: NgramLm, emit: (text: string) => void): void {
  let buf = '\\data\\\n';
  for (let k = 1; k <= lm.order; k++) buf += `ngram ${k}=${lm.counts[k - 1]}\n`;
  const flush = (): void => {
    emit(buf);
    buf = '';
  };
  for (let k = 1; k <= lm.order; k++) {
    buf += `\n\\${k}-grams:\n`;
    const probs = lm.probs[k - 1];
    const bo = k < lm.order ? lm.backoffs[k - 1] : null;
    const vocab = lm.vocab;
    forEachNgram(lm, k, (ids, index) => {
      let words = vocab[ids[0]];
      for (let c = 1; c < k; c++) words += ' ' + vocab[ids[c]];
      buf += bo ? `${formatFloat32(probs[index])}\t${words}\t${formatFloat32(bo[index])}\n` : `${formatFloat32(probs[index])}\t${words}\n`;
      if (buf.length > 1 << 20) flush();
    });
  }
  buf += '\n\\end\\\n';
  flush();
}

/** The ARPA text of a model (small models; use writeArpaFile for large ones). */
export function arpaToString(lm: NgramLm): string {
  const parts: string[] = [];
  writeArpaTo(lm, (t) => parts.push(t));
  return parts.join('');
}

/** Writes an ARPA file atomically (through a temporary file and a rename). */
export function writeArpaFile(lm: NgramLm, path: string): void {
  const tmp = tempPathFor(path);
  const fd = openSync(tmp, 'w');
  try {
    writeArpaTo(lm, (t) => {
      writeSync(fd, t);
    });
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    throw e;
  }
}
