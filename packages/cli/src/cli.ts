import { isEventyardError } from '@eventyard/core';
import { MATCH_USAGE, matchCommand } from './commands/match.ts';
import { DLQ_USAGE, dlqCommand, TRIGGERS_USAGE, triggersCommand } from './commands/operator.ts';
import { SEND_USAGE, sendCommand } from './commands/send.ts';
import { SOURCE_USAGE, sourceCommand } from './commands/source.ts';
import { startCommand } from './commands/start.ts';
import { VALIDATE_USAGE, validateCommand } from './commands/validate.ts';
import { START_USAGE } from './config.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './errors.ts';

export const USAGE = `Usage: eventyard <command> [options]

Commands:
  start      run the broker (ingress and dispatcher)
  send       post one CloudEvent to a broker
  validate   check Broker/Trigger YAML and print every problem
  match      dry run: which triggers an event would be delivered to, and why not
  triggers   status of every trigger of a running broker
  dlq        list the dead letters of a broker, or redrive them to their trigger
  source     run an event source: webhook (CRM webhooks to CloudEvents) or ping (cron)

Run "eventyard <command> --help" for the options of a command.
`;

interface Command {
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
}

const COMMANDS: Record<string, Command> = {
  start: { usage: START_USAGE, run: (argv, io) => startCommand(argv, io.env) },
  send: { usage: SEND_USAGE, run: (argv, io) => sendCommand(argv, io.out) },
  validate: { usage: VALIDATE_USAGE, run: (argv, io) => validateCommand(argv, io.out) },
  match: { usage: MATCH_USAGE, run: (argv, io) => matchCommand(argv, io.out) },
  triggers: { usage: TRIGGERS_USAGE, run: (argv, io) => triggersCommand(argv, io.env, io.out) },
  dlq: { usage: DLQ_USAGE, run: (argv, io) => dlqCommand(argv, io.env, io.out) },
  source: { usage: SOURCE_USAGE, run: (argv, io) => sourceCommand(argv, io) },
};

/** Runs one command line and returns the exit code; errors become messages, never stack traces. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`eventyard: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`eventyard ${name}: ${error.message}\n\n${command.usage}`);
      return EXIT_USAGE;
    }
    const message = isEventyardError(error) ? `${error.code}: ${error.message}` : (error as Error).message;
    io.err(`eventyard ${name}: ${message}`);
    return EXIT_FAILURE;
  }
}
