/**
 * Progress for long work: a bar redrawn in place on a TTY, a log line every `everySeconds` otherwise
 * (CI logs and files stay readable).
 */
export interface Progress {
  update(done: number, total?: number, note?: string): void;
  done(): void;
}

export function createProgress(label: string, everySeconds = 10, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = Boolean(stream.isTTY);
  const start = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(done, total, note) {
      const now = Date.now();
      if (tty) {
        if (now - last < 100) return;
        last = now;
        const width = 30;
        const frac = total ? Math.min(1, done / total) : 0;
        const bar = total ? `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ` : '';
        const eta = total && done > 0 ? ` eta ${Math.round(((now - start) / done) * (total - done) / 1000)}s` : '';
        stream.write(`\r${label} ${bar}${done}${total ? `/${total}` : ''}${eta}${note ? ` ${note}` : ''}\x1b[K`);
        drawn = true;
      } else if (now - last >= everySeconds * 1000) {
        last = now;
        stream.write(`${label}: ${done}${total ? `/${total}` : ''} done, ${((now - start) / 1000).toFixed(0)} s${note ? `, ${note}` : ''}\n`);
      }
    },
    done() {
      // idempotent: a caller may end the bar early and again in a finally
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
