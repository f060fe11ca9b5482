import { createContext, useContext } from 'react';

/**
 * This request's CSP nonce, from entry.server to the <Scripts> of root.tsx. In the browser it is
 * empty: browsers hide nonce attributes from scripts, and hydration does not need it.
 */
export const NonceContext = createContext('');
export const useNonce = () => useContext(NonceContext);
