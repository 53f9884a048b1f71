import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built bin, beside this compiled test: <outDir>/src/cli/main.js. */
const mainPath = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the real `hubsync` bin in a child process, as a user or a script would. */
export function runHubsync(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainPath, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** stderr of a failed command: exactly one `hubsync:` line and no stack trace. */
export function singleErrorLine(result: CliResult): string {
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  if (lines.length !== 1 || !lines[0]?.startsWith('hubsync: ') || /^\s+at /m.test(result.stderr)) {
    throw new Error(`expected one "hubsync:" line on stderr, got:\n${result.stderr}`);
  }
  return lines[0];
}
