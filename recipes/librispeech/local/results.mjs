// RESULTS.md from stage 4's outputs: the compute-wer lines of each exp/eval/<set>.<mode>.txt, the commands, and the
// validation curve from the experiment's metrics.jsonl.
import { existsSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
const [evalDir, modelDir, out, decode] = process.argv.slice(2);
const rows = [];
for (const f of readdirSync(evalDir).filter((f) => f.endsWith('.txt')).sort()) {
  const [set, mode] = f.replace(/\.txt$/, '').split('.');
  const text = readFileSync(join(evalDir, f), 'utf8');
  const wer = /^%WER (\S+) \[ (.*) \]/m.exec(text);
  const cmd = `asr eval --model ${modelDir} --manifest data/${set}.jsonl ${mode === 'greedy' ? '--greedy' : `--lm data/lm/lm.bin ${decode}`}`;
  rows.push(`| ${set} | ${mode === 'greedy' ? 'greedy' : 'beam + LM'} | ${wer?.[1] ?? '?'} | ${wer?.[2] ?? ''} | \`${cmd}\` |`);
}
const metrics = join(modelDir, '..', 'metrics.jsonl');
const valid = existsSync(metrics)
  ? readFileSync(metrics, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'valid')
  : [];
const curve = valid.map((m) => `| ${m.step} | ${m.loss.toFixed(3)} | ${(100 * m.wer).toFixed(2)} | ${(m.elapsed / 60).toFixed(1)} |`);
const md = `# librispeech recipe: results

Written by stage 4 (\`local/results.mjs\`); every number comes from \`asr eval\` in recipes/librispeech.

| test set | decoding | %WER | errors | command |
|---|---|---|---|---|
${rows.join('\n')}

## Validation curve

| step | valid loss | valid %WER | elapsed (min) |
|---|---|---|---|
${curve.join('\n')}
`;
writeFileSync(`${out}.tmp`, md);
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
