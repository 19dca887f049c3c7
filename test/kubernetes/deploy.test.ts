/**
 * deploy/kubernetes (and deploy/keda) render with `kubectl kustomize`, and every rendered object is
 * valid: built-in kinds against the Kubernetes 1.36 OpenAPI schema (strict: unknown fields are
 * errors), CustomResourceDefinitions by a real API server (dry run), and the pieces fit together
 * (selectors, names, RBAC for what the control plane does, probes, the restricted pod profile).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../support/eventyard.ts';
import {
  ensureKubectl,
  eventyardCrds,
  type KubeCluster,
  startKubeCluster,
} from '../support/kube-apiserver.ts';
import { validateBuiltIn } from './k8s-schema.ts';

const run = promisify(execFile);

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
};
type PodSpec = {
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
  containers: Array<{
    name: string;
    image?: string;
    args?: string[];
    ports?: Array<{ name?: string; containerPort: number }>;
    envFrom?: Array<{ configMapRef?: { name: string } }>;
    env?: Array<{ name: string; value?: string }>;
    readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
    livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
    securityContext?: {
      readOnlyRootFilesystem?: boolean;
      allowPrivilegeEscalation?: boolean;
      capabilities?: { drop?: string[] };
    };
    volumeMounts?: Array<{ mountPath: string }>;
  }>;
};
type Deployment = Obj & {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  };
};
type Rule = { apiGroups?: string[]; resources?: string[]; resourceNames?: string[]; verbs: string[] };

const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
]);

let cluster: KubeCluster;
let base: Obj[];
let keda: Obj[];

async function render(dir: string): Promise<Obj[]> {
  const kubectl = await ensureKubectl();
  const { stdout } = await run(kubectl, ['kustomize', join(ROOT, dir)], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((doc) => doc.toJS() as Obj);
}

before(async () => {
  [base, keda] = await Promise.all([render('deploy/kubernetes'), render('deploy/keda')]);
  cluster = await startKubeCluster();
});
after(() => cluster?.stop());

function find<T extends Obj>(objects: Obj[], kind: string, name: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is rendered`);
  return found as T;
}

function matches(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

function allows(rules: Rule[], group: string, resource: string, verb: string, name?: string): boolean {
  return rules.some(
    (rule) =>
      (rule.apiGroups ?? []).includes(group) &&
      (rule.resources ?? []).includes(resource) &&
      rule.verbs.includes(verb) &&
      (rule.resourceNames === undefined || (name !== undefined && rule.resourceNames.includes(name))),
  );
}

test('kubectl kustomize renders the base: the kinds a platform team expects, all in namespace eventyard', () => {
  const kinds = base.map((o) => `${o.kind}/${o.metadata.name}`).sort();
  assert.deepEqual(kinds, [
    'ClusterRole/eventyard',
    'ClusterRoleBinding/eventyard',
    'ConfigMap/eventyard',
    'CustomResourceDefinition/brokers.eventyard.dev',
    'CustomResourceDefinition/triggers.eventyard.dev',
    'Deployment/eventyard-dispatcher',
    'Deployment/eventyard-ingress',
    'Namespace/eventyard',
    'PodDisruptionBudget/eventyard-dispatcher',
    'PodDisruptionBudget/eventyard-ingress',
    'Role/eventyard-leader-election',
    'RoleBinding/eventyard-leader-election',
    'Service/eventyard-ingress',
    'ServiceAccount/eventyard',
  ]);
  for (const object of base) {
    if (CLUSTER_SCOPED.has(object.kind)) assert.equal(object.metadata.namespace, undefined, object.kind);
    else assert.equal(object.metadata.namespace, 'eventyard', `${object.kind} ${object.metadata.name}`);
  }
});

test('every rendered built-in object validates against the Kubernetes 1.36 schema', () => {
  for (const object of [...base, ...keda]) {
    if (object.apiVersion === 'keda.sh/v1alpha1') continue;
    assert.deepEqual(validateBuiltIn(object), [], `${object.kind} ${object.metadata.name}`);
  }
  // The validator does catch what kubectl would reject.
  const broken = structuredClone(find<Deployment>(base, 'Deployment', 'eventyard-ingress'));
  (broken.spec.template.spec.containers[0] as Record<string, unknown>).imagePullPolicy = 5;
  (broken.spec as Record<string, unknown>).replica = 3;
  delete (broken.spec as Record<string, unknown>).selector;
  assert.deepEqual(validateBuiltIn(broken).sort(), [
    'Deployment.spec.replica: unknown field of V1DeploymentSpec',
    'Deployment.spec.selector: required by V1DeploymentSpec',
    'Deployment.spec.template.spec.containers[0].imagePullPolicy: must be a string, not 5',
  ]);
});

test('the rendered CRDs are those of deploy/crds, and the API server takes them (dry run)', async () => {
  const rendered = base.filter((o) => o.kind === 'CustomResourceDefinition');
  const committed = (await eventyardCrds()) as Obj[];
  for (const crd of rendered) {
    const { labels, ...metadata } = crd.metadata;
    const original = committed.find((c) => c.metadata.name === crd.metadata.name);
    assert.ok(original);
    // kustomize adds its part-of label; nothing else may differ.
    assert.deepEqual(
      { ...crd, metadata: { ...metadata, labels: { ...labels, 'app.kubernetes.io/part-of': 'eventyard' } } },
      {
        ...original,
        metadata: {
          ...original.metadata,
          labels: { ...original.metadata.labels, 'app.kubernetes.io/part-of': 'eventyard' },
        },
      },
    );
    const response = await cluster.request<{ message?: string }>(
      'POST',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions?dryRun=All&fieldValidation=Strict',
      crd,
    );
    assert.equal(response.status, 201, response.body?.message);
  }
});

test('deployments: selectors match, /readyz probes, resources, restricted security, their service account and config exist', () => {
  for (const role of ['ingress', 'dispatcher']) {
    const deployment = find<Deployment>(base, 'Deployment', `eventyard-${role}`);
    const { spec } = deployment;
    assert.ok(
      matches(spec.selector.matchLabels, spec.template.metadata.labels),
      'selector matches the pod labels',
    );
    assert.equal(spec.template.metadata.labels['app.kubernetes.io/component'], role);
    const pod = spec.template.spec;
    find(base, 'ServiceAccount', pod.serviceAccountName ?? 'default');
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext?.seccompProfile?.type, 'RuntimeDefault');
    const [container] = pod.containers;
    assert.ok(container);
    assert.equal(container.image, 'eventyard:0.1.0');
    assert.deepEqual(container.args?.slice(0, 4), ['start', '--kubernetes', '--role', role]);
    const portNames = (container.ports ?? []).map((p) => p.name);
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    assert.ok(portNames.includes(String(container.readinessProbe?.httpGet?.port)));
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.ok(container.resources?.requests?.cpu && container.resources.requests.memory);
    assert.ok(container.resources?.limits?.memory);
    assert.equal(container.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(container.securityContext?.allowPrivilegeEscalation, false);
    assert.deepEqual(container.securityContext?.capabilities?.drop, ['ALL']);
    for (const source of container.envFrom ?? []) find(base, 'ConfigMap', source.configMapRef?.name ?? '');
    const dataDir = container.env?.find((e) => e.name === 'EVENTYARD_DATA_DIR')?.value ?? '';
    assert.ok(
      (container.volumeMounts ?? []).some((m) => dataDir.startsWith(`${m.mountPath}/`)),
      'the data directory is on a writable volume',
    );
    const budget = find<Obj & { spec: { selector: { matchLabels: Record<string, string> } } }>(
      base,
      'PodDisruptionBudget',
      `eventyard-${role}`,
    );
    assert.ok(
      matches(budget.spec.selector.matchLabels, spec.template.metadata.labels),
      `the ${role} budget selects its pods`,
    );
  }
});

test('the ingress Service reaches the ingress pods on their http port, at the URL brokers report', () => {
  type Service = Obj & {
    spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> };
  };
  const service = find<Service>(base, 'Service', 'eventyard-ingress');
  const ingress = find<Deployment>(base, 'Deployment', 'eventyard-ingress');
  const dispatcher = find<Deployment>(base, 'Deployment', 'eventyard-dispatcher');
  assert.ok(matches(service.spec.selector, ingress.spec.template.metadata.labels));
  assert.ok(
    !matches(service.spec.selector, dispatcher.spec.template.metadata.labels),
    'dispatchers get no traffic',
  );
  const ports = ingress.spec.template.spec.containers[0]?.ports?.map((p) => p.name);
  assert.ok(ports?.includes(service.spec.ports[0]?.targetPort));
  const config = find<Obj & { data: Record<string, string> }>(base, 'ConfigMap', 'eventyard');
  assert.equal(
    config.data.EVENTYARD_INGRESS_URL,
    `http://${service.metadata.name}.eventyard.svc.cluster.local`,
  );
  assert.ok(config.data.KAFKA_BROKERS);
});

test('RBAC grants what the control plane does, and nothing more', () => {
  const clusterRole = find<Obj & { rules: Rule[] }>(base, 'ClusterRole', 'eventyard');
  for (const resource of ['brokers', 'triggers']) {
    for (const verb of ['get', 'list', 'watch'])
      assert.ok(allows(clusterRole.rules, 'eventyard.dev', resource, verb));
    assert.ok(allows(clusterRole.rules, 'eventyard.dev', `${resource}/status`, 'patch'));
    for (const verb of ['create', 'update', 'patch', 'delete']) {
      assert.ok(!allows(clusterRole.rules, 'eventyard.dev', resource, verb), `no ${verb} on ${resource}`);
    }
  }
  const role = find<Obj & { rules: Rule[] }>(base, 'Role', 'eventyard-leader-election');
  assert.ok(allows(role.rules, 'coordination.k8s.io', 'leases', 'create'));
  for (const verb of ['get', 'update'])
    assert.ok(allows(role.rules, 'coordination.k8s.io', 'leases', verb, 'eventyard-control'));
  assert.ok(!allows(role.rules, 'coordination.k8s.io', 'leases', 'update', 'someone-else'));
  for (const rule of [...clusterRole.rules, ...role.rules]) {
    assert.ok(
      ![...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])].includes('*'),
      'no wildcards',
    );
  }
  type Binding = Obj & {
    roleRef: { kind: string; name: string };
    subjects: Array<{ kind: string; name: string; namespace: string }>;
  };
  for (const [kind, roleKind] of [
    ['ClusterRoleBinding', 'ClusterRole'],
    ['RoleBinding', 'Role'],
  ] as const) {
    for (const binding of base.filter((o) => o.kind === kind) as Binding[]) {
      find(base, roleKind, binding.roleRef.name);
      assert.deepEqual(binding.subjects, [
        { kind: 'ServiceAccount', name: 'eventyard', namespace: 'eventyard' },
      ]);
    }
  }
});

test('deploy/keda adds a ScaledObject that scales the dispatcher on eventyard_consumer_lag', () => {
  assert.equal(keda.length, base.length + 1);
  type ScaledObject = Obj & {
    spec: {
      scaleTargetRef: { name: string };
      minReplicaCount: number;
      maxReplicaCount: number;
      triggers: Array<{ type: string; metadata: Record<string, string> }>;
    };
  };
  const scaled = find<ScaledObject>(keda, 'ScaledObject', 'eventyard-dispatcher');
  assert.equal(scaled.apiVersion, 'keda.sh/v1alpha1');
  assert.equal(scaled.metadata.namespace, 'eventyard');
  find(keda, 'Deployment', scaled.spec.scaleTargetRef.name);
  assert.equal(scaled.spec.scaleTargetRef.name, 'eventyard-dispatcher');
  assert.ok(scaled.spec.minReplicaCount >= 1 && scaled.spec.maxReplicaCount > scaled.spec.minReplicaCount);
  const [trigger] = scaled.spec.triggers;
  assert.equal(trigger?.type, 'prometheus');
  assert.match(trigger?.metadata.query ?? '', /eventyard_consumer_lag/);
  assert.ok(Number(trigger?.metadata.threshold) > 0);
  assert.ok(trigger?.metadata.serverAddress?.startsWith('http'));
});

test('the compose file runs Kafka (KRaft), eventyard from deploy/Dockerfile and an event display', async () => {
  type Compose = {
    services: Record<
      string,
      {
        image?: string;
        build?: { context: string; dockerfile: string };
        environment?: Record<string, string>;
        command?: string[];
      }
    >;
  };
  const compose = parseAllDocuments(
    await readFile(join(ROOT, 'deploy/compose/compose.yaml'), 'utf8'),
  )[0]?.toJS() as Compose;
  const { kafka, eventyard, 'event-display': display } = compose.services;
  assert.match(kafka?.image ?? '', /^apache\/kafka:/);
  assert.equal(kafka?.environment?.KAFKA_PROCESS_ROLES, 'broker,controller');
  assert.equal(eventyard?.build?.dockerfile, 'deploy/Dockerfile');
  assert.equal(eventyard?.environment?.KAFKA_BROKERS, 'kafka:9092');
  assert.ok(display?.image);
  const dockerfile = await readFile(join(ROOT, 'deploy/Dockerfile'), 'utf8');
  assert.match(dockerfile, /^FROM .* AS build$/m);
  assert.match(dockerfile, /^FROM gcr\.io\/distroless\/nodejs24-debian12:nonroot$/m);
  assert.match(dockerfile, /^USER 65532:65532$/m);
  assert.doesNotMatch(dockerfile, /^HEALTHCHECK/m);
});
