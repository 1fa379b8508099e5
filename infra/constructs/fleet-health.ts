import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * Each device's latest backup outcome (lambdas/monitoring/dynamodb-health-store.ts): one item per
 * device, written by the execution reporter, read by the fleet health check. It lets one alarm
 * count the failing devices and each device be named once when it starts failing; mutable state
 * stays out of the archive (under Object Lock every write there would be a locked version).
 * On-demand capacity (a few writes a night per device), items expire 400 days after a device's
 * last backup. It holds nothing that the next backups would not rebuild, so it goes with the stack.
 */
export class DeviceHealthTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'deviceId', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'expiresAt',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
