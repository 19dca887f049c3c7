import { formatProblem, startFileControl, validatePaths } from '@eventyard/control';
import { parseFlags } from '../config.ts';
import { EXIT_FAILURE, EXIT_OK, UsageError } from '../errors.ts';

export const VALIDATE_USAGE = `Usage: eventyard validate --config PATH [--config PATH]...

Checks Broker and Trigger YAML (files or folders) and prints every problem with its file and path.
Exits 1 when there is any problem.
`;

export async function validateCommand(argv: string[], out: (line: string) => void): Promise<number> {
  const flags = parseFlags(argv, { config: { type: 'string', multiple: true, short: 'c' } }, {}, true);
  const paths = [...(flags.config ?? []), ...flags.positionals];
  if (paths.length === 0) throw new UsageError('give at least one --config PATH');
  const problems = await validatePaths(paths);
  for (const problem of problems) out(formatProblem(problem));
  if (problems.length > 0) {
    out(`${problems.length} problem${problems.length === 1 ? '' : 's'} found`);
    return EXIT_FAILURE;
  }
  const control = await startFileControl({ paths, watch: false });
  const contract = control.current();
  await control.close();
  out(`valid: ${contract.brokers.size} broker(s), ${contract.triggers.size} trigger(s)`);
  return EXIT_OK;
}
