/**
 * Runs `f` with console.error silenced. The WASM decoders print their errors there besides returning them in
 * `errors`, which we turn into one warning or error line; their decoding happens synchronously inside the call
 * (before an async method's first await), so silencing the call's synchronous extent is enough.
 */
export function quietly<T>(f: () => T): T {
  const saved = console.error;
  console.error = () => {};
  try {
    return f();
  } finally {
    console.error = saved;
  }
}
