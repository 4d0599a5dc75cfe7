// Replacement in an EC2 Auto Scaling group (AWS SDK v3): the host's instance
// is terminated without lowering the desired capacity, so the group launches
// a new one; the provider waits until a new instance is InService (and, by
// setting, Healthy) and reports its id and address. Credentials come from the
// SDK's default chain (environment, profile, role); endpoints from the SDK's
// own AWS_ENDPOINT_URL* variables. The SDK signs, retries throttled calls with
// backoff and paginates.
import {
  AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  paginateDescribeAutoScalingGroups,
  TerminateInstanceInAutoScalingGroupCommand,
  type Instance as GroupInstance,
} from '@aws-sdk/client-auto-scaling';
import { CreateSnapshotCommand, DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import type { Capturer } from '../capture/evidence.js';
import type { NewInstance, ReplaceTarget, ReplacementProvider } from './provider.js';
import { parseAwsAsg, type AwsAsgSettings } from './settings-fns.js';

export interface AwsOptions {
  /** How often the group is asked about its instances while waiting. */
  pollMs?: number;
  maxAttempts?: number;
}

const settingsOf = (target: ReplaceTarget) => parseAwsAsg(target.host.connectorConfig.replacement as Record<string, unknown>);
const currentInstance = (target: ReplaceTarget, s: AwsAsgSettings) => target.host.instanceRef ?? s.instanceId;

function clients(region: string, opts: AwsOptions) {
  const common = { region, maxAttempts: opts.maxAttempts ?? 5 };
  return { asg: new AutoScalingClient(common), ec2: new EC2Client(common) };
}

async function groupInstances(asg: AutoScalingClient, group: string): Promise<GroupInstance[]> {
  const out: GroupInstance[] = [];
  for await (const page of paginateDescribeAutoScalingGroups({ client: asg }, { AutoScalingGroupNames: [group] })) {
    for (const g of page.AutoScalingGroups ?? []) if (g.AutoScalingGroupName === group) out.push(...(g.Instances ?? []));
  }
  return out;
}

async function describeInstance(ec2: EC2Client, instanceId: string) {
  const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const instance = res.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
  if (!instance) throw new Error(`EC2 does not know instance ${instanceId}`);
  return instance;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function awsAsgProvider(opts: AwsOptions = {}): ReplacementProvider {
  const pollMs = opts.pollMs ?? 10_000;
  return {
    name: 'aws-asg',
    async replace(target, ctx): Promise<NewInstance> {
      const s = settingsOf(target);
      const old = currentInstance(target, s);
      const { asg, ec2 } = clients(s.region, opts);
      try {
        const before = await groupInstances(asg, s.autoScalingGroup);
        const inGroup = await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [old] }));
        if (inGroup.AutoScalingInstances?.some((i) => i.InstanceId === old && i.AutoScalingGroupName === s.autoScalingGroup)) {
          const res = await asg.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: old, ShouldDecrementDesiredCapacity: false }));
          await ctx?.step('aws.terminate', { instanceId: old, group: s.autoScalingGroup, activityId: res.Activity?.ActivityId ?? null });
        } else {
          // An earlier attempt already terminated it: wait for its successor.
          await ctx?.step('aws.already_terminated', { instanceId: old, group: s.autoScalingGroup });
        }
        const known = new Set([old, ...before.filter((i) => i.LifecycleState === 'InService').map((i) => i.InstanceId)]);
        const deadline = Date.now() + s.timeoutSeconds * 1000;
        let last = 'none launched yet';
        for (;;) {
          const now = await groupInstances(asg, s.autoScalingGroup);
          const fresh = now.filter((i) => i.InstanceId && !known.has(i.InstanceId));
          const ready = fresh.find((i) => i.LifecycleState === 'InService' && (!s.healthCheck || i.HealthStatus === 'Healthy'));
          if (ready) {
            const instance = await describeInstance(ec2, ready.InstanceId!);
            const address = (s.address === 'public' ? instance.PublicIpAddress : instance.PrivateIpAddress) ?? undefined;
            await ctx?.step('aws.in_service', { instanceId: ready.InstanceId, address: address ?? null, health: ready.HealthStatus ?? null });
            return { instanceId: ready.InstanceId!, ...(address ? { address } : {}) };
          }
          last = fresh.map((i) => `${i.InstanceId} ${i.LifecycleState}/${i.HealthStatus}`).join(', ') || 'none launched yet';
          if (Date.now() >= deadline)
            throw new Error(
              `no new instance became InService${s.healthCheck ? ' and Healthy' : ''} in ${s.autoScalingGroup} within ${s.timeoutSeconds} s (new instances: ${last})`,
            );
          await pause(Math.min(pollMs, Math.max(0, deadline - Date.now())));
        }
      } finally {
        asg.destroy();
        ec2.destroy();
      }
    },
  };
}

/** Evidence for EC2 hosts: a snapshot of each EBS volume, tagged with the host, sessions, requests and replacement. */
export function awsAsgCapturer(opts: AwsOptions = {}): Capturer {
  return {
    provider: 'aws-asg',
    async capture(target, _signal, context) {
      const s = settingsOf(target);
      const instanceId = currentInstance(target, s);
      if (!s.snapshot) return { kind: 'ebs-snapshots', summary: { instanceId, snapshots: 0, skipped: 'replacement.snapshot is false' }, items: [] };
      const { ec2 } = clients(s.region, opts);
      try {
        const instance = await describeInstance(ec2, instanceId);
        const tags = [
          { Key: 'breakglass:host', Value: target.host.name },
          { Key: 'breakglass:replacement', Value: context?.replacementId ?? '' },
          { Key: 'breakglass:sessions', Value: (context?.sessionIds ?? []).join(' ').slice(0, 256) },
          { Key: 'breakglass:requests', Value: (context?.requestIds ?? []).join(' ').slice(0, 256) },
        ];
        const items = [];
        for (const mapping of instance.BlockDeviceMappings ?? []) {
          const volumeId = mapping.Ebs?.VolumeId;
          if (!volumeId) continue;
          const snap = await ec2.send(
            new CreateSnapshotCommand({
              VolumeId: volumeId,
              Description: `breakglass evidence: ${target.host.name} (${instanceId}) ${mapping.DeviceName ?? ''} before replacement`.slice(0, 255),
              TagSpecifications: [{ ResourceType: 'snapshot', Tags: tags }],
            }),
          );
          items.push({ device: mapping.DeviceName ?? null, volumeId, snapshotId: snap.SnapshotId ?? null, state: snap.State ?? null });
        }
        return { kind: 'ebs-snapshots', summary: { instanceId, region: s.region, snapshots: items.length }, items };
      } finally {
        ec2.destroy();
      }
    },
  };
}
