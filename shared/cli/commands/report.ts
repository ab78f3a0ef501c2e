import type { Command } from 'commander';

// Placeholder until the report command lands; owned by its issue.
export function registerReport(program: Command): void {
  program
    .command('report')
    .description('(report: not built yet)')
    .action(() => {
      throw new Error('the report command is not built yet');
    });
}
