import type { Command } from 'commander';

// Placeholder until the normalize command lands; owned by its issue.
export function registerNormalize(program: Command): void {
  program
    .command('normalize')
    .description('(normalize: not built yet)')
    .action(() => {
      throw new Error('the normalize command is not built yet');
    });
}
