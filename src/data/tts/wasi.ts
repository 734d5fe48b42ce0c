import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';

/**
 * A minimal WASI (preview1) host for running a command-line WebAssembly program once, entirely in memory: argv,
 * stdout/stderr captured as text, one preopened folder whose files live in a Map, and a clock frozen at zero.
 *
 * Why not node:wasi: it is experimental (a warning on every run) and crashes now and then when one compiled module
 * is instantiated many times (nodejs/node#52402, reported with this very flite build). The programs we run (flite)
 * need only a dozen calls, and an in-memory folder also spares us temporary files and makes every run independent
 * of the machine (no clock, no real files).
 */

const ERRNO_SUCCESS = 0;
const ERRNO_BADF = 8;
const ERRNO_INVAL = 28;
const ERRNO_NOENT = 44;
const ERRNO_NOSYS = 52;

const FILETYPE_CHARACTER_DEVICE = 2;
const FILETYPE_DIRECTORY = 3;
const FILETYPE_REGULAR_FILE = 4;

const OFLAGS_CREAT = 1;
const OFLAGS_TRUNC = 8;

/** Thrown by proc_exit to unwind out of the program; carries the exit code. */
class WasiExit {
  constructor(readonly code: number) {}
}

interface OpenFile {
  name: string;
  position: number;
}

export interface WasiRunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Files the program wrote into the preopened folder, by name relative to it. */
  files: Map<string, Uint8Array>;
}

export interface WasiRunOptions {
  /** argv, program name first. */
  args: string[];
  /** Name the program sees for its one preopened folder (e.g. `/out`). */
  preopen: string;
  /** Files present in the folder before the run. */
  files?: Map<string, Uint8Array>;
}

/** One in-memory file: `data` has spare capacity past `length` so appends stay cheap. */
interface MemFile {
  data: Uint8Array;
  length: number;
}

function writeAt(file: MemFile, pos: number, chunk: Uint8Array): void {
  const end = pos + chunk.length;
  if (end > file.data.length) {
    const grown = new Uint8Array(Math.max(end, 2 * file.data.length));
    grown.set(file.data.subarray(0, file.length));
    file.data = grown;
  }
  file.data.set(chunk, pos);
  file.length = Math.max(file.length, end);
}

/** Runs `module`'s `_start` once with the given argv and returns what it printed and wrote. */
export async function runWasiCommand(module: WasmModule, options: WasiRunOptions): Promise<WasiRunResult> {
  const store = new Map<string, MemFile>();
  for (const [name, data] of options.files ?? []) store.set(name, { data, length: data.length });
  const fds = new Map<number, OpenFile>();
  let nextFd = 4;
  const decoder = new TextDecoder();
  let stdout = '';
  let stderr = '';
  let memory: WasmMemory | undefined;
  const view = (): DataView => new DataView((memory as WasmMemory).buffer);
  const bytes = (): Uint8Array => new Uint8Array((memory as WasmMemory).buffer);
  const encoded = options.args.map((a) => new TextEncoder().encode(`${a}\0`));
  const preopenName = new TextEncoder().encode(options.preopen);

  /** Gathers the bytes of an iovec list: [ptr u32, len u32] pairs. */
  const gather = (iovs: number, count: number): Uint8Array => {
    const dv = view();
    const parts: Uint8Array[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      const ptr = dv.getUint32(iovs + 8 * i, true);
      const len = dv.getUint32(iovs + 8 * i + 4, true);
      parts.push(bytes().slice(ptr, ptr + len));
      total += len;
    }
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };

  const imports: Record<string, (...args: never[]) => number | void> = {
    args_sizes_get(argcPtr: number, bufSizePtr: number): number {
      const dv = view();
      dv.setUint32(argcPtr, encoded.length, true);
      dv.setUint32(bufSizePtr, encoded.reduce((a, e) => a + e.length, 0), true);
      return ERRNO_SUCCESS;
    },
    args_get(argvPtr: number, bufPtr: number): number {
      const dv = view();
      let p = bufPtr;
      encoded.forEach((e, i) => {
        dv.setUint32(argvPtr + 4 * i, p, true);
        bytes().set(e, p);
        p += e.length;
      });
      return ERRNO_SUCCESS;
    },
    environ_sizes_get(countPtr: number, sizePtr: number): number {
      view().setUint32(countPtr, 0, true);
      view().setUint32(sizePtr, 0, true);
      return ERRNO_SUCCESS;
    },
    environ_get(): number {
      return ERRNO_SUCCESS;
    },
    clock_time_get(_id: number, _precision: bigint, timePtr: number): number {
      // a frozen clock keeps runs reproducible
      view().setBigUint64(timePtr, 0n, true);
      return ERRNO_SUCCESS;
    },
    fd_close(fd: number): number {
      if (!fds.has(fd)) return fd <= 3 ? ERRNO_SUCCESS : ERRNO_BADF;
      fds.delete(fd);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_get(fd: number, ptr: number): number {
      const type = fd <= 2 ? FILETYPE_CHARACTER_DEVICE : fd === 3 ? FILETYPE_DIRECTORY : fds.has(fd) ? FILETYPE_REGULAR_FILE : -1;
      if (type < 0) return ERRNO_BADF;
      const dv = view();
      dv.setUint8(ptr, type);
      dv.setUint16(ptr + 2, 0, true);
      dv.setBigUint64(ptr + 8, 0xffffffffffffffffn, true);
      dv.setBigUint64(ptr + 16, 0xffffffffffffffffn, true);
      return ERRNO_SUCCESS;
    },
    fd_fdstat_set_flags(): number {
      return ERRNO_SUCCESS;
    },
    fd_prestat_get(fd: number, ptr: number): number {
      if (fd !== 3) return ERRNO_BADF;
      view().setUint8(ptr, 0);
      view().setUint32(ptr + 4, preopenName.length, true);
      return ERRNO_SUCCESS;
    },
    fd_prestat_dir_name(fd: number, pathPtr: number, pathLen: number): number {
      if (fd !== 3) return ERRNO_BADF;
      bytes().set(preopenName.subarray(0, pathLen), pathPtr);
      return ERRNO_SUCCESS;
    },
    fd_read(fd: number, iovs: number, count: number, nreadPtr: number): number {
      const f = fds.get(fd);
      if (!f) {
        if (fd === 0) {
          view().setUint32(nreadPtr, 0, true);
          return ERRNO_SUCCESS;
        }
        return ERRNO_BADF;
      }
      const file = store.get(f.name) as MemFile;
      const len = file.length;
      const dv = view();
      let n = 0;
      for (let i = 0; i < count && f.position < len; i++) {
        const ptr = dv.getUint32(iovs + 8 * i, true);
        const want = dv.getUint32(iovs + 8 * i + 4, true);
        const take = Math.min(want, len - f.position);
        bytes().set(file.data.subarray(f.position, f.position + take), ptr);
        f.position += take;
        n += take;
      }
      dv.setUint32(nreadPtr, n, true);
      return ERRNO_SUCCESS;
    },
    fd_seek(fd: number, offset: bigint, whence: number, newOffsetPtr: number): number {
      const f = fds.get(fd);
      if (!f) return ERRNO_BADF;
      const len = (store.get(f.name) as MemFile).length;
      const base = whence === 0 ? 0 : whence === 1 ? f.position : whence === 2 ? len : -1;
      if (base < 0) return ERRNO_INVAL;
      const pos = base + Number(offset);
      if (pos < 0) return ERRNO_INVAL;
      f.position = pos;
      view().setBigUint64(newOffsetPtr, BigInt(pos), true);
      return ERRNO_SUCCESS;
    },
    fd_write(fd: number, iovs: number, count: number, nwrittenPtr: number): number {
      const data = gather(iovs, count);
      if (fd === 1 || fd === 2) {
        const text = decoder.decode(data);
        if (fd === 1) stdout += text;
        else stderr += text;
      } else {
        const f = fds.get(fd);
        if (!f) return ERRNO_BADF;
        writeAt(store.get(f.name) as MemFile, f.position, data);
        f.position += data.length;
      }
      view().setUint32(nwrittenPtr, data.length, true);
      return ERRNO_SUCCESS;
    },
    path_open(
      dirFd: number, _dirFlags: number, pathPtr: number, pathLen: number, oflags: number,
      _rightsBase: bigint, _rightsInheriting: bigint, _fdFlags: number, fdPtr: number,
    ): number {
      if (dirFd !== 3) return ERRNO_BADF;
      const name = decoder.decode(bytes().slice(pathPtr, pathPtr + pathLen)).replace(/^\.?\/+/, '');
      if (!store.has(name)) {
        if (!(oflags & OFLAGS_CREAT)) return ERRNO_NOENT;
        store.set(name, { data: new Uint8Array(0), length: 0 });
      } else if (oflags & OFLAGS_TRUNC) {
        (store.get(name) as MemFile).length = 0;
      }
      const fd = nextFd++;
      fds.set(fd, { name, position: 0 });
      view().setUint32(fdPtr, fd, true);
      return ERRNO_SUCCESS;
    },
    proc_exit(code: number): void {
      throw new WasiExit(code);
    },
  };
  // anything else the module imports answers "not supported" rather than failing to link
  const wasiImports: Record<string, (...args: never[]) => number | void> = {};
  for (const imp of wasmApi.Module.imports(module)) {
    if (imp.module !== 'wasi_snapshot_preview1' || imp.kind !== 'function') continue;
    wasiImports[imp.name] = imports[imp.name] ?? ((): number => ERRNO_NOSYS);
  }
  const instance = await wasmApi.instantiate(module, { wasi_snapshot_preview1: wasiImports });
  memory = instance.exports.memory as WasmMemory;
  let exitCode = 0;
  try {
    (instance.exports._start as () => void)();
  } catch (e) {
    if (e instanceof WasiExit) exitCode = e.code;
    else throw e;
  }
  const files = new Map<string, Uint8Array>();
  for (const [name, f] of store) files.set(name, f.data.slice(0, f.length));
  return { exitCode, stdout, stderr, files };
}
