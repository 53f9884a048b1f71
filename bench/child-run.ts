import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { BenchEnv } from './bench-env.js';
import { onCleanup } from './cleanup.js';
import type { ChildRequest, ChildResult } from './sync-child.js';

/**
 * Runs sync-child.js in a fresh node process and returns what it printed.
 */
export function runSyncChild(env: BenchEnv, request: ChildRequest): Promise<ChildResult> {
  const script = join(env.benchDirectory, 'sync-child.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup('sync child', () => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0 || line === '') {
        reject(new Error(`sync child exited with ${code ?? 'a signal'}: ${stderr.trim().split('\n').slice(0, 5).join(' | ')}`));
        return;
      }
      try {
        resolve(JSON.parse(line) as ChildResult);
      } catch {
        reject(new Error(`sync child printed no result: ${line}`));
      }
    });
  });
}
