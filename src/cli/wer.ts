import type { Command } from 'commander';
// filled in with the eval stage
export function registerWer(_program: Command, _setExitCode: (code: number) => void): void {}
