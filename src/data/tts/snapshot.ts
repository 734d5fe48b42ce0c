/**
 * Memory snapshots of an Emscripten module: the whole state of the C program (globals, heap, the rand() state, the
 * synthesizer's history) lives in its linear memory, so copying the memory once after start-up and writing it back
 * before each utterance gives every utterance the state of a fresh instance, without paying for a new instance.
 * (Checked: eSpeak NG renders byte-identical audio this way and with a new instance per utterance.)
 * Between calls the stack pointer, the only other mutable state, is back at its base.
 */
export interface HeapOwner {
  HEAPU8: Uint8Array;
}

/** Takes the snapshot now; the returned function restores it (memory that grew since is zeroed, as fresh memory is). */
export function snapshotHeap(m: HeapOwner): () => void {
  const saved = m.HEAPU8.slice();
  return () => {
    const heap = m.HEAPU8;
    heap.set(saved);
    if (heap.length > saved.length) heap.fill(0, saved.length);
  };
}
