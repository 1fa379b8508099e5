/**
 * Small readers for synthesized templates, so assertions can compare readable strings
 * ("arn:${AWS::Partition}:s3:::...") instead of nested intrinsics.
 */

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
}
export type Resources = Record<string, Resource>;

export interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

/** Renders intrinsics as `${...}` placeholders: Ref X -> ${X}, Fn::GetAtt [a, b] -> ${a.b}, Fn::Join joined. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('Ref' in v) return `\${${String(v.Ref)}}`;
    if ('Fn::GetAtt' in v) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
    if ('Fn::Join' in v) {
      const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(sep);
    }
  }
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Every statement of the inline policies attached to a role, actions and resources flattened,
 * except the X-Ray tracing statement every runner function has (`xray:*` on "*", see
 * RunnerFunction; asserted once in test/infra/nag.spec.ts), so each test sees its own grants.
 */
export function roleStatements(resources: Resources, roleLogicalId: string): Statement[] {
  return allRoleStatements(resources, roleLogicalId).filter((s) => !s.Action.every((a) => a.startsWith('xray:')));
}

/** Every statement of the inline policies attached to a role, X-Ray's included. */
export function allRoleStatements(resources: Resources, roleLogicalId: string): Statement[] {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy')
    .filter((r) => asArray(r.Properties?.Roles as unknown[]).some((ref) => flatten(ref) === `\${${roleLogicalId}}`))
    .flatMap((r) => asArray((r.Properties?.PolicyDocument as { Statement: unknown[] }).Statement))
    .map((s) => {
      const st = s as { Effect: string; Action: string | string[]; Resource: unknown };
      return { Effect: st.Effect, Action: asArray(st.Action), Resource: asArray(st.Resource).map(flatten) };
    });
}

/** The logical id of a function's execution role. */
export function roleOf(fn: Resource): string {
  const role = fn.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  return role['Fn::GetAtt'][0];
}

/** The logical id of the one function whose id contains `part`. */
export function logicalIdContaining(resources: Resources, type: string, part: string): string {
  const ids = Object.keys(resources).filter((id) => resources[id]!.Type === type && id.includes(part));
  if (ids.length !== 1) throw new Error(`expected one ${type} with "${part}" in its id, found ${ids.join(', ') || 'none'}`);
  return ids[0]!;
}
