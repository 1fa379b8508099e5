/** Riverbed Flow Gateway mgmt.gateway_backup 1.0 (seed 002). */
const API = '/api/mgmt.gateway_backup/1.0';

export const flowGatewayPaths = {
  backup: `${API}/backup`,
  restore: `${API}/restore`,
} as const;
