#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx so `npx ses-connector` works right after `npm ci`, no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../shared/cli/main.ts');
process.exitCode = await main(process.argv);
