// The CLI is the outermost package: nothing imports it. These exports serve its own tests.
export { runCli, USAGE } from './cli.ts';
export { type LogFormat, parseLogFormat, parseSize, parseStartConfig, type StartConfig } from './config.ts';
