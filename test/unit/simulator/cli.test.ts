import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

describe('CLI: ses-connector simulator', () => {
  it('prints {url, client_id, client_secret} as its first line, serves tokens, and stops cleanly on SIGTERM', async () => {
    // Prepare
    child = spawn(
      process.execPath,
      ['bin/ses-connector.js', 'simulator', '--port', '0', '--incidents', '20'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const stderr: string[] = [];
    child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    // Act
    const [firstLine] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`simulator exited early: ${stderr.join('')}`);
      }),
    ])) as [string];
    const first = JSON.parse(firstLine) as { url: string; client_id: string; client_secret: string };
    const response = await fetch(`${first.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${first.client_id}:${first.client_secret}`).toString('base64')}`,
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    });
    const token = (await response.json()) as Record<string, unknown>;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    // Assess
    expect(Object.keys(first).sort()).toEqual(['client_id', 'client_secret', 'url']);
    expect(first.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect([first.client_id, first.client_secret]).toEqual(['ses-simulator-client', 'ses-simulator-secret']);
    expect(response.status).toBe(200);
    expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String) });
    expect(code).toBe(0);
  }, 30_000);

  it('documents every flag, faults included, in --help', async () => {
    child = spawn(process.execPath, ['bin/ses-connector.js', 'simulator', '--help'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
    for (const flag of [
      '--port',
      '--seed',
      '--incidents',
      '--fault ',
      '--fault-at',
      '--fault-rate',
      '--filter-on',
      '--history-days',
      '--personality',
      '--versions',
      '--order',
      '--result-cap',
      '--late-index-minutes',
      '--scan-update-rate',
      '--clock-rate',
      '--update-incidents',
    ]) {
      expect(out).toContain(flag);
    }
    for (const fault of [
      '429',
      'retry-after',
      '503',
      'slow:<ms>',
      'truncated',
      'malformed',
      'token-expired',
      'duplicate',
      'redirect',
    ]) {
      expect(out).toContain(fault);
    }
  }, 30_000);

  it('shows a personality chosen by flags: descending order, capped total', async () => {
    // Prepare
    child = spawn(
      process.execPath,
      [
        'bin/ses-connector.js',
        'simulator',
        '--port',
        '0',
        '--incidents',
        '30',
        '--personality',
        'desc-time',
        '--result-cap',
        '7',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const stderr: string[] = [];
    child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString()));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const [firstLine] = (await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(() => {
        throw new Error(`simulator exited early: ${stderr.join('')}`);
      }),
    ])) as [string];
    const first = JSON.parse(firstLine) as { url: string; client_id: string; client_secret: string };
    const tokenResponse = await fetch(`${first.url}/v1/oauth2/tokens`, {
      method: 'POST',
      headers: {
        Authorization: `Basic ${Buffer.from(`${first.client_id}:${first.client_secret}`).toString('base64')}`,
      },
    });
    const { access_token } = (await tokenResponse.json()) as { access_token: string };
    // Act
    const answer = await fetch(`${first.url}/v1/incidents`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        start_date: new Date(Date.now() - 86_400_000).toISOString(),
        end_date: new Date().toISOString(),
        limit: 100,
      }),
    });
    const body = (await answer.json()) as { total: number; incidents: { time: number }[] };
    child.kill('SIGTERM');
    await once(child, 'exit');
    // Assess
    const times = body.incidents.map((i) => i.time);
    expect(body.total).toBe(7);
    expect(times).toHaveLength(7);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(stderr.join('')).toContain('order=time-desc,cap=7');
  }, 30_000);

  it('rejects an unknown personality naming the accepted forms', async () => {
    child = spawn(
      process.execPath,
      ['bin/ses-connector.js', 'simulator', '--personality', 'order=sideways'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).not.toBe(0);
    expect(err).toContain('personality orderBy: use time, modified or created');
  }, 30_000);

  describe('--update-incidents with --update-every: new incident versions between runs, at that interval', () => {
    /** Start the simulator; `total()` is the record count of POST /v1/incidents over the last 29 days. */
    async function simulatorWith(args: string[]) {
      // Before the spawn: no version can be older than the process (a loaded machine starts node slowly).
      const spawnedAt = Date.now();
      child = spawn(
        process.execPath,
        ['bin/ses-connector.js', 'simulator', '--port', '0', '--incidents', '20', ...args],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
      const [line] = (await once(lines, 'line')) as [string];
      const sim = JSON.parse(line) as { url: string; client_id: string; client_secret: string };
      const tokenResponse = await fetch(`${sim.url}/v1/oauth2/tokens`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${sim.client_id}:${sim.client_secret}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
      });
      const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
      const total = async () => {
        const answer = await fetch(`${sim.url}/v1/incidents`, {
          method: 'POST',
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({
            start_date: new Date(Date.now() - 29 * 86_400_000).toISOString(),
            end_date: new Date(Date.now() + 86_400_000).toISOString(),
            limit: 1,
          }),
        });
        return ((await answer.json()) as { total: number }).total;
      };
      return { total, spawnedAt };
    }

    it('writes no version before the first interval has passed (--update-every 60: an hour)', async () => {
      const { total } = await simulatorWith(['--update-incidents', '2', '--update-every', '60']);
      const first = await total();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      // 20 incidents with 2 lifecycle records each; an interval read as NaN fired every millisecond.
      expect([first, await total()]).toEqual([40, 40]);
    }, 30_000);

    it('gives one incident a new version per interval as time passes (--update-every 0.02: 1.2 s)', async () => {
      const { total, spawnedAt } = await simulatorWith(['--update-incidents', '1', '--update-every', '0.02']);
      let now = await total();
      for (let i = 0; i < 100 && now <= 41; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        now = await total();
      }
      const elapsed = Date.now() - spawnedAt;
      // At least two versions came, and never more than one per 1.2 s interval since the simulator began.
      expect(now).toBeGreaterThanOrEqual(42);
      expect(now - 40).toBeLessThanOrEqual(Math.ceil(elapsed / 1200) + 1);
    }, 30_000);
  });
});
