// Writes the training config with the recipe's epochs var applied (empty: keep the file's value).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
const [src, out, epochs = ''] = process.argv.slice(2);
const conf = JSON.parse(readFileSync(src, 'utf8'));
if (epochs !== '') conf.train = { ...(conf.train ?? {}), epochs: Number(epochs) };
writeFileSync(`${out}.tmp`, `${JSON.stringify(conf, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
console.log(`train_conf: ${src} (epochs ${conf.train?.epochs ?? 'default'}) -> ${out}`);
