export { initBackend, currentBackend, describeBackend, parseBackendName, BACKEND_NAMES } from './select.js';
export type { BackendInfo, BackendName, BackendOptions } from './select.js';
export { loadWasm } from './wasm.js';
export type { WasmLoad } from './wasm.js';
export { registerFastKernels, copyBox } from './kernels.js';
export { kernelArrays } from './arrays.js';
export type { KernelArrays } from './arrays.js';
