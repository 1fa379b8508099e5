/** asl-validator 3 ships no types; the one call the deploy test makes. */
declare module 'asl-validator' {
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message?: string; readonly 'Error code'?: string }[];
    errorsText(separator?: string): string;
  }
  export default function aslValidator(definition: object, options?: { checkPaths?: boolean; checkArn?: boolean }): AslValidationResult;
}
