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
