import { vi } from 'vitest';
import { main } from '../../shared/cli/main.ts';

/**
 * Run the CLI in-process with `env` over the current environment (restored after); returns the exit
 * code and everything it wrote to stdout and stderr.
 */
export async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    stdout += String(c);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    stderr += String(c);
    return true;
  });
  const saved = { ...process.env };
  Object.assign(process.env, env);
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'ses-connector', ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
    for (const k of Object.keys(env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}
