import { parseConfig } from '../lambdas/config/load';
const base = { archive: { bucket: 'acme-backups' }, devices: [{ id: 'a', type: 'riverbed-npm-v1', url: 'https://ar11.example.net', secret: 's' }] };
for (const network of [{ subnetIds: ['subnet-0123456789abcdef0'] }, { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing' }, { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing', deviceCidrs: ['10.0.0.1/8'] }]) {
  try { parseConfig({ ...base, network }); console.log('ok'); } catch (e) { console.log((e as Error).message); }
}
try { parseConfig({ ...base, devices: [{ id: 'fg', type: 'riverbed-flow-gateway', url: 'https://[fe80::1]:8443', secret: 's', landing: { host: '10.0.0.300', path: '/x', hostKey: 'SHA256:' + 'a'.repeat(43), secret: 'l' } }] , network: { vpcId: 'vpc-01234567', subnetIds: ['subnet-01234567'], endpoints: 'nat', s3GatewayEndpoint: 'existing' }}); } catch (e) { console.log((e as Error).message); }
