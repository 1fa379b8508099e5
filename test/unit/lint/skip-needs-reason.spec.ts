import { RuleTester } from 'eslint';
import { describe, it } from 'vitest';
import skipNeedsReason from '../../../eslint/skip-needs-reason.js';

// RuleTester builds its cases with the test framework's describe/it.
RuleTester.describe = describe;
RuleTester.it = it;

new RuleTester().run('skip-needs-reason', skipNeedsReason, {
  valid: [
    "it('runs', () => {});",
    "describe.skipIf(!sshd)('needs sshd', () => {});",
    "// sshd is not in this image: see issue 9\nit.skip('needs sshd', () => {});",
    "it.todo('restores onto a replaced appliance'); // waits for the vendor's answer on serials",
  ],
  invalid: [
    { code: "it.only('focus', () => {});", errors: [{ messageId: 'only' }] },
    { code: "describe.only('focus', () => {});", errors: [{ messageId: 'only' }] },
    { code: "it.skip('off', () => {});", errors: [{ messageId: 'skip' }] },
    { code: "const x = 1;\n\ntest.todo('later');", errors: [{ messageId: 'skip' }] },
  ],
});
