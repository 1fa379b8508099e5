/**
 * A generated fleet as a user with thousands of appliances would write it: every device its own
 * secret, a daily schedule at its own minute in one of a few zones, the five device types in
 * turn (landing hosts and filers shared by groups of devices), some with their own retention.
 * The fleet-scale test and the benchmarks use it.
 */
const HOST_KEY = `SHA256:${'A'.repeat(43)}`;
const ZONES = ['UTC', 'Europe/Budapest', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

export function generatedDevice(i: number): Record<string, unknown> {
  const id = `appliance-${String(i).padStart(5, '0')}`;
  const base = {
    id,
    url: `https://10.${Math.floor(i / 250) % 250}.${1 + (i % 250)}.5`,
    secret: `backup-runner/${id}`,
    schedule: { rrule: `FREQ=DAILY;BYHOUR=${i % 24};BYMINUTE=${(i * 7) % 60}`, timezone: ZONES[i % ZONES.length] },
    ...(i % 7 === 0 ? { retention: { keepDaily: 30, keepMonthly: 12 } } : {}),
    description: `rack ${i % 400}, row ${Math.floor(i / 400)}`,
  };
  const landing = (group: number) => ({ host: `10.200.${group % 250}.9`, path: `/srv/backups/${id}`, hostKey: HOST_KEY, secret: `backup-runner/landing-${group}` });
  switch (i % 5) {
    case 0:
      return { ...base, type: 'riverbed-npm-v1' };
    case 1:
      return { ...base, type: 'riverbed-flow-gateway', landing: landing(Math.floor(i / 100)) };
    case 2:
      return { ...base, type: 'qradar', ssh: { hostKey: HOST_KEY } };
    case 3:
      return { ...base, type: 'riverbed-npm-v2', server: { name: 'landing', ...landing(Math.floor(i / 100)) } };
    default:
      return { ...base, type: 'storware', url: `${base.url}:8181`, protectedEntities: [`0f2a6c1e-1111-2222-3333-${String(i).padStart(12, '0')}`] };
  }
}

/** `count` generated devices (ids appliance-00000, appliance-00001, ...). */
export function generatedDevices(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => generatedDevice(i));
}
