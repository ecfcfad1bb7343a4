import { z } from 'zod';

/**
 * Characters no name or note needs and that hide text or reorder it on screen: C0/C1 controls and the
 * bidi embedding/override/isolate marks (the "Trojan Source" set). Zero-width joiners stay allowed:
 * emoji sequences use them.
 */
const forbiddenCharacters = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

/** True when the string holds an unpaired UTF-16 surrogate, which DynamoDB cannot store as UTF-8. */
function hasLoneSurrogate(value: string): boolean {
  return !value.isWellFormed();
}

/**
 * Human-written text (names, personas, transfer notes): trimmed, non-empty, at most `maxChars` code
 * points and `maxChars * 4` UTF-8 bytes, well-formed, free of controls and bidi overrides.
 */
export const humanText = (maxChars: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((value) => !hasLoneSurrogate(value), 'contains an unpaired surrogate')
    .refine((value) => [...value].length <= maxChars, `must be at most ${maxChars} characters`)
    .refine((value) => !forbiddenCharacters.test(value), 'contains control or bidi-override characters');
