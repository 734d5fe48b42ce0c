/**
 * The few WebAssembly JS-API types the engines use. The project compiles against ES2022 and Node's types only, which
 * do not declare the global `WebAssembly` namespace, so it is typed here and read from globalThis.
 */
export interface WasmModule {
  readonly wasmModuleBrand?: never;
}

export interface WasmInstance {
  exports: Record<string, unknown>;
}

export interface WasmMemory {
  buffer: ArrayBuffer;
}

export type WasmImports = Record<string, Record<string, unknown>>;

interface WasmApi {
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(module: WasmModule, imports: WasmImports): Promise<WasmInstance>;
  Module: { imports(module: WasmModule): { module: string; name: string; kind: string }[] };
}

export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
