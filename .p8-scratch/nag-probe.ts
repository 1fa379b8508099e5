import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { parseConfig } from '../lambdas/config/load';
import { buildApp } from '../infra/build-app';
const HOST_KEY = 'SHA256:' + 'A'.repeat(43);
const config = parseConfig({
  archive: { bucket: 'acme-backups', prefix: 'backups/', retention: { keepLast: 3 }, encryption: { kms: { create: true } }, objectLock: { mode: 'GOVERNANCE', days: 30 },
    lifecycle: { transitions: [{ days: 30, storageClass: 'GLACIER_IR' }] } },
  devices: [
    { id: 'ar11', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 'br/ar11', schedule: { rrule: 'FREQ=DAILY;BYHOUR=2', timezone: 'Europe/Budapest' } },
    { id: 'fg1', type: 'riverbed-flow-gateway', url: 'https://fg.example.net', secret: 'br/fg', landing: { host: '10.0.0.9', path: '/srv/backups/fg1', hostKey: HOST_KEY, secret: 'br/landing' } },
    { id: 'qr1', type: 'qradar', url: 'https://qr.example.net', secret: 'br/qr', ssh: { hostKey: HOST_KEY } },
  ],
});
const { app } = buildApp(config, { context: { 'aws:cdk:bundling-stacks': [] } });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
Validations.of(app).addPlugins(new ServerlessChecks(app));
Validations.of(app.node.findChild("BackupRunner")).acknowledge({ id: "AwsSolutions-S1", reason: "x" });
Validations.of(app.node.findChild("BackupRunner")).acknowledge({ id: "Serverless-LambdaTracing", reason: "x" });
try { const asm = app.synth(); console.log('ok', asm.directory); } catch (e) { console.log(String((e as Error).message).slice(0, 20000)); }
