import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig } from '../lambdas/config/load';
import { buildApp } from '../infra/build-app';
const config = parseConfig({ archive: { bucket: 'acme-backups' }, devices: [
  { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://10.1.0.5', secret: 's' },
  { id: 'fg', type: 'riverbed-flow-gateway', url: 'https://fg.example.net', secret: 's2', landing: { host: '10.9.0.9', path: '/x', hostKey: 'SHA256:' + 'a'.repeat(43), secret: 'l' } },
], network: { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567', 'subnet-89abcdef'], availabilityZones: ['us-east-1a','us-east-1b'], routeTableIds: ['rtb-01234567','rtb-01234567'], s3PrefixListId: 'pl-63a5400a', deviceCidrs: ['10.0.0.0/8'] } });
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
buildApp(config, { app });
try { app.synth(); console.log('clean'); } catch (e) { console.log((e as Error).message.slice(0, 200000)); }
