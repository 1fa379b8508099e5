import * as rruleModule from 'rrule';

type RRuleModule = typeof rruleModule;

/**
 * rrule 2.8.1 has no `exports` map and its ESM build is only under `module`. Node (and vitest,
 * tsx) load its `main`, a UMD bundle whose named exports Node cannot detect, so there they hang
 * off `default`; bundlers that read `module` give them directly. This picks whichever is present.
 */
const lib: RRuleModule =
  'RRule' in rruleModule && rruleModule.RRule !== undefined ? rruleModule : (rruleModule as unknown as { default: RRuleModule }).default;

export const RRule = lib.RRule;
export const Weekday = lib.Weekday;
export type RRuleOptions = rruleModule.Options;
