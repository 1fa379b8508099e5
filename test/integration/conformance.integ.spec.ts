import { describe, it } from 'vitest';
import { SSHD_AVAILABLE } from '../support/sshd';
import { FAULTS, LARGE, SIZE_FAULTS, SMALL } from './conformance/contract';
import { CONFORMANCE_TYPES } from './conformance/device-types';
import { useConformanceHarness } from './conformance/harness';

/**
 * Conformance: every device type of the table (conformance/device-types.ts) through a full backup
 * and a full restore with the synthesized state machines, against its simulator (SSH sides on a
 * real sshd), into s3rver; then every fault of the matrix its protocol allows. Each case ends in a
 * verified archive (object + manifest whose SHA-256 is what the simulator served) or restore, or
 * in a failed run whose message names the device; never in a false success; and nothing archived
 * before is lost. Faults about the download's bytes run twice: one PutObject, and multipart.
 */
const harness = useConformanceHarness();

describe.each(CONFORMANCE_TYPES)('$type', (row) => {
  describe.skipIf(row.ssh && !SSHD_AVAILABLE)('through the state machines', () => {
    it('backs up and restores: the exact bytes the device served are archived, and restored', async () => {
      await harness.run({ row, fault: undefined, size: SMALL });
    });

    for (const fault of FAULTS) {
      const faultCase = row.faults[fault];
      if (!faultCase) continue;
      const sizes = SIZE_FAULTS.includes(fault) ? [SMALL, LARGE] : [SMALL];
      for (const size of sizes) {
        const name = `${fault}${sizes.length > 1 ? (size === LARGE ? ' (multipart)' : ' (one PutObject)') : ''}`;
        // A defect not fixed yet (faultCase.pending names it): expected to fail until its fix lands.
        const test = faultCase.pending ? it.fails : it;
        test(name, async () => harness.run({ row, fault, size }));
      }
    }
  });
});
