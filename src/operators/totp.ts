import { Secret, TOTP } from 'otpauth';

/**
 * Optional second factor for operators: RFC 6238 TOTP (30 s, 6 digits, SHA-1,
 * what every authenticator app reads), one step of clock drift either way.
 */
export function isValidTotpSecret(secret: string): boolean {
  if (!/^[A-Z2-7]{16,128}=*$/.test(secret)) return false;
  try {
    Secret.fromBase32(secret);
    return true;
  } catch {
    return false;
  }
}

function totpFor(secret: string, label = 'operator'): TOTP {
  return new TOTP({ issuer: 'Roster', label, algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) });
}

export function verifyTotp(secret: string, code: string, timestamp = Date.now()): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return totpFor(secret).validate({ token: code, timestamp, window: 1 }) !== null;
}

/** A new random secret and its otpauth:// URI (for a QR code or an authenticator app). */
export function newTotpSecret(label: string): { secret: string; uri: string } {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, uri: totpFor(secret, label).toString() };
}

/** The current code (tests, and the CLI's confirmation). */
export function totpCode(secret: string, timestamp = Date.now()): string {
  return totpFor(secret).generate({ timestamp });
}
