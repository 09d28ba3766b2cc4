import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repositoryRoot = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');

/** The first ```bash block under the `## <heading>` of a Markdown file, exactly as a reader copies it. */
export function bashBlockUnder(file: string, heading: string): string {
  const text = readFileSync(join(repositoryRoot, file), 'utf8');
  const section = text.split(/^## /m).find((part) => part.startsWith(heading));
  const block = section?.match(/```bash\n([\s\S]*?)```/)?.[1];
  if (!block) throw new Error(`${file} has no bash block under "## ${heading}"`);
  return block;
}

/**
 * Runs a block with bash as a reader would (-e: a failed capture stops it; -u: an unset variable is
 * an error), against `BASE`. Spawned, not spawnSync: an in-process app answers from this event loop.
 */
export function runBash(block: string, env: Record<string, string>, timeoutMs = 20_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const bash = spawn('bash', ['--noprofile', '--norc', '-eu', '-o', 'pipefail', '-s'], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
      timeout: timeoutMs,
    });
    let stdout = '';
    let stderr = '';
    bash.stdout.on('data', (chunk) => (stdout += chunk));
    bash.stderr.on('data', (chunk) => (stderr += chunk));
    bash.on('close', (status) => resolve({ status, stdout, stderr }));
    bash.stdin.end(block);
  });
}
