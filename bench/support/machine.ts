/** The facts RESULTS.md records next to the figures: machine, Node and Kafka versions, date. */
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

export interface Machine {
  date: string;
  nproc: number;
  memory: string;
  cpu: string;
  node: string;
  kafka: string;
  clients: string;
}

function cpuModel(): string {
  const fromOs = cpus()[0]?.model?.trim();
  if (fromOs) return fromOs;
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const ROOT = join(import.meta.dirname, '../..');

/** The installed version (npm hoists workspace dependencies to the root node_modules). */
function packageVersion(name: string): string {
  try {
    const file = join(ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function describeMachine(kafkaVersion: string): Machine {
  return {
    date: new Date().toISOString(),
    nproc: cpus().length,
    memory: `${(totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    cpu: cpuModel(),
    node: process.version,
    kafka: kafkaVersion,
    clients: `kafkajs ${packageVersion('kafkajs')}, @platformatic/kafka ${packageVersion('@platformatic/kafka')}`,
  };
}

export function machineLines(m: Machine): string {
  return [
    `- Date: ${m.date}`,
    `- Machine: ${m.nproc} CPUs (${m.cpu}), ${m.memory} memory, shared with other work`,
    `- Node ${m.node}; Apache Kafka ${m.kafka} (one KRaft node on the same machine); ${m.clients}`,
  ].join('\n');
}
