/**
 * Stable least-significant-digit radix sort of row indices whose keys are small non-negative integers (word
 * ids): one counting-sort pass per column, O(rows + maxKey) each. Sorting millions of n-grams this way takes a
 * fraction of a second and no per-row objects, where `Array.prototype.sort` with a comparator takes many.
 */

/**
 * Row indices `0..rows-1` sorted by the columns in `columns` order of significance: `columns[0]` is the most
 * significant. `fillKeys(col, keys)` writes the key of every row for column `col` into `keys[row]`; keys must lie
 * in `[0, maxKey]`.
 */
export function radixSortRows(
  rows: number,
  columns: number[],
  maxKey: number,
  fillKeys: (col: number, keys: Int32Array) => void,
): Int32Array {
  let perm = new Int32Array(rows);
  for (let i = 0; i < rows; i++) perm[i] = i;
  if (rows < 2 || columns.length === 0) return perm;
  let tmp = new Int32Array(rows);
  const keys = new Int32Array(rows);
  const bucket = new Int32Array(maxKey + 2);
  for (let c = columns.length - 1; c >= 0; c--) {
    fillKeys(columns[c], keys);
    bucket.fill(0);
    for (let i = 0; i < rows; i++) bucket[keys[i] + 1]++;
    // Skip a pass whose column is constant: the order would not change.
    if (bucket[keys[0] + 1] === rows) continue;
    for (let b = 1; b < bucket.length; b++) bucket[b] += bucket[b - 1];
    for (let i = 0; i < rows; i++) {
      const r = perm[i];
      tmp[bucket[keys[r]]++] = r;
    }
    const t = perm;
    perm = tmp;
    tmp = t;
  }
  return perm;
}

/** A growable Int32Array. */
export class IntBuffer {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = v;
  }
  /** The filled part (a view, not a copy). */
  view(): Int32Array {
    return this.data.subarray(0, this.length);
  }
}
