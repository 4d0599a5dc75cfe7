// A STAND-IN for AWS, not AWS: a local HTTP server speaking the few calls of
// the Auto Scaling and EC2 query protocols that the aws-asg provider makes,
// so that the real AWS SDK v3 (signing, retries, pagination, XML parsing)
// runs against it. It keeps one Auto Scaling group and its instances, answers
// DescribeAutoScalingGroups in two pages, can throttle a call, and launches a
// successor when an instance is terminated.
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface StandInInstance {
  id: string;
  state: 'Pending' | 'InService' | 'Terminating' | 'Terminated';
  health: 'Healthy' | 'Unhealthy';
  ip: string;
  volumes: string[];
}

export interface Call {
  action: string;
  params: URLSearchParams;
  authorization: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export class AwsStandIn {
  readonly calls: Call[] = [];
  readonly instances = new Map<string, StandInInstance>();
  readonly snapshots: { id: string; volumeId: string; tags: Record<string, string>; description: string }[] = [];
  /** Actions to answer with a throttling error, once each. */
  throttleOnce = new Set<string>();
  /** After a termination, the successor becomes InService after this many group descriptions (never when Infinity). */
  launchAfterDescribes = 2;
  private successor: { id: string; describesLeft: number } | undefined;
  private server: Server | undefined;
  private next = 0xccc;

  constructor(readonly group: string) {}

  add(instance: StandInInstance): void {
    this.instances.set(instance.id, instance);
  }

  async start(): Promise<string> {
    this.server = createServer(
      (req, res) =>
        void this.handle(req).then(([status, body]) => {
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(body);
        }),
    );
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  private async handle(req: IncomingMessage): Promise<[number, string]> {
    let body = '';
    for await (const chunk of req) body += chunk;
    const params = new URLSearchParams(body);
    const action = params.get('Action') ?? '';
    this.calls.push({ action, params, authorization: String(req.headers.authorization ?? '') });
    const ec2 = params.get('Version') === '2016-11-15';
    if (this.throttleOnce.delete(action)) {
      return ec2
        ? [
            503,
            `<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>`,
          ]
        : [
            400,
            `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
          ];
    }
    switch (action) {
      case 'DescribeAutoScalingGroups':
        return [200, this.describeGroups(params)];
      case 'DescribeAutoScalingInstances':
        return [200, this.describeAsgInstances(params)];
      case 'TerminateInstanceInAutoScalingGroup':
        return this.terminate(params);
      case 'DescribeInstances':
        return [200, this.describeInstances(params)];
      case 'CreateSnapshot':
        return [200, this.createSnapshot(params)];
      default:
        return [400, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>${esc(action)}</Message></Error></ErrorResponse>`];
    }
  }

  private asg(action: string, result: string): string {
    return `<${action}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></${action}Response>`;
  }

  private describeGroups(params: URLSearchParams): string {
    // Two pages: the first is empty and carries a NextToken (pagination must be followed).
    if (!params.get('NextToken')) return this.asg('DescribeAutoScalingGroups', '<AutoScalingGroups/><NextToken>page-2</NextToken>');
    if (this.successor && this.successor.describesLeft-- <= 0) {
      const s = this.instances.get(this.successor.id)!;
      s.state = 'InService';
      s.health = 'Healthy';
    }
    const members = [...this.instances.values()]
      .filter((i) => i.state !== 'Terminated')
      .map(
        (i) =>
          `<member><InstanceId>${i.id}</InstanceId><AvailabilityZone>eu-west-1a</AvailabilityZone><LifecycleState>${i.state}</LifecycleState><HealthStatus>${i.health}</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`,
      )
      .join('');
    return this.asg(
      'DescribeAutoScalingGroups',
      `<AutoScalingGroups><member><AutoScalingGroupName>${esc(this.group)}</AutoScalingGroupName><MinSize>1</MinSize><MaxSize>4</MaxSize><DesiredCapacity>2</DesiredCapacity><Instances>${members}</Instances></member></AutoScalingGroups>`,
    );
  }

  private describeAsgInstances(params: URLSearchParams): string {
    const id = params.get('InstanceIds.member.1') ?? '';
    const i = this.instances.get(id);
    const member =
      i && i.state !== 'Terminated'
        ? `<member><InstanceId>${i.id}</InstanceId><AutoScalingGroupName>${esc(this.group)}</AutoScalingGroupName><AvailabilityZone>eu-west-1a</AvailabilityZone><LifecycleState>${i.state}</LifecycleState><HealthStatus>${i.health.toUpperCase()}</HealthStatus><ProtectedFromScaleIn>false</ProtectedFromScaleIn></member>`
        : '';
    return this.asg('DescribeAutoScalingInstances', `<AutoScalingInstances>${member}</AutoScalingInstances>`);
  }

  private terminate(params: URLSearchParams): [number, string] {
    const id = params.get('InstanceId') ?? '';
    const i = this.instances.get(id);
    if (!i || i.state === 'Terminated')
      return [
        400,
        `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Instance Id not found - No managed instance found for instance ID: ${esc(id)}</Message></Error></ErrorResponse>`,
      ];
    i.state = 'Terminated';
    const successor = `i-0000000000000${(this.next++).toString(16)}`;
    this.add({ id: successor, state: 'Pending', health: 'Healthy', ip: `10.0.0.${this.next % 250}`, volumes: ['vol-new'] });
    this.successor = { id: successor, describesLeft: this.launchAfterDescribes === Infinity ? Number.MAX_SAFE_INTEGER : this.launchAfterDescribes };
    return [
      200,
      this.asg(
        'TerminateInstanceInAutoScalingGroup',
        `<Activity><ActivityId>act-1</ActivityId><AutoScalingGroupName>${esc(this.group)}</AutoScalingGroupName><Cause>terminated by breakglass</Cause><StartTime>2026-11-26T10:00:00Z</StartTime><StatusCode>InProgress</StatusCode><Progress>0</Progress></Activity>`,
      ),
    ];
  }

  private describeInstances(params: URLSearchParams): string {
    const ids = [...params.entries()].filter(([k]) => k.startsWith('InstanceId.')).map(([, v]) => v);
    const items = ids
      .map((id) => this.instances.get(id))
      .filter((i) => i !== undefined)
      .map(
        (i) =>
          `<item><instanceId>${i.id}</instanceId><privateIpAddress>${i.ip}</privateIpAddress><instanceState><code>16</code><name>running</name></instanceState><blockDeviceMapping>${i.volumes
            .map((v, n) => `<item><deviceName>/dev/xvd${'abcdef'[n]}</deviceName><ebs><volumeId>${v}</volumeId><status>attached</status></ebs></item>`)
            .join('')}</blockDeviceMapping></item>`,
      )
      .join('');
    return `<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><reservationSet><item><reservationId>r-1</reservationId><instancesSet>${items}</instancesSet></item></reservationSet></DescribeInstancesResponse>`;
  }

  private createSnapshot(params: URLSearchParams): string {
    const tags: Record<string, string> = {};
    for (let n = 1; params.has(`TagSpecification.1.Tag.${n}.Key`); n++)
      tags[params.get(`TagSpecification.1.Tag.${n}.Key`)!] = params.get(`TagSpecification.1.Tag.${n}.Value`) ?? '';
    const snap = { id: `snap-${this.snapshots.length + 1}`, volumeId: params.get('VolumeId') ?? '', tags, description: params.get('Description') ?? '' };
    this.snapshots.push(snap);
    return `<CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><snapshotId>${snap.id}</snapshotId><volumeId>${esc(snap.volumeId)}</volumeId><status>pending</status><startTime>2026-11-26T10:00:00Z</startTime><progress></progress><ownerId>1</ownerId><volumeSize>8</volumeSize><description>${esc(snap.description)}</description></CreateSnapshotResponse>`;
  }
}
