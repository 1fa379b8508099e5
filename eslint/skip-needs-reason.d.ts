import type { Rule } from 'eslint';

declare const skipNeedsReason: Rule.RuleModule;
export default skipNeedsReason;
