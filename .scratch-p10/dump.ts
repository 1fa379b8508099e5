import { parseConfig } from '../lambdas/config/load';
import { buildApp } from '../infra/build-app';
import { Template } from 'aws-cdk-lib/assertions';
const config = parseConfig({ archive: { bucket: 'acme-backups' }, devices: [
  { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 's' },
  { id: 'fg', type: 'riverbed-flow-gateway', url: 'https://fg.example.net', secret: 's2', landing: { host: '10.9.0.9', path: '/x', hostKey: 'SHA256:' + 'a'.repeat(43), secret: 'l' } },
], network: { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567', 'subnet-89abcdef'], availabilityZones: ['us-east-1a','us-east-1b'], routeTableIds: ['rtb-01234567','rtb-01234567'], s3PrefixListId: 'pl-63a5400a', deviceCidrs: ['10.0.0.0/8'] } });
const { stack } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
const r = Template.fromStack(stack).toJSON().Resources;
for (const [id, v] of Object.entries<any>(r)) if (/^Network|EC2/.test(id) || v.Type.startsWith('AWS::EC2')) console.log(id, JSON.stringify(v, null, 1));
const fn = Object.entries<any>(r).find(([id]) => id.includes('StartBackupFunction') && r[id].Type === 'AWS::Lambda::Function')!;
console.log(JSON.stringify(fn[1].Properties.VpcConfig), JSON.stringify(fn[1].DependsOn));
