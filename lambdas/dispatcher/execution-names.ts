/**
 * The device an execution backs up, read from its name: the dispatcher names executions
 * `<deviceId>-<YYYYMMDDTHHMMZ>` and local/manual runs `<deviceId>-manual-<YYYYMMDDTHHMMSSZ>`.
 * Undefined for other names (an operator's start-execution without a name gets a UUID): the
 * caller then reads the execution's input.
 */
export function deviceIdFromExecutionName(name: string): string | undefined {
  const match = /^([a-z0-9-]{1,40})-(?:\d{8}T\d{4}Z|manual-\d{8}T\d{6}Z)$/.exec(name);
  return match?.[1];
}

/** `deviceId` of an execution input (JSON text), or undefined. */
export function deviceIdFromExecutionInput(input: string | undefined): string | undefined {
  if (!input) return undefined;
  try {
    const parsed = JSON.parse(input) as unknown;
    const id = parsed !== null && typeof parsed === 'object' ? (parsed as { deviceId?: unknown }).deviceId : undefined;
    return typeof id === 'string' && id !== '' ? id : undefined;
  } catch {
    return undefined;
  }
}
