import { randomBytes } from 'node:crypto';
import { keyCipherFromBytes, type KeyCipher } from '../../src/secrets/key-cipher';

/** A fresh secret key for a test's signing keys (what ROSTER_SECRET_KEY gives a deployment). */
export const testKeyCipher = (): KeyCipher => keyCipherFromBytes(randomBytes(32), 'test');
