/**
 * Writes a document generated from code (docs/…), or with `--check` only compares and exits 1 when the
 * committed file is stale. Shared by the `*:write` scripts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export function writeGeneratedDocument(document: string, text: string, options: { command: string; summary?: string }): void {
  const target = resolve(process.cwd(), document);
  const summary = options.summary ? ` (${options.summary})` : '';
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {
      // missing: stale
    }
    if (current !== text) {
      console.error(`${document} is out of date: run ${options.command}`);
      process.exit(1);
    }
    console.log(`${document} is up to date${summary}`);
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`Wrote ${document}${summary}`);
  }
}
