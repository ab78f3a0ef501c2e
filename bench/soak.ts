/**
 * `npm run soak [-- --seed N --runs R]`: the bounded fault soak of the Lambda handler (bench/soak-harness.ts).
 * Prints one JSON line; exits non-zero if anything was lost or a checkpoint moved backwards.
 */
import { runSoak, soakLine } from './soak-harness.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw =
    i >= 0 ? process.argv[i + 1] : process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer (got ${JSON.stringify(raw)})\n`);
    process.exit(2);
  }
  return n;
}

const seed = arg('seed', 1);
const runs = arg('runs', 60);
const result = await runSoak({ seed, runs });
await result.detail.rig.close();
process.stdout.write(`${soakLine(result)}\n`);
if (result.lost > 0 || result.regressions > 0 || result.events_lost > 0) {
  process.stderr.write(
    `soak failed: lost ${result.lost} (${result.detail.lostKeys.slice(0, 5).join(', ')}), events lost ${result.events_lost}, regressions ${result.regressions} (${result.detail.regressionText.slice(0, 5).join('; ')})\n`,
  );
  process.exit(1);
}
process.exit(0);
