import { describe, it } from 'vitest';
import { SSHD_AVAILABLE } from '../../support/sshd';
import { FAULTS, LARGE, SIZE_FAULTS, SMALL, type FaultName } from './contract';
import { CONFORMANCE_TYPES } from './device-types';
import { useConformanceHarness } from './harness';

/**
 * Declares the conformance tests of one spec file: for every row of the table, the plain backup and
 * restore (when `plain`) and each fault `faults` selects that the row has. The matrix is split over
 * two files only so that vitest runs them side by side; the table is one.
 */
export function conformanceSuite(options: { plain: boolean; faults: (fault: FaultName) => boolean }): void {
  const harness = useConformanceHarness();
  const rows = CONFORMANCE_TYPES.filter((row) => options.plain || FAULTS.some((fault) => options.faults(fault) && row.faults[fault]));
  describe.each(rows)('$type', (row) => {
    describe.skipIf(row.ssh && !SSHD_AVAILABLE)('through the state machines', () => {
      if (options.plain) {
        it('backs up and restores: the exact bytes the device served are archived, and restored', async () => {
          await harness.run({ row, fault: undefined, size: SMALL });
        });
      }
      for (const fault of FAULTS.filter(options.faults)) {
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
}
