import type { Command } from 'commander';
// filled in with the features stage
export function registerFeatures(_program: Command, _setExitCode: (code: number) => void): void {}
