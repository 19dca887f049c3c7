/**
 * A real Kubernetes API server for custom resources, without Docker or a cluster: the standalone
 * `k8s.io/apiextensions-apiserver` (its main package serves CustomResourceDefinitions and their
 * custom resources with the same generic apiserver code as kube-apiserver: validation, pruning,
 * CEL rules, status subresource, watch, server-side printing), backed by a real etcd.
 *
 * What it needs, and what it does when something is missing:
 * - `etcd` (Debian `etcd-server`, 3.4 works with this API server): installed with apt-get when
 *   running as root, else the start fails and says what to install.
 * - `openssl`, to make a throw-away CA, a serving certificate for 127.0.0.1 and a client certificate
 *   (installed with apt-get as root when missing).
 * - the API server binary, built once with `go install k8s.io/apiextensions-apiserver@VERSION`
 *   through the Go module proxy (Go 1.21 or newer on PATH fetches the toolchain the module needs)
 *   into ~/.cache/eventyard/apiextensions-apiserver-VERSION/ (or $XDG_CACHE_HOME), then reused.
 *   `node test/support/kube-apiserver.ts build` builds it ahead of a test run.
 *
 * Each `startKubeCluster()` runs its own etcd and API server on free loopback ports with a temporary
 * data directory. Authentication is by client certificate: the API server trusts the generated CA
 * (`--client-ca-file`), and the generated kubeconfig holds a certificate for user `eventyard-test` in
 * group `system:masters`, which the delegating authorizer always allows. The server has no
 * kube-apiserver to delegate token reviews, authorization or core-API informers to, so, as the
 * apiextensions-apiserver's own integration tests do, those point at an unused kubeconfig, and the
 * admission plugins that need a kube-apiserver are disabled. Readiness is `/readyz` minus the
 * core-API `informer-sync` check, which can never pass here.
 *
 * What this server does not have: the core API (Namespaces, Services, ...), `coordination.k8s.io`
 * Leases, and the root discovery document `/apis` (kube-apiserver's aggregator serves it), so
 * kubectl, which starts with discovery, cannot talk to it; tests use the API directly
 * (client-node, and `Accept: application/json;as=Table` for what `kubectl get` prints).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/**
 * Kubernetes 1.36, the version @kubernetes/client-node 2.0 is generated from (OpenAPI spec
 * release-1.36), in the staging repository's tag scheme (v0.X.Y = Kubernetes 1.X.Y).
 */
export const APIEXTENSIONS_APISERVER_VERSION = 'v0.36.6';
const MODULE = 'k8s.io/apiextensions-apiserver';
const HOST = '127.0.0.1';
const BUILD_LOCK_STALE_MS = 20 * 60_000;

export interface KubeResponse<T = unknown> {
  status: number;
  body: T;
}

/** Plain HTTPS requests to an API server with the generated client certificate. */
export interface KubeClient {
  /** JSON in (when given) and out; `contentType` defaults to application/json. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options?: { contentType?: string; accept?: string },
  ): Promise<KubeResponse<T>>;
  /** Creates CustomResourceDefinitions and waits until each is Established and served. */
  createCrds(crds: object[]): Promise<void>;
}

export interface KubeCluster extends KubeClient {
  /** A kubeconfig file for the API server (client certificate in group system:masters). */
  readonly kubeconfig: string;
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  /** `etcd --version`, first line. */
  readonly etcdVersion: string;
  readonly apiServerVersion: string;
  /**
   * Stops the API server process (every watch on it breaks), then starts it again on the same
   * port and etcd. `whileDown` runs in between against a second API server on the same etcd, so it
   * can change resources that clients of the first one can only learn about after the restart.
   */
  restartApiServer(whileDown?: (second: KubeClient) => Promise<void>): Promise<void>;
  /** Stops the API server and etcd and removes their data. */
  stop(): Promise<void>;
}

export interface StartKubeClusterOptions {
  /** Progress lines (tool installs, the first build). Default: stderr. */
  onProgress?: (message: string) => void;
  /** Give up starting etcd or the API server after this long. Default 60 000 ms. */
  timeoutMs?: number;
}

const defaultProgress = (message: string) => process.stderr.write(`kube-apiserver: ${message}\n`);

/** Children still running, killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'eventyard', `apiextensions-apiserver-${APIEXTENSIONS_APISERVER_VERSION}`);
}

/** The cached API server binary's path (it may not be built yet). */
export function apiServerBinaryPath(): string {
  return join(cacheDir(), 'apiextensions-apiserver');
}

async function hasCommand(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

let aptUpdated = false;

/** Installs a Debian package when running as root on a Debian-like machine; else says what to do. */
async function ensureCommand(command: string, aptPackage: string, progress: (m: string) => void) {
  if (await hasCommand(command)) return;
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !(await hasCommand('apt-get'))) {
    throw new Error(`${command} is missing: install it (Debian/Ubuntu: apt-get install -y ${aptPackage})`);
  }
  progress(`installing ${aptPackage} (apt-get) for ${command}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await run('apt-get', ['update', '-qq'], { env, maxBuffer: 64 * 1024 * 1024 });
    aptUpdated = true;
  }
  await run('apt-get', ['install', '-y', '-qq', aptPackage], { env, maxBuffer: 64 * 1024 * 1024 });
  if (!(await hasCommand(command)))
    throw new Error(`apt-get installed ${aptPackage} but ${command} is not on PATH`);
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** kubectl (for `kubectl kustomize`), installed from Debian's kubectl package as root when missing. */
export async function ensureKubectl(progress: (message: string) => void = defaultProgress): Promise<string> {
  await ensureCommand('kubectl', 'kubectl', progress);
  return 'kubectl';
}

/**
 * Builds the API server with `go install` into the cache, once: other processes wait on a lock
 * file, and the binary appears under its final name only when complete (rename).
 */
export async function ensureApiServerBinary(
  progress: (message: string) => void = defaultProgress,
): Promise<string> {
  const binary = apiServerBinaryPath();
  if (await fileExists(binary)) return binary;
  const dir = cacheDir();
  await mkdir(dir, { recursive: true });
  const lock = join(dir, '.build.lock');
  for (;;) {
    if (await fileExists(binary)) return binary;
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if (age > BUILD_LOCK_STALE_MS) await unlink(lock).catch(() => {});
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (await fileExists(binary)) return binary;
    if (!(await hasCommand('go'))) {
      throw new Error(
        `go is missing: the tests build ${MODULE}@${APIEXTENSIONS_APISERVER_VERSION} with go install (Go 1.21 or newer; see https://go.dev/doc/install)`,
      );
    }
    // Older Go cannot fetch the toolchain the module asks for (GOTOOLCHAIN arrived in Go 1.21).
    const { stdout: goVersion } = await run('go', ['env', 'GOVERSION']);
    const [, major = '0', minor = '0'] = /^go(\d+)\.(\d+)/.exec(goVersion.trim()) ?? [];
    if (Number(major) < 1 || (Number(major) === 1 && Number(minor) < 21)) {
      throw new Error(
        `${goVersion.trim()} is too old to build ${MODULE}: install Go 1.21 or newer (https://go.dev/doc/install)`,
      );
    }
    const started = Date.now();
    progress(
      `building ${MODULE}@${APIEXTENSIONS_APISERVER_VERSION} with go install (first run only, a few minutes)`,
    );
    const gobin = await mkdtemp(join(dir, 'build-'));
    try {
      await run('go', ['install', `${MODULE}@${APIEXTENSIONS_APISERVER_VERSION}`], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: '' },
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stderr?: string; message: string }) => {
        throw new Error(
          `go install ${MODULE}@${APIEXTENSIONS_APISERVER_VERSION} failed:\n${error.stderr ?? error.message}`,
        );
      });
      await rename(join(gobin, 'apiextensions-apiserver'), binary);
    } finally {
      await rm(gobin, { recursive: true, force: true });
    }
    progress(`built ${binary} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return binary;
  } finally {
    await unlink(lock).catch(() => {});
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Certificates {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a serving certificate for localhost/127.0.0.1 and a system:masters client certificate. */
async function makeCertificates(dir: string): Promise<Certificates> {
  const path = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
    '-days',
    '3',
    '-subj',
    '/CN=eventyard-test-ca',
  ]);
  const sign = async (name: string, subject: string, extensions: string) => {
    await writeFile(path(`${name}.ext`), extensions);
    await run('openssl', [
      'req',
      ...ec,
      '-keyout',
      path(`${name}.key`),
      '-out',
      path(`${name}.csr`),
      '-subj',
      subject,
    ]);
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      path(`${name}.csr`),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path(`${name}.crt`),
      '-days',
      '3',
      '-extfile',
      path(`${name}.ext`),
    ]);
  };
  await sign(
    'server',
    '/CN=localhost',
    'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n',
  );
  await sign('client', '/O=system:masters/CN=eventyard-test', 'extendedKeyUsage=clientAuth\n');
  return {
    ca: path('ca.crt'),
    serverCert: path('server.crt'),
    serverKey: path('server.key'),
    clientCert: path('client.crt'),
    clientKey: path('client.key'),
  };
}

async function kubeconfigText(server: string, certs: Certificates): Promise<string> {
  const b64 = async (file: string) => (await readFile(file)).toString('base64');
  return `apiVersion: v1
kind: Config
clusters:
  - name: eventyard-test
    cluster:
      server: ${server}
      certificate-authority-data: ${await b64(certs.ca)}
users:
  - name: eventyard-test
    user:
      client-certificate-data: ${await b64(certs.clientCert)}
      client-key-data: ${await b64(certs.clientKey)}
contexts:
  - name: eventyard-test
    context:
      cluster: eventyard-test
      user: eventyard-test
current-context: eventyard-test
`;
}

/** A kubeconfig that points nowhere: the API server wants one for delegation it never gets to use. */
const UNUSED_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
  - name: none
    cluster:
      server: http://127.0.0.1:1
users:
  - name: none
    user:
      username: none
      password: none
contexts:
  - name: none
    context:
      cluster: none
      user: none
current-context: none
`;

async function tail(file: string, lines = 30): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.split('\n').slice(-lines).join('\n');
}

interface Process {
  child: ChildProcess;
  exited: Promise<void>;
}

function startProcess(command: string, args: string[], logFile: string): Process {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      running.delete(child);
      resolve();
    });
    child.once('error', () => {
      running.delete(child);
      resolve();
    });
  });
  return { child, exited };
}

async function stopProcess(proc: Process, graceMs = 10_000): Promise<void> {
  const { child } = proc;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Polls `probe` until it resolves true; fails with the log's end when the process dies or time runs out. */
async function waitUntil(
  what: string,
  proc: Process,
  logFile: string,
  timeoutMs: number,
  probe: () => Promise<boolean>,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) {
      throw new Error(
        `${what} exited (${proc.child.exitCode ?? proc.child.signalCode}) while starting:\n${await tail(logFile)}`,
      );
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${what} was not ready after ${timeoutMs} ms:\n${await tail(logFile)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function httpsStatus(
  url: string,
  certs: Certificates,
  files: { ca: Buffer; cert: Buffer; key: Buffer },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: files.ca, cert: files.cert, key: files.key, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`timed out: ${url} (${certs.ca})`)));
    req.end();
  });
}

function createClient(server: () => string, files: { ca: Buffer; cert: Buffer; key: Buffer }): KubeClient {
  const client: KubeClient = {
    request(method, path, body, options = {}) {
      return new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
        const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
        if (payload !== undefined) {
          headers['content-type'] = options.contentType ?? 'application/json';
          headers['content-length'] = String(payload.length);
        }
        const req = request(`${server()}${path}`, { method, headers, ...files, timeout: 15_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // Not JSON (a plain 404 page): keep the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed as never });
          });
        });
        req.on('error', reject);
        req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
        req.end(payload);
      });
    },
    async createCrds(crds) {
      for (const crd of crds) {
        const created = await client.request(
          'POST',
          '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
          crd,
        );
        if (created.status !== 201) {
          throw new Error(`creating CRD failed (${created.status}): ${JSON.stringify(created.body)}`);
        }
      }
      for (const crd of crds as Array<{
        metadata: { name: string };
        spec: { group: string; versions: Array<{ name: string }>; names: { plural: string } };
      }>) {
        const deadline = Date.now() + 30_000;
        const { group, versions, names } = crd.spec;
        for (;;) {
          const got = await client.request<{
            status?: { conditions?: Array<{ type: string; status: string }> };
          }>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`);
          const conditions = got.body?.status?.conditions ?? [];
          const established = conditions.some((c) => c.type === 'Established' && c.status === 'True');
          // Established is set before every handler serves the new resource: ask it.
          if (
            established &&
            (await client.request('GET', `/apis/${group}/${versions[0]?.name}/${names.plural}`)).status ===
              200
          )
            break;
          if (Date.now() > deadline)
            throw new Error(`CRD ${crd.metadata.name} not established: ${JSON.stringify(conditions)}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
  };
  return client;
}

/**
 * A stand-in for the built-in coordination.k8s.io/v1 Lease API, which this API server lacks, as a
 * CRD of the same group, kind and fields (a protected *.k8s.io group takes a CRD only with the
 * api-approved annotation). Leases served this way behave as leader election needs them to:
 * optimistic concurrency on resourceVersion, 404 when absent, 409 on a conflicting create.
 */
export const LEASE_CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: {
    name: 'leases.coordination.k8s.io',
    annotations: { 'api-approved.kubernetes.io': 'unapproved, test stand-in for the built-in Lease API' },
  },
  spec: {
    group: 'coordination.k8s.io',
    scope: 'Namespaced',
    names: { kind: 'Lease', listKind: 'LeaseList', plural: 'leases', singular: 'lease' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  holderIdentity: { type: 'string' },
                  leaseDurationSeconds: { type: 'integer' },
                  acquireTime: { type: 'string' },
                  renewTime: { type: 'string' },
                  leaseTransitions: { type: 'integer' },
                  strategy: { type: 'string' },
                  preferredHolder: { type: 'string' },
                },
              },
            },
          },
        },
      },
    ],
  },
};

/** The API path of namespaced custom resources (`apiVersion` group/version), or of one of them. */
export function resourcePath(apiVersion: string, plural: string, namespace: string, name?: string): string {
  const base = `/apis/${apiVersion}/namespaces/${namespace}/${plural}`;
  return name === undefined ? base : `${base}/${name}`;
}

/** The CRDs of deploy/crds/, as committed. */
export async function eventyardCrds(): Promise<object[]> {
  const dir = join(import.meta.dirname, '../../deploy/crds');
  const files = ['brokers.eventyard.dev.yaml', 'triggers.eventyard.dev.yaml'];
  return Promise.all(files.map(async (file) => parse(await readFile(join(dir, file), 'utf8')) as object));
}

/**
 * Knative's Broker and Trigger CRDs as far as the API server needs them: namespaced, a status
 * subresource, any fields (Knative's own schema and defaulting webhook are not installed).
 */
export function knativeCrds(): object[] {
  return [
    ['brokers', 'Broker'],
    ['triggers', 'Trigger'],
  ].map(([plural, kind]) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.eventing.knative.dev` },
    spec: {
      group: 'eventing.knative.dev',
      scope: 'Namespaced',
      names: { kind, plural, singular: kind!.toLowerCase() },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  }));
}

/** Starts etcd and the API server; resolves when the API server serves requests. */
export async function startKubeCluster(options: StartKubeClusterOptions = {}): Promise<KubeCluster> {
  const progress = options.onProgress ?? defaultProgress;
  const timeoutMs = options.timeoutMs ?? 60_000;
  await ensureCommand('etcd', 'etcd-server', progress);
  await ensureCommand('openssl', 'openssl', progress);
  const binary = await ensureApiServerBinary(progress);

  const dir = await mkdtemp(join(tmpdir(), 'eventyard-kube-'));
  const processes: Process[] = [];
  try {
    const certs = await makeCertificates(dir);
    const certFiles = {
      ca: await readFile(certs.ca),
      cert: await readFile(certs.clientCert),
      key: await readFile(certs.clientKey),
    };
    const unusedKubeconfig = join(dir, 'unused.kubeconfig');
    await writeFile(unusedKubeconfig, UNUSED_KUBECONFIG);

    const { stdout: etcdVersionText } = await run('etcd', ['--version']);
    const etcdVersion = etcdVersionText.split('\n', 1)[0] ?? 'etcd';
    const [clientPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://${HOST}:${clientPort}`;
    const peerUrl = `http://${HOST}:${peerPort}`;
    const etcdLog = join(dir, 'etcd.log');
    const etcd = startProcess(
      'etcd',
      [
        '--name',
        'eventyard-test',
        '--data-dir',
        join(dir, 'etcd'),
        '--listen-client-urls',
        etcdUrl,
        '--advertise-client-urls',
        etcdUrl,
        '--listen-peer-urls',
        peerUrl,
        '--initial-advertise-peer-urls',
        peerUrl,
        '--initial-cluster',
        `eventyard-test=${peerUrl}`,
      ],
      etcdLog,
    );
    processes.push(etcd);
    await waitUntil('etcd', etcd, etcdLog, timeoutMs, async () => {
      const response = await fetch(`${etcdUrl}/health`);
      return response.ok && ((await response.json()) as { health?: string }).health === 'true';
    });

    const startApiServer = async (port: number, name: string): Promise<Process> => {
      const logFile = join(dir, `${name}.log`);
      const proc = startProcess(
        binary,
        [
          '--etcd-servers',
          etcdUrl,
          '--bind-address',
          HOST,
          '--secure-port',
          String(port),
          '--tls-cert-file',
          certs.serverCert,
          '--tls-private-key-file',
          certs.serverKey,
          '--client-ca-file',
          certs.ca,
          '--authentication-skip-lookup',
          '--authentication-kubeconfig',
          unusedKubeconfig,
          '--authorization-kubeconfig',
          unusedKubeconfig,
          '--kubeconfig',
          unusedKubeconfig,
          '--enable-priority-and-fairness=false',
          // On SIGTERM, end open watches within a second (else they hold the process until killed).
          '--shutdown-watch-termination-grace-period=1s',
          '--disable-admission-plugins',
          'NamespaceLifecycle,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy,MutatingAdmissionPolicy',
        ],
        logFile,
      );
      await waitUntil(name, proc, logFile, timeoutMs, async () => {
        return (
          (await httpsStatus(`https://${HOST}:${port}/readyz?exclude=informer-sync`, certs, certFiles)) ===
          200
        );
      });
      return proc;
    };

    const server = `https://${HOST}:${apiPort}`;
    let apiServer = await startApiServer(apiPort, 'apiserver');
    processes.push(apiServer);
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(kubeconfig, await kubeconfigText(server, certs));
    const { stdout: versionText } = await run(binary, ['--version']).catch(() => ({ stdout: '' }));
    const client = createClient(() => server, certFiles);

    return {
      ...client,
      kubeconfig,
      server,
      etcdVersion,
      apiServerVersion: versionText.trim() || `${MODULE}@${APIEXTENSIONS_APISERVER_VERSION}`,
      async restartApiServer(whileDown) {
        await stopProcess(apiServer);
        if (whileDown !== undefined) {
          const otherPort = await freePort();
          const other = await startApiServer(otherPort, 'apiserver-second');
          processes.push(other);
          try {
            await whileDown(createClient(() => `https://${HOST}:${otherPort}`, certFiles));
          } finally {
            await stopProcess(other);
          }
        }
        apiServer = await startApiServer(apiPort, 'apiserver');
        processes.push(apiServer);
      },
      async stop() {
        for (const proc of processes.reverse()) await stopProcess(proc);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const proc of processes.reverse()) await stopProcess(proc, 2000);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

if (import.meta.main) {
  const command = process.argv[2];
  if (command === 'build') {
    console.log(await ensureApiServerBinary());
  } else {
    console.error('usage: node test/support/kube-apiserver.ts build');
    process.exitCode = 2;
  }
}
