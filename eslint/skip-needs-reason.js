/**
 * `it.skip`, `describe.skip`, `test.skip` and `.todo` must say why, in a comment on the line before
 * or at the end of the line: a test switched off in silence is a check that can no longer fail.
 * `.only` is never allowed (it silently switches off every other test of the file).
 * Conditional skips (`skipIf`, `runIf`) carry their reason in their condition and are allowed.
 */
const TEST_FUNCTIONS = new Set(['it', 'test', 'describe', 'suite']);

export default {
  meta: {
    type: 'problem',
    docs: { description: 'no .only; .skip and .todo only with a reason comment' },
    messages: {
      only: '`{{name}}.only` switches off every other test of the file: remove it before committing',
      skip: '`{{name}}.{{method}}` needs a reason: add a comment on the line before (or at the end of the line) saying why it is off',
    },
    schema: [],
  },
  create(context) {
    const source = context.sourceCode;
    return {
      MemberExpression(node) {
        if (node.object.type !== 'Identifier' || !TEST_FUNCTIONS.has(node.object.name)) return;
        if (node.property.type !== 'Identifier') return;
        const method = node.property.name;
        const name = node.object.name;
        if (method === 'only') {
          context.report({ node, messageId: 'only', data: { name } });
          return;
        }
        if (method !== 'skip' && method !== 'todo') return;
        const line = node.loc.start.line;
        const hasReason = source.getAllComments().some((comment) => comment.loc.end.line === line - 1 || comment.loc.start.line === line);
        if (!hasReason) context.report({ node, messageId: 'skip', data: { name, method } });
      },
    };
  },
};
