import { StateMachine } from 'aws-local-stepfunctions';
import { describe, expect, it } from 'vitest';
import { backupDefinitionFor, localFunctionArn, resolveString, stateMachineDefinitionOf } from '../../infra/local-definition';
import { fleetConfig, synth } from './fixtures';

describe('backupDefinitionFor', () => {
  const config = fleetConfig();
  const definition = backupDefinitionFor(config);

  it('is the definition of the synthesized stack, with each function as a fake but valid Lambda ARN', () => {
    const template = synth(config).template.toJSON() as { Resources: Record<string, { Type: string }> };
    expect(definition).toEqual(stateMachineDefinitionOf(template));
    // The backup workflow's functions; the restore workflow's are checked in restore-workflow.spec.ts.
    const functionIds = Object.keys(template.Resources).filter((id) => template.Resources[id]!.Type === 'AWS::Lambda::Function' && id.startsWith('BackupWorkflow'));
    const taskResources = Object.values(definition.States)
      .filter((s) => s.Type === 'Task')
      .map((s) => (s as { Resource: string }).Resource);
    expect(taskResources.sort()).toEqual(functionIds.map(localFunctionArn).sort());
    for (const arn of taskResources) expect(arn).toMatch(/^arn:aws:lambda:us-east-1:123456789012:function:[A-Za-z0-9_-]{1,64}$/);
  });

  it('passes aws-local-stepfunctions validation, ARNs and paths included', () => {
    expect(() => new StateMachine(structuredClone(definition), { validationOptions: { checkArn: true, checkPaths: true } })).not.toThrow();
  });

  it('follows the config (the timeout comes from workflow.timeoutHours)', () => {
    expect(backupDefinitionFor(fleetConfig({ workflow: { timeoutHours: 1.5 } })).TimeoutSeconds).toBe(5400);
  });
});

describe('stateMachineDefinitionOf', () => {
  const resources = { Fn: { Type: 'AWS::Lambda::Function' }, Bucket: { Type: 'AWS::S3::Bucket' } };

  it('resolves Fn::Join, function ARNs and pseudo parameters', () => {
    const value = {
      'Fn::Join': ['', ['{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"', { 'Fn::GetAtt': ['Fn', 'Arn'] }, '","End":true}},"Comment":"', { Ref: 'AWS::Partition' }, '"}']],
    };
    expect(JSON.parse(resolveString(value, resources, 'x'))).toEqual({
      StartAt: 'A',
      States: { A: { Type: 'Task', Resource: localFunctionArn('Fn'), End: true } },
      Comment: 'aws',
    });
  });

  it('refuses what has no local value, saying where', () => {
    expect(() => resolveString({ 'Fn::GetAtt': ['Bucket', 'Arn'] }, resources, 'SM.DefinitionString[3]')).toThrow(
      /SM\.DefinitionString\[3\]: Fn::GetAtt Bucket\.Arn is a AWS::S3::Bucket/,
    );
    expect(() => resolveString({ Ref: 'SomeParameter' }, resources, 'here')).toThrow(/here: cannot resolve/);
  });

  it('needs exactly one state machine', () => {
    expect(() => stateMachineDefinitionOf({ Resources: {} })).toThrow(/found 0/);
  });
});
