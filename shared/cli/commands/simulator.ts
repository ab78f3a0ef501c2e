import type { Command } from 'commander';

// Placeholder until the simulator command lands; owned by its issue.
export function registerSimulator(program: Command): void {
  program
    .command('simulator')
    .description('(simulator: not built yet)')
    .action(() => {
      throw new Error('the simulator command is not built yet');
    });
}
