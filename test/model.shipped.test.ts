import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { defaultModelDir } from '../src/model/shipped.js';

describe('default model directory', () => {
  it('prefers --model, then models/english, then models/digits with a note, else fails naming the folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'asr-shipped-'));
    try {
      const notes: string[] = [];
      const note = (l: string): void => void notes.push(l);
      expect(() => defaultModelDir(undefined, note, root)).toThrow(`no shipped model in ${join(root, 'models')}`);
      mkdirSync(join(root, 'models', 'digits'), { recursive: true });
      writeFileSync(join(root, 'models', 'digits', 'config.json'), '{}');
      expect(defaultModelDir(undefined, note, root)).toBe(join(root, 'models', 'digits'));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toContain('models/english is not installed');
      mkdirSync(join(root, 'models', 'english'), { recursive: true });
      writeFileSync(join(root, 'models', 'english', 'config.json'), '{}');
      expect(defaultModelDir(undefined, note, root)).toBe(join(root, 'models', 'english'));
      expect(notes).toHaveLength(1);
      expect(defaultModelDir('my/model', note, root)).toBe('my/model');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
