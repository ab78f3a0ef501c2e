import { Command, CommanderError } from 'commander';
import { isConnectorError } from '../errors.ts';
import { redactor } from '../logging/redact.ts';
import { registerBackfill, registerRun, registerStatus } from './commands/collect.ts';
import { registerNormalize } from './commands/normalize.ts';
import { registerReport } from './commands/report.ts';
import { registerSimulator } from './commands/simulator.ts';
import { registerIngest, registerStream } from './commands/telemetry.ts';

/** Exit codes: a contract for scripts and schedulers. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The run delivered some data but stopped early (deadline, lease held); the next run continues. */
  partial: 3,
} as const;

export function buildProgram(): Command {
  const program = new Command('ses-connector')
    .description(
      'Symantec Endpoint Security (ICDM / EDR Cloud) incidents and events into AWS.\n' +
        'Runs locally against the built-in API simulator by default.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerRun(program);
  registerBackfill(program);
  registerStatus(program);
  registerSimulator(program);
  registerNormalize(program);
  registerReport(program);
  registerStream(program);
  registerIngest(program);
  return program;
}

/** CLI entry point; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    const result: unknown = await program.parseAsync(argv);
    void result;
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const message = redactor.redact(error instanceof Error ? error.message : String(error));
    const label = isConnectorError(error) ? `${error.kind} error` : 'error';
    process.stderr.write(`ses-connector: ${label}: ${message}\n`);
    return ExitCode.failure;
  }
}
