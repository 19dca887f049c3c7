/**
 * A round-robin partition assigner that honours each member's own subscription.
 *
 * The log opens one Kafka consumer per (group, topic), so one group can have members that read
 * different topics (a dispatcher reads its broker topic and its retry topic under one group).
 * kafkajs' built-in assigners spread the leader's topics over every member, whatever that member
 * subscribed to; this one gives each topic's partitions only to members subscribed to it, as
 * Kafka's own RoundRobinAssignor does.
 */
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

const NAME = 'EventyardRoundRobin';
const VERSION = 0;
const NO_USER_DATA = Buffer.alloc(0);

export const subscriptionRoundRobin: PartitionAssigner = ({ cluster }) => ({
  name: NAME,
  version: VERSION,

  async assign({ members }) {
    const subscribers = new Map<string, string[]>();
    const sorted = [...members].sort((a, b) =>
      a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
    );
    for (const member of sorted) {
      const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata);
      for (const topic of metadata?.topics ?? []) {
        const list = subscribers.get(topic);
        if (list === undefined) subscribers.set(topic, [member.memberId]);
        else list.push(member.memberId);
      }
    }
    const assignment = new Map<string, Record<string, number[]>>();
    for (const member of sorted) assignment.set(member.memberId, {});
    for (const [topic, memberIds] of subscribers) {
      let partitions: number[];
      try {
        // The leader's metadata covers only its own topics until asked for the others.
        await cluster.addMultipleTargetTopics([topic]);
        partitions = cluster
          .findTopicPartitionMetadata(topic)
          .map((p) => p.partitionId)
          .sort((a, b) => a - b);
      } catch {
        continue; // a member subscribed to a topic that is gone: nothing to assign
      }
      partitions.forEach((partition, i) => {
        const owner = assignment.get(memberIds[i % memberIds.length]!)!;
        const owned = owner[topic];
        if (owned === undefined) owner[topic] = [partition];
        else owned.push(partition);
      });
    }
    return [...assignment].map(([memberId, topics]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: VERSION,
        assignment: topics,
        userData: NO_USER_DATA,
      }),
    }));
  },

  protocol({ topics }) {
    return {
      name: NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData: NO_USER_DATA }),
    };
  },
});
