import type { Command } from 'commander';

// Placeholder until the collector lands (issue 5).
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(run: not built yet)')
    .action(() => {
      throw new Error('the run command is not built yet');
    });
}
export function registerBackfill(program: Command): void {
  program.command('backfill').description('(backfill: not built yet)');
}
export function registerStatus(program: Command): void {
  program.command('status').description('(status: not built yet)');
}
