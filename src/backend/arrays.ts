import type * as tf from '@tensorflow/tfjs';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Typed-array access to tensor memory inside a kernel, without copies where the backend allows it.
 *
 * - wasm: tensors live in the module's heap; `typedArrayFromHeap` gives a view. A `malloc` may grow the heap and
 *   (single-threaded build) detach earlier views, so allocate every output first, then take views.
 * - cpu: `readSync` returns the stored array itself; outputs are adopted JS arrays.
 */
export interface KernelArrays {
  /** Allocates an output tensor (zero-filled when `zero`). */
  alloc(shape: number[], dtype?: 'float32' | 'int32', zero?: boolean): tf.TensorInfo;
  /** Views of tensors' data, in order; take them after the last `alloc`. */
  views(infos: tf.TensorInfo[]): Float32Array[];
}

interface ValuesBackend {
  readSync(dataId: object): unknown;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): tf.TensorInfo;
}

/** The kernel's backend as a {@link KernelArrays}; wasm and cpu (or any backend storing plain typed arrays). */
export function kernelArrays(backend: unknown): KernelArrays {
  if (backend instanceof BackendWasm) {
    const zeroes: tf.TensorInfo[] = [];
    return {
      alloc(shape, dtype = 'float32', zero = false) {
        const info = backend.makeOutput(shape, dtype);
        if (zero) zeroes.push(info);
        return info;
      },
      views(infos) {
        for (const z of zeroes.splice(0)) (backend.typedArrayFromHeap(z) as Float32Array).fill(0);
        return infos.map((t) => backend.typedArrayFromHeap(t) as Float32Array);
      },
    };
  }
  const b = backend as ValuesBackend;
  return {
    alloc(shape, dtype = 'float32') {
      const n = shape.reduce((a, c) => a * c, 1);
      return b.makeTensorInfo(shape, dtype, dtype === 'int32' ? new Int32Array(n) : new Float32Array(n));
    },
    views(infos) {
      return infos.map((t) => b.readSync(t.dataId) as Float32Array);
    },
  };
}
