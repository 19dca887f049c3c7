// The CLI is the outermost package: nothing imports it. These exports serve its own tests.
export { runCli, USAGE } from './cli.ts';
export { parseSize, parseStartConfig, type StartConfig } from './config.ts';
