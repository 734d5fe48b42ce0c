/**
 * Edit-distance alignment of a reference and a hypothesis token sequence, with sclite's costs and tie-breaking.
 *
 * sclite (SCTK `wwd_WORD`) weighs correct 0, substitution 4, insertion 3, deletion 3. Its DP keeps, per cell,
 * the diagonal move when it is no worse than both others, else the deletion when strictly cheaper than the
 * insertion, else the insertion; the alignment is read back from the last cell. Reproducing those rules gives
 * sclite's S/D/I split (and its alignment), which a unit-cost Levenshtein with another tie-break does not.
 */

/** C correct, S substitution, D deletion (reference token unmatched), I insertion (hypothesis token unmatched). */
export type EditOp = 'C' | 'S' | 'D' | 'I';

/** One column of an alignment: `ref` is null for an insertion, `hyp` null for a deletion. */
export interface AlignedPair {
  op: EditOp;
  ref: string | null;
  hyp: string | null;
}

export interface EditCounts {
  correct: number;
  sub: number;
  del: number;
  ins: number;
}

export interface Alignment extends EditCounts {
  /** The columns in order, reference and hypothesis left to right. */
  ops: AlignedPair[];
}

/** Costs of the edit operations (a correct match costs 0). */
export interface EditCosts {
  sub: number;
  ins: number;
  del: number;
}

/** sclite's word-to-word distances. */
export const SCLITE_COSTS: Readonly<EditCosts> = Object.freeze({ sub: 4, ins: 3, del: 3 });
/** Plain Levenshtein. */
export const UNIT_COSTS: Readonly<EditCosts> = Object.freeze({ sub: 1, ins: 1, del: 1 });

/** Which cost model to align with: sclite's weights or unit costs. */
export type CostModel = 'sclite' | 'unit';

export function costsFor(model: CostModel): Readonly<EditCosts> {
  return model === 'unit' ? UNIT_COSTS : SCLITE_COSTS;
}

// Back-pointer codes, and op codes of an alignment read back from them.
const DIAG = 0;
const UP = 1; // deletion: came from the cell above (one fewer reference token)
const LEFT = 2; // insertion: came from the cell to the left (one fewer hypothesis token)

/** Op codes in {@link alignIds}' output. */
export const OP_CORRECT = 0;
export const OP_SUB = 1;
export const OP_DEL = 2;
export const OP_INS = 3;

// Scratch buffers reused across calls (alignment is synchronous, so one set suffices); grown on demand.
let backBuf = new Uint8Array(1 << 16);
let rowA = new Int32Array(256);
let rowB = new Int32Array(256);
let opsBuf = new Uint8Array(512);

/**
 * Aligns two sequences of integer token ids (equal ids = equal tokens). Returns the op codes (OP_*) in order,
 * as a fresh array. Costs are integers, so the DP is exact. Time O(n*m); memory (n+1)*(m+1) bytes of back
 * pointers plus two rows.
 */
export function alignIds(ref: ArrayLike<number>, hyp: ArrayLike<number>, costs: Readonly<EditCosts> = SCLITE_COSTS): Uint8Array {
  const n = ref.length;
  const m = hyp.length;
  const w = m + 1;
  const cells = (n + 1) * w;
  // one byte of back pointer per cell; beyond this the matrix would not fit in memory anyway
  if (cells > 2 ** 31) throw new RangeError(`sequences too long to align: ${n} x ${m} tokens`);
  if (backBuf.length < cells) backBuf = new Uint8Array(Math.max(cells, backBuf.length * 2));
  if (rowA.length < w) {
    rowA = new Int32Array(Math.max(w, rowA.length * 2));
    rowB = new Int32Array(rowA.length);
  }
  const back = backBuf;
  let prev = rowA;
  let cur = rowB;
  const { sub: cs, ins: ci, del: cd } = costs;
  // row 0: only insertions
  prev[0] = 0;
  for (let j = 1; j <= m; j++) {
    prev[j] = prev[j - 1] + ci;
    back[j] = LEFT;
  }
  for (let i = 1; i <= n; i++) {
    const r = ref[i - 1];
    const base = i * w;
    cur[0] = prev[0] + cd;
    back[base] = UP;
    for (let j = 1; j <= m; j++) {
      const s = prev[j - 1] + (r === hyp[j - 1] ? 0 : cs);
      const d = prev[j] + cd;
      const a = cur[j - 1] + ci;
      if (s <= d && s <= a) {
        cur[j] = s;
        back[base + j] = DIAG;
      } else if (d < a) {
        cur[j] = d;
        back[base + j] = UP;
      } else {
        cur[j] = a;
        back[base + j] = LEFT;
      }
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  // read back from (n, m); the path has at most n + m steps
  if (opsBuf.length < n + m) opsBuf = new Uint8Array(Math.max(n + m, opsBuf.length * 2));
  let k = n + m;
  let i = n;
  let j = m;
  while (i > 0 || j > 0) {
    const b = back[i * w + j];
    if (b === DIAG) {
      opsBuf[--k] = ref[i - 1] === hyp[j - 1] ? OP_CORRECT : OP_SUB;
      i--;
      j--;
    } else if (b === UP) {
      opsBuf[--k] = OP_DEL;
      i--;
    } else {
      opsBuf[--k] = OP_INS;
      j--;
    }
  }
  return opsBuf.slice(k, n + m);
}

/** Unit-cost edit distance between two sequences (tokens compared with ===), in O(min(n,m)) memory. */
export function editDistance<T>(a: ArrayLike<T>, b: ArrayLike<T>): number {
  if (a.length < b.length) [a, b] = [b, a];
  const m = b.length;
  let prev = new Int32Array(m + 1);
  let cur = new Int32Array(m + 1);
  for (let j = 0; j <= m; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    const x = a[i - 1];
    for (let j = 1; j <= m; j++) {
      const s = prev[j - 1] + (x === b[j - 1] ? 0 : 1);
      const d = prev[j] + 1;
      const ins = cur[j - 1] + 1;
      cur[j] = s < d ? (s < ins ? s : ins) : d < ins ? d : ins;
    }
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[m];
}

/** Maps tokens to integer ids shared by both sequences, so the DP compares integers. */
export function internTokens(ref: readonly string[], hyp: readonly string[]): { ref: Int32Array; hyp: Int32Array } {
  const ids = new Map<string, number>();
  const map = (toks: readonly string[]): Int32Array => {
    const out = new Int32Array(toks.length);
    for (let k = 0; k < toks.length; k++) {
      let id = ids.get(toks[k]);
      if (id === undefined) {
        id = ids.size;
        ids.set(toks[k], id);
      }
      out[k] = id;
    }
    return out;
  };
  return { ref: map(ref), hyp: map(hyp) };
}

/** Counts the ops of an alignment. */
export function countOps(codes: ArrayLike<number>): EditCounts {
  const c = [0, 0, 0, 0];
  for (let k = 0; k < codes.length; k++) c[codes[k]]++;
  return { correct: c[OP_CORRECT], sub: c[OP_SUB], del: c[OP_DEL], ins: c[OP_INS] };
}

const OP_LETTERS: readonly EditOp[] = ['C', 'S', 'D', 'I'];

/** Turns op codes back into columns of tokens. */
export function opsToPairs(codes: ArrayLike<number>, ref: readonly string[], hyp: readonly string[]): AlignedPair[] {
  const out: AlignedPair[] = new Array(codes.length);
  let i = 0;
  let j = 0;
  for (let k = 0; k < codes.length; k++) {
    const c = codes[k];
    const op = OP_LETTERS[c];
    if (c === OP_DEL) out[k] = { op, ref: ref[i++], hyp: null };
    else if (c === OP_INS) out[k] = { op, ref: null, hyp: hyp[j++] };
    else out[k] = { op, ref: ref[i++], hyp: hyp[j++] };
  }
  return out;
}

/**
 * Aligns two token sequences (compared exactly: fold case beforehand for sclite's default) and counts the
 * edits. `costs` defaults to sclite's weights.
 */
export function alignWords(ref: readonly string[], hyp: readonly string[], costs: CostModel | Readonly<EditCosts> = 'sclite'): Alignment {
  const ids = internTokens(ref, hyp);
  const codes = alignIds(ids.ref, ids.hyp, typeof costs === 'string' ? costsFor(costs) : costs);
  return { ...countOps(codes), ops: opsToPairs(codes, ref, hyp) };
}
