#!/usr/bin/env node
import { holdYoungGeneration } from './young-generation.ts';

// Before any other module loads (see young-generation.ts); `start` releases it once it serves.
if (process.argv[2] === 'start') holdYoungGeneration();
const { runCli } = await import('./cli.ts');
const code = await runCli(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
process.exitCode = code;
