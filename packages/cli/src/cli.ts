import { isEventyardError } from '@eventyard/core';
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

/**
 * Each command's module is loaded when that command runs: `start` does not load the event sources,
 * the dry-run matcher or the operator client, and `send` does not load the broker.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => {
    const [{ startCommand }, { START_USAGE }] = await Promise.all([
      import('./commands/start.ts'),
      import('./config.ts'),
    ]);
    return { usage: START_USAGE, run: (argv, io) => startCommand(argv, io.env) };
  },
  send: async () => {
    const { SEND_USAGE, sendCommand } = await import('./commands/send.ts');
    return { usage: SEND_USAGE, run: (argv, io) => sendCommand(argv, io.out) };
  },
  validate: async () => {
    const { VALIDATE_USAGE, validateCommand } = await import('./commands/validate.ts');
    return { usage: VALIDATE_USAGE, run: (argv, io) => validateCommand(argv, io.out) };
  },
  match: async () => {
    const { MATCH_USAGE, matchCommand } = await import('./commands/match.ts');
    return { usage: MATCH_USAGE, run: (argv, io) => matchCommand(argv, io.out) };
  },
  triggers: async () => {
    const { TRIGGERS_USAGE, triggersCommand } = await import('./commands/operator.ts');
    return { usage: TRIGGERS_USAGE, run: (argv, io) => triggersCommand(argv, io.env, io.out) };
  },
  dlq: async () => {
    const { DLQ_USAGE, dlqCommand } = await import('./commands/operator.ts');
    return { usage: DLQ_USAGE, run: (argv, io) => dlqCommand(argv, io.env, io.out) };
  },
  source: async () => {
    const { SOURCE_USAGE, sourceCommand } = await import('./commands/source.ts');
    return { usage: SOURCE_USAGE, run: (argv, io) => sourceCommand(argv, io) };
  },
};

/** Runs one command line and returns the exit code; errors become messages, never stack traces. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name ? EXIT_OK : EXIT_USAGE;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    io.err(`eventyard: unknown command "${name}"\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const command = await load();
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
