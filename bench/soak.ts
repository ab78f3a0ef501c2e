/**
 * `npm run soak [-- --seed N --runs R --personality P]`: the bounded fault soak of the Lambda handler
 * (bench/soak-harness.ts) against the simulator showing one API personality.
 *
 * `--personality` takes a preset (default, created-latest, time-latest, desc-time, modified-desc-latest,
 * capped, late-index, moving-records, real-clock), a spec such as
 * `filter=created,versions=latest,order=modified-desc,scan-updates=0.3,between=3`, or `all`: every
 * combination that matters (shared/simulator/personality.ts `personalityMatrix`), with the result cap
 * scaled to the soak's data (`--cap`, default 100). Prints ONE JSON line per personality; exits non-zero
 * if any personality lost an incident version or event, or moved a checkpoint backwards.
 */
import {
  describePersonality,
  type Personality,
  parsePersonality,
  personalityMatrix,
} from '../shared/simulator/index.ts';
import { runSoak, soakLine } from './soak-harness.ts';

function raw(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0
    ? process.argv[i + 1]
    : process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

function arg(name: string, fallback: number): number {
  const value = raw(name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`--${name} must be a positive integer (got ${JSON.stringify(value)})\n`);
    process.exit(2);
  }
  return n;
}

const spec = raw('personality') ?? 'default';
let personalities: Personality[];
try {
  personalities =
    spec === 'all'
      ? personalityMatrix({ resultCap: arg('cap', 100), clockRate: 1 })
      : [parsePersonality(spec)];
} catch (error) {
  process.stderr.write(`--personality: ${(error as Error).message}\n`);
  process.exit(2);
}
const seed = arg('seed', 1);
// Cycling through every personality: fewer runs each by default (runs 2-15 force one fault kind each).
const runs = arg('runs', spec === 'all' ? 20 : 60);

let failed = 0;
for (const personality of personalities) {
  const result = await runSoak({ seed, runs, personality });
  await result.detail.rig.close();
  process.stdout.write(`${soakLine(result)}\n`);
  if (result.lost > 0 || result.regressions > 0 || result.events_lost > 0) {
    failed++;
    const lost = result.detail.lostVersions
      .slice(0, 5)
      .map(
        (v) =>
          `${v.key} (type ${v.type_id}, state ${v.state_id}${v.added ? ', written during the soak' : ''})`,
      );
    process.stderr.write(
      `soak failed for ${describePersonality(personality)} (seed ${seed}): lost ${result.lost} (${lost.join(', ')}), events lost ${result.events_lost}, regressions ${result.regressions} (${result.detail.regressionText.slice(0, 5).join('; ')})\n`,
    );
  }
}
process.exit(failed > 0 ? 1 : 0);
