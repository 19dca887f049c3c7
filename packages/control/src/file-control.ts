import { type FSWatcher, watch } from 'node:fs';
import { dirname } from 'node:path';
import { buildContractWithProblems, type Contract, EventyardError, type Problem } from '@eventyard/core';
import { contractSummary, sameEntries } from './contract-changes.ts';
import { formatProblem } from './format.ts';
import { loadPaths } from './load-paths.ts';
import { sortProblems } from './sort-problems.ts';
import type { ControlLogger, ControlPlane, FileControlOptions } from './types.ts';

const DEFAULT_DEBOUNCE_MS = 100;

/**
 * Serves a Contract built from Broker and Trigger YAML/JSON files and folders. With `watch`, edits
 * are applied without a restart: a new generation only when something changed, the last good
 * version of a resource kept while its file is broken, the resources of a deleted file removed.
 */
export async function startFileControl(options: FileControlOptions): Promise<ControlPlane> {
  const { paths, topicTemplate } = options;
  const logger: ControlLogger = options.logger ?? console;
  const debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;

  const initial = await loadPaths(paths);
  if (initial.missing.length > 0) {
    throw new EventyardError(
      'EY_INVALID_CONFIG',
      `config path${initial.missing.length > 1 ? 's' : ''} not found: ${initial.missing.join(', ')}`,
      { details: { paths: initial.missing } },
    );
  }

  let files = initial.files;
  const fileProblems = (): Problem[] => [...files.values()].flatMap((loaded) => loaded.problems);
  const resources = () => [...files.values()].flatMap((loaded) => loaded.resources);

  const first = buildContractWithProblems({ resources: resources(), topicTemplate });
  let current = first.contract;
  let problems = sortProblems([...fileProblems(), ...first.problems]);
  logger.info(`eventyard control: ${contractSummary(current)}`);

  const listeners = new Set<(contract: Contract) => void>();
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;
  let missing = new Set<string>();

  const reload = async (): Promise<void> => {
    const before = files;
    const next = await loadPaths(paths, before);
    if (closed) return;
    for (const path of next.missing) {
      if (!missing.has(path))
        logger.warn(`eventyard control: config path ${path} is gone; its resources are removed`);
    }
    missing = new Set(next.missing);
    files = next.files;
    for (const [file, loaded] of files) {
      if (before.get(file) === loaded) continue;
      for (const kept of loaded.kept) {
        const { kind, metadata } = kept.resource;
        logger.warn(
          `eventyard control: ${file}: keeping the last good version of ${kind} ${metadata.namespace}/${metadata.name}`,
        );
      }
    }
    for (const file of before.keys()) if (!files.has(file)) logger.info(`eventyard control: ${file} removed`);

    const build = buildContractWithProblems({ resources: resources(), previous: current, topicTemplate });
    const seen = new Set(problems.map(formatProblem));
    problems = sortProblems([...fileProblems(), ...build.problems]);
    for (const problem of problems) {
      const line = formatProblem(problem);
      if (!seen.has(line)) logger.warn(`eventyard control: ${line}`);
    }
    if (sameEntries(build.contract, current)) return;
    current = build.contract;
    logger.info(`eventyard control: ${contractSummary(current)}`);
    for (const listener of listeners) {
      try {
        listener(current);
      } catch (error) {
        logger.error('eventyard control: a contract listener failed', error);
      }
    }
  };

  const run = (): void => {
    timer = undefined;
    if (closed) return;
    if (running !== undefined) {
      again = true;
      return;
    }
    running = reload()
      .catch((error: unknown) => logger.error('eventyard control: reload failed', error))
      .finally(() => {
        running = undefined;
        if (again && !closed) {
          again = false;
          schedule();
        }
      });
  };

  // The timer is not re-armed by later events: a folder that changes all the time (a log database
  // kept below it) must delay a reload by at most one interval, never starve it. Unchanged files
  // are not re-parsed, so a spurious reload costs one read per file.
  const schedule = (): void => {
    if (closed || timer !== undefined) return;
    timer = setTimeout(run, debounceMs);
  };

  if (options.watch === true) {
    // A single file is watched through its folder: editors replace files rather than write in place.
    const targets = new Map<string, boolean>(initial.folders.map((path) => [path, true]));
    for (const path of paths) {
      if (!targets.has(path) && !targets.has(dirname(path))) targets.set(dirname(path), false);
    }
    for (const [path, recursive] of targets) {
      const watcher = watch(path, { recursive }, schedule);
      watcher.on('error', (error) => logger.error(`eventyard control: watching ${path} failed`, error));
      watchers.push(watcher);
    }
  }

  return {
    current: () => current,
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    problems: () => [...problems],
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await running;
    },
  };
}
