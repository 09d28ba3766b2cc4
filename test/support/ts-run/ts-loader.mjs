// Minimal ESM loader so a child process can run the app from its TypeScript sources (NodeNext-style
// './x.js' imports of './x.ts' files) without a build: each .ts file is transpiled on load.
// Transpiled output is kept in the OS temp folder by content hash: each spec that starts the app as a
// child process would otherwise load the TypeScript compiler and transpile every source file again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMPILER_OPTIONS = {
  module: 'ESNext',
  target: 'ES2022',
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  sourceMap: false,
};
const TYPESCRIPT_VERSION = createRequire(import.meta.url)('typescript/package.json').version;
const CACHE = join(tmpdir(), 'chronicle-ts-run-cache');
let typescript;

export async function resolve(specifier, context, nextResolve) {
  if ((specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('file:')) && specifier.endsWith('.js') && context.parentURL) {
    const candidate = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (!existsSync(fileURLToPath(new URL(specifier, context.parentURL))) && existsSync(fileURLToPath(candidate))) {
      return { url: candidate.href, shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const fileName = fileURLToPath(url);
  const source = readFileSync(fileName, 'utf8');
  const key = createHash('sha256').update(`${TYPESCRIPT_VERSION}\0${JSON.stringify(COMPILER_OPTIONS)}\0${fileName}\0${source}`).digest('hex');
  const cached = join(CACHE, `${key}.js`);
  if (existsSync(cached)) return { format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true };
  typescript ??= (await import('typescript')).default;
  const { outputText } = typescript.transpileModule(source, { fileName, compilerOptions: typescript.convertCompilerOptionsFromJson(COMPILER_OPTIONS, '').options });
  try {
    mkdirSync(CACHE, { recursive: true });
    // Written aside, then renamed: a process loading the same file meanwhile reads all of it or nothing.
    const partial = `${cached}.${process.pid}.tmp`;
    writeFileSync(partial, outputText);
    renameSync(partial, cached);
  } catch {
    // a read-only temp folder: transpile again next time
  }
  return { format: 'module', source: outputText, shortCircuit: true };
}
