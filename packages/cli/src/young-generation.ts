import { setFlagsFromString } from 'node:v8';

/** V8's own factor: each growth doubles the semi-spaces (up to --max-semi-space-size). */
const V8_GROWTH_FACTOR = 2;

/** Young-generation flags a user gave node; then the user decides, and nothing here changes them. */
const USER_FLAGS =
  /--(?:semi[-_]space[-_]growth[-_]factor|max[-_]semi[-_]space[-_]size|min[-_]semi[-_]space[-_]size)\b/;

function userSized(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((flag) => USER_FLAGS.test(flag));
}

let held = false;

/**
 * Keeps V8's young generation at its current size while the process starts. Starting allocates
 * what lives as long as the process (about 1,300 modules, then every Broker and Trigger parsed,
 * validated and compiled, and the dispatcher's state for each), and V8 doubles the semi-spaces
 * whenever that much survives its scavenges: a broker started with 10,000 Triggers ended with
 * 2 × 64 MB of young generation, a broker with one Trigger with 2 × 16 MB. V8 gives that memory
 * back only in a GC taken while little is allocated, which an idle process never runs, so it stayed
 * resident. Startup runs with the semi-spaces it has (more, cheaper scavenges; long-lived objects
 * reach the old generation sooner, where they belong); `releaseYoungGeneration` then lets the
 * workload size them. The factor is read at each growth, so setting it at runtime takes effect.
 */
export function holdYoungGeneration(): void {
  if (held || userSized()) return;
  setFlagsFromString('--semi-space-growth-factor=1');
  held = true;
}

/** Startup is over: the semi-spaces grow again as the workload needs (V8's default factor). */
export function releaseYoungGeneration(): void {
  if (!held) return;
  setFlagsFromString(`--semi-space-growth-factor=${V8_GROWTH_FACTOR}`);
  held = false;
}
