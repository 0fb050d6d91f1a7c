import { describe, expect, it } from 'vitest';

import { BLOCKED_ADDRESS_CODE, checkResolvedAddresses } from '../../../src/registry/transport/dispatchers.js';

describe('checkResolvedAddresses', () => {
  const cases = [
    { addresses: [{ address: '93.184.216.34', family: 4 }], blocked: false },
    { addresses: [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }], blocked: false },
    { addresses: [{ address: '169.254.169.254', family: 4 }], blocked: true },
    { addresses: [{ address: '10.0.0.5', family: 4 }, { address: 'fe80::a9fe:a9fe', family: 6 }], blocked: true },
    { addresses: [], blocked: false },
  ];

  it.each(cases)('blocks $addresses: $blocked', ({ addresses, blocked }) => {
    const error = checkResolvedAddresses('storage.example.net', addresses);

    expect(error?.code).toBe(blocked ? BLOCKED_ADDRESS_CODE : undefined);
    if (blocked) {
      expect(error?.message).toContain('storage.example.net resolves to the link-local address');
    }
  });
});
