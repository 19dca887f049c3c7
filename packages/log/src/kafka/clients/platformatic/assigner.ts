/**
 * The log's round-robin assignment for @platformatic/kafka group members: each topic's partitions
 * go only to members subscribed to it (as Kafka's RoundRobinAssignor does; the library's own
 * round robin spreads every topic over every member). Same protocol name, metadata and result as
 * the kafkajs assigner (clients/kafkajs/assigner.ts), so members on either client can share a group.
 */
import type {
  GroupAssignment,
  GroupPartitionsAssigner,
  GroupProtocolSubscription,
} from '@platformatic/kafka';

export const PROTOCOLS: GroupProtocolSubscription[] = [{ name: 'EventyardRoundRobin', version: 0 }];

export const subscriptionRoundRobin: GroupPartitionsAssigner = (_current, members, _topics, metadata) => {
  const sorted = [...members.keys()].sort();
  const out = sorted.map((memberId) => ({ memberId, assignments: new Map<string, GroupAssignment>() }));
  // Every member's topics (the library passes only the leader's own; its metadata covers them all).
  const topics = new Set<string>();
  for (const subscription of members.values())
    for (const topic of subscription.topics ?? []) topics.add(topic);
  for (const topic of [...topics].sort()) {
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const subscribers = out.filter((m) => members.get(m.memberId)?.topics?.includes(topic) === true);
    if (subscribers.length === 0) continue;
    for (let partition = 0; partition < count; partition++) {
      const owner = subscribers[partition % subscribers.length]!;
      const owned = owner.assignments.get(topic);
      if (owned === undefined) owner.assignments.set(topic, { topic, partitions: [partition] });
      else owned.partitions.push(partition);
    }
  }
  return out;
};
